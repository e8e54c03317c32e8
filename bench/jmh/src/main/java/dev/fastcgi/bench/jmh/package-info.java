/**
 * JMH benchmarks of the FastCGI codec and of one request's dispatch through the servlet bridge.
 */
package dev.fastcgi.bench.jmh;
