package dev.fastcgi.protocol;

/**
 * The protocolStatus of FCGI_END_REQUEST (specification section 5.5).
 *
 * <pre>
 * #define FCGI_REQUEST_COMPLETE 0
 * #define FCGI_CANT_MPX_CONN    1
 * #define FCGI_OVERLOADED       2
 * #define FCGI_UNKNOWN_ROLE     3
 * </pre>
 */
public enum ProtocolStatus {

	REQUEST_COMPLETE(0), CANT_MPX_CONN(1), OVERLOADED(2), UNKNOWN_ROLE(3);

	private final int code;

	ProtocolStatus(int code) {
		this.code = code;
	}

	/** The status byte on the wire. */
	public int code() {
		return this.code;
	}

	/** The status for a wire code, or {@code null} when unknown. */
	public static ProtocolStatus fromCode(int code) {
		return switch (code) {
			case 0 -> REQUEST_COMPLETE;
			case 1 -> CANT_MPX_CONN;
			case 2 -> OVERLOADED;
			case 3 -> UNKNOWN_ROLE;
			default -> null;
		};
	}

}
