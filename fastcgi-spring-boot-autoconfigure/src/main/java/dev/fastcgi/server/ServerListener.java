package dev.fastcgi.server;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

/**
 * Engine events, for metrics and logs attached from outside (the engine knows nothing of Micrometer). Called on
 * engine threads, on the hot path: implementations must be cheap, thread-safe and must not throw.
 */
public interface ServerListener {

	/** Why a connection was refused at accept time. */
	enum RejectReason {

		/** The peer is not in the allow-list (FCGI_WEB_SERVER_ADDRS / fastcgi.allowed-addresses). */
		ADDRESS,
		/** fastcgi.max-connections connections are already open. */
		LIMIT

	}

	/** How a request ended. */
	enum Outcome {

		/** END_REQUEST(REQUEST_COMPLETE) sent after the handler finished normally. */
		SUCCESS,
		/** The handler failed (an exception or a non-zero app status). */
		ERROR,
		/** ABORT_REQUEST, connection loss, or server stop before the request completed. */
		ABORTED,
		/** Refused by the engine: UNKNOWN_ROLE, CANT_MPX_CONN or OVERLOADED. */
		REJECTED

	}

	/** Why an event loop's selector went to another thread while its leader ran a request (fastcgi.event-loop). */
	enum HandOffReason {

		/** The request's thread was asleep in the kernel at two checks 1 ms apart: a lock, a socket, a sleep. */
		BLOCKED,
		/** The request ran for more than 10 ms. */
		BUSY,
		/** The response filled the socket's send buffer: the thread waits for the web server to read. */
		SOCKET_FULL

	}

	default void connectionOpened(long connectionId) {
	}

	default void connectionClosed(long connectionId) {
	}

	default void connectionRejected(RejectReason reason) {
	}

	default void requestStarted(long connectionId, int requestId, Role role) {
	}

	/**
	 * A request ended. {@code role} is null for an unknown role. {@code durationNanos} runs from BEGIN_REQUEST to the
	 * END_REQUEST write (or the abort).
	 */
	default void requestEnded(long connectionId, int requestId, Role role, int appStatus, ProtocolStatus protocolStatus,
			Outcome outcome, long durationNanos) {
	}

	/** An FCGI_ABORT_REQUEST arrived for an active request. */
	default void requestAborted(long connectionId, int requestId) {
	}

	/** A record was decoded; {@code type} is null for a type unknown to FastCGI 1.0. */
	default void recordReceived(RecordType type, int contentLength) {
	}

	/** A record was written. */
	default void recordSent(RecordType type, int contentLength) {
	}

	/** Bytes read from or written to connections. */
	default void bytesReceived(long bytes) {
	}

	default void bytesSent(long bytes) {
	}

	/**
	 * Unread input of a request went over fastcgi.input-spill-threshold and is now written to the temporary
	 * {@code file} (deleted when the request ends).
	 */
	default void inputSpilled(long connectionId, int requestId, java.nio.file.Path file) {
	}

	/**
	 * A connection was closed for malformed input or a limit, or a request hit a limit; {@code reason} is a short
	 * low-cardinality token ({@code version}, {@code length}, {@code duplicate_request}, {@code params_after_end},
	 * {@code params_too_large}, {@code name_value}, {@code timeout}, ...). Request limits that are answered without
	 * closing: {@code param_name_too_long}, {@code param_value_too_long} (431), {@code body_too_large} (413, or the
	 * reads fail when no CONTENT_LENGTH was declared) and {@code request_timeout} (504); {@code params_timeout}
	 * closes the connection.
	 */
	default void protocolError(long connectionId, String reason) {
	}

	/**
	 * An event loop's selector went to another thread because the request its leader ran would have held up the
	 * loop's other connections; the request goes on on its thread.
	 */
	default void eventLoopHandedOff(HandOffReason reason) {
	}

}
