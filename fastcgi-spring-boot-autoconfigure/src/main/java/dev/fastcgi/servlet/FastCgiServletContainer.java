package dev.fastcgi.servlet;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.server.FastCgiHandler;

/**
 * The servlet container: a {@link ServletContext} that collects servlets, filters and listeners (registered by
 * Boot's initializers or directly), and a {@link FastCgiHandler} that turns each FastCGI request into a servlet
 * request run through the filter chain into the mapped servlet.
 * <p>
 * Lifecycle: construct; register against {@link #getServletContext()}; {@link #start()} (context listeners,
 * filter init, load-on-startup servlets); serve; {@link #stop()} (destroy in reverse order, invalidate sessions).
 */
public class FastCgiServletContainer implements FastCgiHandler {

	/**
	 * Request attribute holding every raw FastCGI param of the request (extra environ merged in) as an immutable
	 * {@code Map<String, String>}.
	 */
	public static final String PARAMS_ATTRIBUTE = "dev.fastcgi.params";

	public FastCgiServletContainer(ContainerSettings settings) {
		throw new UnsupportedOperationException("TODO: servlet container");
	}

	public ServletContext getServletContext() {
		throw new UnsupportedOperationException("TODO: servlet container");
	}

	public void start() throws ServletException {
		throw new UnsupportedOperationException("TODO: servlet container");
	}

	public void stop() {
		throw new UnsupportedOperationException("TODO: servlet container");
	}

	@Override
	public void handle(FastCgiExchange exchange) throws Exception {
		throw new UnsupportedOperationException("TODO: servlet container");
	}

}
