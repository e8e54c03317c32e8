package dev.fastcgi.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Where the engine listens: a TCP host and port, a Unix domain socket path, or the listen socket a spawning web
 * server handed over on file descriptor 0.
 */
public sealed interface BindAddress {

	/** TCP on {@code host} (IPv4 literal, IPv6 literal without brackets, host name, or null for all) and port. */
	record Tcp(String host, int port) implements BindAddress {

		public InetSocketAddress toSocketAddress() {
			return (this.host == null || this.host.isEmpty()) ? new InetSocketAddress(this.port)
					: new InetSocketAddress(this.host, this.port);
		}

		@Override
		public String toString() {
			String h = (this.host == null || this.host.isEmpty()) ? "*" : this.host;
			return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + this.port;
		}
	}

	/** A Unix domain socket at {@code path}. */
	record Unix(Path path) implements BindAddress {

		@Override
		public String toString() {
			return "unix:" + this.path;
		}
	}

	/** The listening socket inherited on fd 0 ({@code FCGI_LISTENSOCK_FILENO}). */
	record Inherited() implements BindAddress {

		@Override
		public String toString() {
			return "fd:0";
		}
	}

	/**
	 * Parses {@code host:port}, {@code [ipv6]:port}, {@code :port} or {@code port} (all addresses),
	 * {@code unix:/path}, or {@code fd:0}.
	 * @throws IllegalArgumentException with a message saying what was expected
	 */
	static BindAddress parse(String text) {
		if (text == null || text.isBlank()) {
			throw new IllegalArgumentException("bind address is empty; expected host:port, [ipv6]:port, unix:/path or fd:0");
		}
		String s = text.trim();
		if (s.startsWith("unix:")) {
			String path = s.substring(5);
			if (path.isEmpty()) {
				throw new IllegalArgumentException("'" + text + "' has no socket path; expected unix:/path/to/socket");
			}
			return new Unix(Path.of(path));
		}
		if (s.equals("fd:0") || s.equals("inherited")) {
			return new Inherited();
		}
		String host;
		String port;
		if (s.startsWith("[")) {
			int close = s.indexOf(']');
			if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
				throw new IllegalArgumentException("'" + text + "' is not a valid [ipv6]:port address");
			}
			host = s.substring(1, close);
			port = s.substring(close + 2);
		}
		else {
			int colon = s.lastIndexOf(':');
			if (colon < 0) {
				host = null;
				port = s;
			}
			else {
				if (s.indexOf(':') != colon) {
					throw new IllegalArgumentException(
							"'" + text + "' is ambiguous: write an IPv6 address in brackets, as [::1]:9000");
				}
				host = s.substring(0, colon);
				port = s.substring(colon + 1);
			}
		}
		int p;
		try {
			p = Integer.parseInt(port);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + text + "' has no valid port; expected host:port with a port from 0 to 65535");
		}
		if (p < 0 || p > 65535) {
			throw new IllegalArgumentException("'" + text + "' has port " + p + " out of range 0..65535");
		}
		return new Tcp((host == null || host.isEmpty() || host.equals("*")) ? null : host, p);
	}

}
