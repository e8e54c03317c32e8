package dev.fastcgi.protocol;

/**
 * FastCGI 1.0 roles, carried in FCGI_BEGIN_REQUEST (specification section 8).
 *
 * <pre>
 * #define FCGI_RESPONDER  1
 * #define FCGI_AUTHORIZER 2
 * #define FCGI_FILTER     3
 * </pre>
 */
public enum Role {

	RESPONDER(1), AUTHORIZER(2), FILTER(3);

	private final int code;

	Role(int code) {
		this.code = code;
	}

	/** The role number on the wire. */
	public int code() {
		return this.code;
	}

	/** The role for a wire code, or {@code null} when unknown (the engine answers FCGI_UNKNOWN_ROLE). */
	public static Role fromCode(int code) {
		return switch (code) {
			case 1 -> RESPONDER;
			case 2 -> AUTHORIZER;
			case 3 -> FILTER;
			default -> null;
		};
	}

}
