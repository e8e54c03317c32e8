package dev.fastcgi.server;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * A FastCGI application server: listens, accepts web server connections and runs a {@link FastCgiHandler} per
 * request. Construct, add listeners, {@link #start()}, later {@link #stop(Duration)}. Thread-safe.
 */
public final class FastCgiServer {

	public FastCgiServer(ServerConfig config, FastCgiHandler handler) {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** Adds an event listener; call before {@link #start()}. */
	public void addListener(ServerListener listener) {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/**
	 * Binds and starts accepting. Idempotent.
	 * @throws java.net.BindException (or another IOException) when the address cannot be bound
	 */
	public void start() throws IOException {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** Stops accepting new connections (the listen socket is closed); in-flight requests continue. Idempotent. */
	public void stopAccepting() {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/**
	 * Stops: stops accepting, lets in-flight requests finish for up to {@code grace}, then aborts what is left and
	 * closes every connection and thread. Idempotent.
	 * @return true if every request finished within the grace period
	 */
	public boolean stop(Duration grace) {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** The TCP port actually bound (useful with port 0), or -1 for Unix or not started. */
	public int port() {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** The address actually bound, or null if not started. */
	public SocketAddress boundAddress() {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** Whether the listener is accepting (false before start, after stopAccepting, or if the accept loop died). */
	public boolean isAccepting() {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** Requests currently in flight. */
	public int activeRequests() {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** Connections currently open. */
	public int activeConnections() {
		throw new UnsupportedOperationException("TODO: engine");
	}

	/** A read-only view for the actuator endpoint. */
	public ServerSnapshot snapshot() {
		throw new UnsupportedOperationException("TODO: engine");
	}

	public ServerConfig config() {
		throw new UnsupportedOperationException("TODO: engine");
	}

}
