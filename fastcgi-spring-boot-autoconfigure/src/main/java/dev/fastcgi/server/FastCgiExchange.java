package dev.fastcgi.server;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.util.Map;

import dev.fastcgi.protocol.Role;

/**
 * One FastCGI request as the handler sees it: role, params, input streams and the response channel. No servlet
 * types. Streams are not thread-safe; one thread at a time may use each.
 */
public interface FastCgiExchange {

	/** The request id from FCGI_BEGIN_REQUEST (never assume 1). */
	int requestId();

	/** The role from FCGI_BEGIN_REQUEST. */
	Role role();

	/** Whether the web server set FCGI_KEEP_CONN. */
	boolean keepConnection();

	/**
	 * The request's params (CGI/1.1 variables) with the configured extra environ merged in. Immutable. Names and
	 * values are decoded as ISO-8859-1, so every byte the web server sent is kept (re-encode to bytes to read UTF-8).
	 */
	Map<String, String> params();

	/**
	 * The FCGI_STDIN stream, ending at the empty STDIN record. An ABORT_REQUEST makes reads fail with
	 * {@link RequestAbortedException}; a lost connection with {@link ConnectionClosedException}. With a numeric
	 * CONTENT_LENGTH the stream ends after exactly that many bytes (more are discarded) and a body that ends short
	 * fails the read with an IOException; without one, a body past fastcgi.max-body-size fails the read with an
	 * IOException naming the property.
	 */
	InputStream stdin();

	/** The FCGI_DATA stream (FILTER role); empty for the other roles. */
	InputStream data();

	/**
	 * FCGI_STDOUT. Buffered: bytes leave in records of at most {@code maxWrite} content bytes when the buffer fills,
	 * on {@link OutputStream#flush()}, or when the request ends. Writes after an abort are dropped silently.
	 */
	OutputStream stdout();

	/** FCGI_STDERR, buffered like stdout; the web server logs it. */
	OutputStream stderr();

	/** The app status that END_REQUEST will carry (0 unless set). */
	int appStatus();

	/** Sets the app status that END_REQUEST will carry. */
	void setAppStatus(int appStatus);

	/** Whether an FCGI_ABORT_REQUEST arrived or the connection was lost. */
	boolean isAborted();

	/** Whether the request has ended (END_REQUEST sent or the request was aborted and dropped). */
	boolean isCompleted();

	/**
	 * Keeps the request open after {@link FastCgiHandler#handle} returns (servlet async); it then ends with
	 * {@link #complete(int)}.
	 */
	void deferCompletion();

	/** Ends the request: flushes stdout/stderr, closes both streams and sends END_REQUEST. Idempotent. */
	void complete(int appStatus);

	/**
	 * Ends the request with these last stdout bytes, as {@code stdout().write(b, off, len)} then
	 * {@code complete(appStatus())} would, but with the bytes, the end of stdout and END_REQUEST in one write to the
	 * web server. For a handler that knows its response is whole before it returns (a body that reaches its
	 * Content-Length): the web server has the whole response, and may reuse the request id and the connection, while
	 * the handler unwinds.
	 * <p>
	 * It ends nothing (false, nothing written: write as usual) unless the request's input has been read to its end,
	 * stderr was not used and the request is still open. The default does not end early.
	 * @return whether the request has ended with these bytes
	 */
	default boolean completeWith(byte[] b, int off, int len) throws java.io.IOException {
		return false;
	}

	/**
	 * Registers a callback run once if the request is aborted (ABORT_REQUEST, connection lost, write failure,
	 * server stop) before it completes; runs at once if it already was. The argument is the cause.
	 */
	void onAbort(java.util.function.Consumer<java.io.IOException> callback);

	/** The peer's address (the web server), or {@code null} for a Unix socket or inherited socket without one. */
	SocketAddress remoteAddress();

	/** The local address the connection was accepted on, or {@code null} if unknown. */
	SocketAddress localAddress();

	/** A number identifying the connection within this server, for logs and the actuator endpoint. */
	long connectionId();

}
