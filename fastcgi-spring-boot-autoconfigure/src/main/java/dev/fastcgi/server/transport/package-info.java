/**
 * Listen sockets and peer admission: TCP on IPv4 and IPv6, Unix domain sockets with file permissions, the socket
 * inherited on fd 0, and the address allow-list ({@code FCGI_WEB_SERVER_ADDRS}).
 */
package dev.fastcgi.server.transport;
