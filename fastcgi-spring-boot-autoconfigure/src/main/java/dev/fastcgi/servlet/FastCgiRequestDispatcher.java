package dev.fastcgi.servlet;

import java.io.IOException;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A {@link RequestDispatcher} for a context-relative path (with an optional query) or a named servlet. Forward
 * resets the buffer, runs the target with FORWARD filters and closes the response afterwards (unless async was
 * started); include runs the target with INCLUDE filters on a response whose headers cannot change.
 */
final class FastCgiRequestDispatcher implements RequestDispatcher {

	private final FastCgiServletContainer container;

	private final String path;

	private final ServletHolder named;

	FastCgiRequestDispatcher(FastCgiServletContainer container, String path) {
		this.container = container;
		this.path = path;
		this.named = null;
	}

	FastCgiRequestDispatcher(FastCgiServletContainer container, ServletHolder named) {
		this.container = container;
		this.path = null;
		this.named = named;
	}

	@Override
	public void forward(ServletRequest request, ServletResponse response) throws ServletException, IOException {
		if (response.isCommitted()) {
			throw new IllegalStateException("Cannot forward after the response has been committed");
		}
		response.resetBuffer();
		FastCgiRequest core = FastCgiServletContainer.unwrap(request);
		dispatch(request, response, DispatcherType.FORWARD);
		if (!core.isAsyncStarted() && !core.response().isError()) {
			core.response().closeAfterForward();
		}
	}

	@Override
	public void include(ServletRequest request, ServletResponse response) throws ServletException, IOException {
		dispatch(request, new IncludedResponse((HttpServletResponse) response), DispatcherType.INCLUDE);
	}

	private void dispatch(ServletRequest request, ServletResponse response, DispatcherType type)
			throws ServletException, IOException {
		HttpServletRequest http = (HttpServletRequest) request;
		if (this.named != null) {
			ServletMapper.Match match = new ServletMapper.Match(this.named, http.getServletPath(),
					http.getPathInfo(), null, null, "");
			this.container.invoke(new DispatchedRequest(http, type, null, null, null), response, type, match, null);
			return;
		}
		FastCgiServletContainer.Target target = this.container.resolve(this.path);
		if (target.match() == null) {
			throw new ServletException("No servlet is mapped to '" + this.path + "'");
		}
		this.container.invoke(new DispatchedRequest(http, type, target.match(), target.requestUri(),
				target.queryString()), response, type, target.match(), target.path());
	}

	@Override
	public String toString() {
		return "RequestDispatcher[" + ((this.named != null) ? this.named.getName() : this.path) + "]";
	}

}
