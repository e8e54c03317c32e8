package dev.fastcgi.server;

import java.io.IOException;

/** Thrown by a request's streams when its connection to the web server was lost or closed. */
public class ConnectionClosedException extends IOException {

	public ConnectionClosedException(String message) {
		super(message);
	}

	public ConnectionClosedException(String message, Throwable cause) {
		super(message, cause);
	}

}
