package dev.fastcgi.server;

import java.io.IOException;

/** Thrown by a request's streams after the web server sent FCGI_ABORT_REQUEST for it. */
public class RequestAbortedException extends IOException {

	public RequestAbortedException(String message) {
		super(message);
	}

}
