/**
 * The benchmarked app on Jetty 12's FastCGI server connector.
 */
package dev.fastcgi.bench.jetty;
