package dev.fastcgi.servlet.multipart;

import java.io.IOException;

/**
 * A {@code multipart/form-data} request body or content type that cannot be parsed: missing or invalid boundary,
 * missing closing delimiter, truncated stream, oversized part header block, part without a form-data name. The
 * container answers 400. The message never contains "exceed", so Spring does not mistake it for a size limit.
 */
public class MalformedMultipartException extends IOException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception.
	 * @param message what is wrong, in a sentence
	 */
	public MalformedMultipartException(String message) {
		super(message);
	}

}
