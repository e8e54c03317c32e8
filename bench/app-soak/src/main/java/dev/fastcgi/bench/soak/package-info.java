/**
 * The whole-app soak target: the benchmarked app plus sessions, error page, multipart, SSE and stats endpoints.
 */
package dev.fastcgi.bench.soak;
