package dev.fastcgi.protocol;

import java.io.IOException;

/**
 * Malformed FastCGI input. The message names what was wrong and, for limits, the limit; {@link #reason()} is a
 * short low-cardinality token for metrics ({@code version}, {@code length}, {@code name_value}, ...).
 */
public class ProtocolException extends IOException {

	private final String reason;

	public ProtocolException(String reason, String message) {
		super(message);
		this.reason = reason;
	}

	public String reason() {
		return this.reason;
	}

}
