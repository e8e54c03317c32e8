/**
 * Engine internals: connections, the per-request state machine, request streams with spill files, the serialized
 * record writer, worker executors and timeouts. Not API.
 */
package dev.fastcgi.server.internal;
