/**
 * The FastCGI engine: listeners (TCP, Unix socket, inherited fd 0), connections, request lifecycle, streams,
 * multiplexing, limits, allow-list and threading. No Spring and no servlet types.
 */
package dev.fastcgi.server;
