package dev.fastcgi.protocol;

/**
 * Protocol constants of FastCGI 1.0 that are not enums: sizes, flags and the management variable names.
 */
public final class FastCgi {

	/** {@code FCGI_VERSION_1}: the only version this codec speaks. */
	public static final int VERSION_1 = 1;

	/** {@code FCGI_HEADER_LEN}: every record starts with an 8-byte header. */
	public static final int HEADER_LENGTH = 8;

	/** The largest contentLength a record header can carry (16 bits). */
	public static final int MAX_CONTENT_LENGTH = 0xFFFF;

	/** The largest paddingLength a record header can carry (8 bits). */
	public static final int MAX_PADDING_LENGTH = 0xFF;

	/** The longest a whole record can be on the wire: header, content and padding. */
	public static final int MAX_RECORD_LENGTH = HEADER_LENGTH + MAX_CONTENT_LENGTH + MAX_PADDING_LENGTH;

	/** {@code FCGI_NULL_REQUEST_ID}: the request id of management records. */
	public static final int NULL_REQUEST_ID = 0;

	/** {@code FCGI_KEEP_CONN}: the flag in FCGI_BEGIN_REQUEST asking the application to keep the connection. */
	public static final int KEEP_CONN = 1;

	/** {@code FCGI_LISTENSOCK_FILENO}: the descriptor on which a spawning web server hands over the listen socket. */
	public static final int LISTENSOCK_FILENO = 0;

	/** Management variable: the maximum number of concurrent transport connections the application accepts. */
	public static final String MAX_CONNS = "FCGI_MAX_CONNS";

	/** Management variable: the maximum number of concurrent requests the application accepts. */
	public static final String MAX_REQS = "FCGI_MAX_REQS";

	/** Management variable: "0" if the application does not multiplex connections, else "1". */
	public static final String MPXS_CONNS = "FCGI_MPXS_CONNS";

	private FastCgi() {
	}

	/** Padding that brings {@code contentLength} to a multiple of 8, as the specification recommends. */
	public static int paddingFor(int contentLength) {
		return -contentLength & 7;
	}

}
