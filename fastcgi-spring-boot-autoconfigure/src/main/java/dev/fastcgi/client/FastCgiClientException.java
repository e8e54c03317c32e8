package dev.fastcgi.client;

import java.io.IOException;

/**
 * The server broke the protocol as the client sees it: a record for a request id that is not active, a record type
 * a web server never receives, a stream record after its end, or the connection closed before FCGI_END_REQUEST.
 * The message says what arrived and what was expected.
 */
public class FastCgiClientException extends IOException {

	public FastCgiClientException(String message) {
		super(message);
	}

	public FastCgiClientException(String message, Throwable cause) {
		super(message, cause);
	}

}
