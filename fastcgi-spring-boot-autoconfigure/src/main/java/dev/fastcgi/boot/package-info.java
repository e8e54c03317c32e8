/**
 * Spring Boot integration: the servlet web server factory, the web server, graceful shutdown and bind failures.
 */
@NullMarked
package dev.fastcgi.boot;

import org.jspecify.annotations.NullMarked;
