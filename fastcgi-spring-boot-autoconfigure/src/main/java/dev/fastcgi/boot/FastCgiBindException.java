package dev.fastcgi.boot;

import org.springframework.boot.web.server.WebServerException;

import dev.fastcgi.server.BindAddress;

/**
 * Thrown when the FastCGI server cannot listen on its bind address (a Unix socket path in use or not writable, an
 * address that is not local, an inherited fd 0 that is not a listening socket). A TCP port already in use is
 * reported as {@link FastCgiPortInUseException} instead.
 */
public class FastCgiBindException extends WebServerException {

	private final BindAddress bindAddress;

	/**
	 * Create a new instance.
	 * @param bindAddress the address that could not be bound
	 * @param cause the bind failure
	 */
	public FastCgiBindException(BindAddress bindAddress, Throwable cause) {
		super("FastCGI server could not listen on " + bindAddress + ": " + cause.getMessage(), cause);
		this.bindAddress = bindAddress;
	}

	/**
	 * The address that could not be bound.
	 * @return the bind address
	 */
	public BindAddress getBindAddress() {
		return this.bindAddress;
	}

}
