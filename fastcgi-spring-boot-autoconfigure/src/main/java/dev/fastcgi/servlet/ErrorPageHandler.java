package dev.fastcgi.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.log.LogAccessor;
import org.springframework.http.HttpStatus;

import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;

/**
 * Error handling of the container: an uncaught exception or {@code sendError} becomes an ERROR dispatch to the
 * matching error page (exception type hierarchy, then status, then the global page) with the
 * {@code jakarta.servlet.error.*} attributes; without a page, a minimal plain-text body. An error after the response
 * was committed ends the request with a non-zero app status.
 */
final class ErrorPageHandler {

	private static final LogAccessor logger = new LogAccessor(ErrorPageHandler.class);

	private final FastCgiServletContainer container;

	ErrorPageHandler(FastCgiServletContainer container) {
		this.container = container;
	}

	void handleException(FastCgiRequest request, FastCgiResponse response, Throwable ex) {
		if (request.exchange().isAborted()) {
			request.exchange().setAppStatus(1);
			if (logger.isDebugEnabled()) {
				logger.debug(ex, "Request " + request.getRequestURI() + " failed after the web server aborted it");
			}
			return;
		}
		FastCgiAsyncContext async = request.asyncContextInternal();
		if (async != null && request.isAsyncStarted()) {
			async.onDispatchError(ex);
			if (!request.isAsyncStarted() || async.hasPending()) {
				return;
			}
			async.complete();
		}
		Throwable root = rootCause(ex);
		if (response.isCommitted()) {
			request.exchange().setAppStatus(1);
			logger.error(ex, "Request " + request.getMethod() + " " + request.getRequestURI()
					+ " failed after the response was committed; ending it");
			return;
		}
		int status = (root instanceof BadRequestException bad) ? bad.getStatus()
				: HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
		if (status == HttpServletResponse.SC_INTERNAL_SERVER_ERROR) {
			logger.error(ex, "Servlet threw an exception for " + request.getMethod() + " " + request.getRequestURI());
		}
		ErrorPageMapping page = findErrorPage(root, status);
		if (page == null) {
			writeBareError(response, status, null);
			return;
		}
		response.setStatus(status);
		setErrorAttributes(request, status, root.getMessage(), root);
		errorDispatch(request, response, page.path());
	}

	private static Throwable rootCause(Throwable ex) {
		Throwable current = ex;
		while (current instanceof ServletException servletException && servletException.getRootCause() != null) {
			current = servletException.getRootCause();
		}
		return current;
	}

	/** After sendError: dispatch to the error page for the status, or write a minimal body. */
	void errorPageForStatus(FastCgiRequest request, FastCgiResponse response) {
		int status = response.getStatus();
		ErrorPageMapping page = findErrorPage(null, status);
		if (page == null || request.exchange().isAborted()) {
			writeBareError(response, status, response.getErrorMessage());
			return;
		}
		String message = response.getErrorMessage();
		setErrorAttributes(request, status, (message != null) ? message : "", null);
		errorDispatch(request, response, page.path());
	}

	private void setErrorAttributes(FastCgiRequest request, int status, String message, Throwable exception) {
		request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, status);
		request.setAttribute(RequestDispatcher.ERROR_MESSAGE, (message != null) ? message : "");
		request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, request.getRequestURI());
		request.setAttribute(RequestDispatcher.ERROR_METHOD, request.getMethod());
		if (request.getQueryString() != null) {
			request.setAttribute(RequestDispatcher.ERROR_QUERY_STRING, request.getQueryString());
		}
		if (request.match() != null) {
			request.setAttribute(RequestDispatcher.ERROR_SERVLET_NAME, request.match().getServletName());
		}
		if (exception != null) {
			request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, exception);
			request.setAttribute(RequestDispatcher.ERROR_EXCEPTION_TYPE, exception.getClass());
		}
	}

	/** The error page for an exception (nearest type first), else the status, else the global page. */
	ErrorPageMapping findErrorPage(Throwable exception, int status) {
		List<ErrorPageMapping> pages = this.container.settings().getErrorPages();
		if (pages.isEmpty()) {
			return null;
		}
		if (exception != null) {
			for (Class<?> type = exception.getClass(); type != null; type = type.getSuperclass()) {
				for (ErrorPageMapping page : pages) {
					if (page.exception() == type) {
						return page;
					}
				}
			}
		}
		ErrorPageMapping global = null;
		for (ErrorPageMapping page : pages) {
			if (page.exception() == null && page.status() == status) {
				return page;
			}
			if (page.isGlobal() && global == null) {
				global = page;
			}
		}
		return global;
	}

	private void errorDispatch(FastCgiRequest request, FastCgiResponse response, String pagePath) {
		response.prepareErrorDispatch();
		FastCgiServletContainer.Target target = this.container.resolve(pagePath);
		if (target.match() == null) {
			writeBareError(response, response.getStatus(), null);
			return;
		}
		int status = response.getStatus();
		try {
			this.container.invoke(new DispatchedRequest(request, DispatcherType.ERROR, target.match(), target.requestUri(),
					target.queryString()), response, DispatcherType.ERROR, target.match(), target.path());
		}
		catch (Throwable ex) {
			if (!request.exchange().isAborted()) {
				logger.error(ex, "Error page " + pagePath + " failed for " + request.getRequestURI());
			}
			if (!response.isCommitted()) {
				writeBareError(response, status, null);
			}
			else {
				request.exchange().setAppStatus(1);
			}
			return;
		}
		if (response.isError()) {
			writeBareError(response, response.getStatus(), response.getErrorMessage());
		}
	}

	/** A minimal plain-text error body, keeping headers already set (e.g. WWW-Authenticate). */
	void writeBareError(FastCgiResponse response, int status, String message) {
		if (response.isCommitted()) {
			return;
		}
		response.prepareErrorDispatch();
		response.setStatus(status);
		if (status == HttpServletResponse.SC_NOT_MODIFIED || status == HttpServletResponse.SC_NO_CONTENT
				|| status < 200) {
			return;
		}
		HttpStatus known = HttpStatus.resolve(status);
		String body = status + " " + ((known != null) ? known.getReasonPhrase() : "Error") + "\n";
		response.setContentType("text/plain;charset=UTF-8");
		try {
			response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
		}
		catch (IOException | IllegalStateException ex) {
			logger.debug(ex, "Could not write error body");
		}
	}

}
