package dev.fastcgi.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.fastcgi.boot.FastCgiBindException;
import dev.fastcgi.server.BindAddress;

/**
 * Explains a {@link FastCgiBindException}: the FastCGI server could not listen on a Unix socket, an inherited
 * socket or a non-local address.
 */
class FastCgiBindFailureAnalyzer extends AbstractFailureAnalyzer<FastCgiBindException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, FastCgiBindException cause) {
		BindAddress bindAddress = cause.getBindAddress();
		Throwable reason = (cause.getCause() != null) ? cause.getCause() : cause;
		String description = "FastCGI server failed to start: it could not listen on " + bindAddress + ".\n\n"
				+ "    Reason: " + reason.getMessage();
		return new FailureAnalysis(description, action(bindAddress), cause);
	}

	private String action(BindAddress bindAddress) {
		if (bindAddress instanceof BindAddress.Unix unix) {
			return "Check that " + unix.path() + " is not used by a running process and that its directory is"
					+ " writable by this user, or set fastcgi.bind-address to another unix:/path.";
		}
		if (bindAddress instanceof BindAddress.Inherited) {
			return "fd 0 is not a listening socket. Start the application from a web server that passes one"
					+ " (lighttpd bin-path, mod_fcgid, spawn-fcgi), or set fastcgi.bind-address to host:port or"
					+ " unix:/path.";
		}
		return "Set fastcgi.bind-address (or server.address) to an address of this machine, e.g. 127.0.0.1:9000.";
	}

}
