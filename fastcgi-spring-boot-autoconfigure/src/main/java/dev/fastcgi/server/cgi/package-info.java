/**
 * CGI fallback: one request served from the process environment, stdin and stdout, through the same handler SPI.
 */
package dev.fastcgi.server.cgi;
