/**
 * The interop matrix with a Spring MVC application in the servlet container behind each real web server.
 */
package dev.fastcgi.servlet.interop;
