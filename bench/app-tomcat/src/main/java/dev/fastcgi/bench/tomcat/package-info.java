/**
 * The benchmarked app on embedded Tomcat.
 */
package dev.fastcgi.bench.tomcat;
