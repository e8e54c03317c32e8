/**
 * A Spring Boot application run as a child process in every mode: spawned on fd 0, CGI, stopped by signals.
 */
package dev.fastcgi.boot.modes;
