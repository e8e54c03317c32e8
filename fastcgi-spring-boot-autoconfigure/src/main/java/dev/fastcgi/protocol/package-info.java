/**
 * The FastCGI 1.0 wire format: record and name-value pair codec and constants. JDK only; no I/O policy.
 */
package dev.fastcgi.protocol;
