/**
 * The benchmarked app on the FastCGI starter.
 */
package dev.fastcgi.bench.fastcgi;
