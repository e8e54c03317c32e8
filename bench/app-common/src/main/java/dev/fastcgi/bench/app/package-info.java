/**
 * The Spring MVC application every benchmarked server variant runs.
 */
package dev.fastcgi.bench.app;
