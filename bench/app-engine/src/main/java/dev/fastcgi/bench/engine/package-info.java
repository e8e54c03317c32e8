/**
 * The benchmarked endpoints served by the bare FastCGI engine, without the servlet bridge or Spring.
 */
package dev.fastcgi.bench.engine;
