/**
 * The servlet container bridge: context, request, response, filter chains, dispatch, error pages, sessions,
 * async and multipart, on top of the FastCGI engine's handler SPI.
 */
package dev.fastcgi.servlet;
