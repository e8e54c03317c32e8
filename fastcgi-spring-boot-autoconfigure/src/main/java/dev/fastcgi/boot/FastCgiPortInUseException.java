package dev.fastcgi.boot;

import org.springframework.boot.web.server.PortInUseException;

import dev.fastcgi.server.BindAddress;

/**
 * A {@link PortInUseException} raised by the FastCGI server, carrying the bind address so that the failure
 * analysis can name {@code fastcgi.bind-address} / {@code server.port}.
 */
public class FastCgiPortInUseException extends PortInUseException {

	private final BindAddress.Tcp bindAddress;

	/**
	 * Create a new instance.
	 * @param bindAddress the TCP address that was in use
	 * @param cause the bind failure
	 */
	public FastCgiPortInUseException(BindAddress.Tcp bindAddress, Throwable cause) {
		super(bindAddress.port(), cause);
		this.bindAddress = bindAddress;
	}

	/**
	 * The address that was in use.
	 * @return the bind address
	 */
	public BindAddress.Tcp getBindAddress() {
		return this.bindAddress;
	}

}
