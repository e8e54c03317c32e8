package dev.fastcgi.server.cgi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.server.FastCgiHandler;

/**
 * Serves exactly one CGI request through a {@link FastCgiHandler} and returns the exit status for the process:
 * 0 when the response was written, the handler's app status otherwise.
 */
public final class CgiRunner {

	private static final System.Logger logger = System.getLogger(CgiRunner.class.getName());

	private CgiRunner() {
	}

	/**
	 * Runs the handler for one request.
	 * @param asyncTimeout how long to wait for a handler that deferred completion (servlet async)
	 * @return the process exit status
	 */
	public static int run(FastCgiHandler handler, Map<String, String> env, Map<String, String> environ,
			InputStream in, OutputStream out, OutputStream err, Duration asyncTimeout) {
		CgiExchange exchange = new CgiExchange(env, environ, in, out, err);
		try {
			handler.handle(exchange);
			if (exchange.isDeferred() && !exchange.awaitCompletion(asyncTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
				logger.log(System.Logger.Level.ERROR, "CGI request did not complete within " + asyncTimeout);
				return 1;
			}
			exchange.complete(exchange.appStatus());
			return exchange.isAborted() ? 1 : exchange.appStatus();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return 1;
		}
		catch (Exception ex) {
			logger.log(System.Logger.Level.ERROR, "CGI request failed", ex);
			try {
				out.write("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nInternal Server Error\n"
					.getBytes(StandardCharsets.ISO_8859_1));
				out.flush();
			}
			catch (IOException ignored) {
				// the CGI host is gone
			}
			return 1;
		}
	}

}
