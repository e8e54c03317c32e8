package dev.fastcgi.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The param names web servers send with every request (nginx's stock {@code fastcgi_params}, the common HTTP
 * headers as CGI {@code HTTP_*} names), so decoding a name that is one of them returns a shared {@link String}
 * instead of allocating one per request. A small open-addressed table keyed by length and first and last bytes.
 */
final class KnownNames {

	private static final String[] NAMES = { "QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE", "CONTENT_LENGTH",
			"SCRIPT_NAME", "SCRIPT_FILENAME", "PATH_INFO", "PATH_TRANSLATED", "REQUEST_URI", "DOCUMENT_URI",
			"DOCUMENT_ROOT", "SERVER_PROTOCOL", "REQUEST_SCHEME", "HTTPS", "GATEWAY_INTERFACE", "SERVER_SOFTWARE",
			"REMOTE_ADDR", "REMOTE_PORT", "REMOTE_USER", "REMOTE_HOST", "AUTH_TYPE", "SERVER_ADDR", "SERVER_PORT",
			"SERVER_NAME", "REDIRECT_STATUS", "FCGI_ROLE", "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT",
			"HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING", "HTTP_CONNECTION", "HTTP_COOKIE", "HTTP_REFERER",
			"HTTP_AUTHORIZATION", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_CACHE_CONTROL", "HTTP_PRAGMA",
			"HTTP_ORIGIN", "HTTP_UPGRADE_INSECURE_REQUESTS", "HTTP_SEC_FETCH_DEST", "HTTP_SEC_FETCH_MODE",
			"HTTP_SEC_FETCH_SITE", "HTTP_SEC_FETCH_USER", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_NONE_MATCH",
			"HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP",
			"HTTP_X_REQUESTED_WITH", "HTTP_TRANSFER_ENCODING", "HTTP_EXPECT", "HTTP_RANGE", "HTTP_DNT" };

	private static final int SIZE = 256;

	private static final String[] TABLE = new String[SIZE];

	private static final byte[][] BYTES = new byte[SIZE][];

	static {
		for (String name : NAMES) {
			byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
			int slot = hash(bytes.length, bytes[0], bytes[bytes.length - 1]);
			while (TABLE[slot] != null) {
				slot = (slot + 1) & (SIZE - 1);
			}
			TABLE[slot] = name;
			BYTES[slot] = bytes;
		}
	}

	private KnownNames() {
	}

	private static int hash(int length, byte first, byte last) {
		return (length * 31 + first * 7 + last) & (SIZE - 1);
	}

	/**
	 * The shared string for the {@code length} bytes at {@code in}'s position if they spell a known name (the
	 * position is not moved), else null.
	 */
	static String lookup(ByteBuffer in, int length) {
		if (length < 5 || length > 32) {
			return null;
		}
		int position = in.position();
		int slot = hash(length, in.get(position), in.get(position + length - 1));
		for (String name = TABLE[slot]; name != null; slot = (slot + 1) & (SIZE - 1), name = TABLE[slot]) {
			if (matches(BYTES[slot], in, position, length)) {
				return name;
			}
		}
		return null;
	}

	private static boolean matches(byte[] known, ByteBuffer in, int position, int length) {
		if (known.length != length) {
			return false;
		}
		if (in.hasArray()) {
			// one vectorized comparison (an intrinsic) instead of a bounds-checked get per byte
			int from = in.arrayOffset() + position;
			return Arrays.equals(known, 0, length, in.array(), from, from + length);
		}
		for (int i = 0; i < length; i++) {
			if (known[i] != in.get(position + i)) {
				return false;
			}
		}
		return true;
	}

}
