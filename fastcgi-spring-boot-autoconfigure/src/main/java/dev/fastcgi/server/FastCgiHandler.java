package dev.fastcgi.server;

/**
 * The application side of the engine: called once per request, on a worker thread, after FCGI_PARAMS has ended.
 * The request body ({@link FastCgiExchange#stdin()}) streams in while the handler runs.
 * <p>
 * When {@code handle} returns, the engine ends the request (flushes and closes stdout and stderr, then sends
 * FCGI_END_REQUEST with {@link FastCgiExchange#appStatus()}), unless the handler called
 * {@link FastCgiExchange#deferCompletion()}; then the request ends when {@link FastCgiExchange#complete(int)} is
 * called from any thread. An exception thrown by the handler is logged, ends the request with app status 1 and, if
 * nothing was written yet, a bare {@code Status: 500} response.
 */
@FunctionalInterface
public interface FastCgiHandler {

	void handle(FastCgiExchange exchange) throws Exception;

}
