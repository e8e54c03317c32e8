/**
 * Test support that starts real peers (nginx, cgi-fcgi, spawn-fcgi, lighttpd, HAProxy, Apache, php-cgi) from config
 * files in a temp directory, on free loopback ports, and stops them by PID.
 */
package dev.fastcgi.interop.support;
