package dev.fastcgi.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import dev.fastcgi.boot.FastCgiPortInUseException;

/**
 * Explains a {@link FastCgiPortInUseException}: the FastCGI address is taken, often by another instance of the
 * application or by PHP-FPM (which also defaults to port 9000). Runs before Boot's generic port-in-use analyzer.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class FastCgiPortInUseFailureAnalyzer extends AbstractFailureAnalyzer<FastCgiPortInUseException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, FastCgiPortInUseException cause) {
		int port = cause.getPort();
		String description = "FastCGI server failed to start. Address " + cause.getBindAddress()
				+ " is already in use.";
		String action = "Identify and stop the process listening on port " + port
				+ " (another instance of this application, or PHP-FPM, which also defaults to 9000), or configure"
				+ " another address with fastcgi.bind-address (e.g. 127.0.0.1:9001 or unix:/run/app/fcgi.sock) or"
				+ " server.port, and point the web server's fastcgi_pass / ProxyPass at it.";
		return new FailureAnalysis(description, action, cause);
	}

}
