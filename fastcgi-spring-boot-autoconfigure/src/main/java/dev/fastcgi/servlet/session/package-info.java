/**
 * In-memory HTTP sessions for the servlet container: {@code SecureRandom} ids, expiry with background reaping,
 * {@code changeSessionId} and the session listeners.
 */
package dev.fastcgi.servlet.session;
