/**
 * A FastCGI client (protocol only): a request/response API and raw record access, for tests and smoke checks.
 */
package dev.fastcgi.client;
