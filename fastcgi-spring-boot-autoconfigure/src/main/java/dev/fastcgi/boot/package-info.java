/**
 * Spring Boot integration: the web server factory, the web server, graceful shutdown and CGI mode.
 */
package dev.fastcgi.boot;
