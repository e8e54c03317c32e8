package dev.fastcgi.servlet;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Serves a {@link FastCgiAuthorizer} at the authorizer path. Only AUTHORIZER-role requests reach the authorizer;
 * any other request to the path gets 404, so the path is no public endpoint.
 */
public class FastCgiAuthorizerServlet extends HttpServlet {

	private static final long serialVersionUID = 1L;

	private final transient FastCgiAuthorizer authorizer;

	/**
	 * Creates a servlet for an authorizer.
	 * @param authorizer the authorizer logic
	 */
	public FastCgiAuthorizerServlet(FastCgiAuthorizer authorizer) {
		this.authorizer = authorizer;
	}

	@Override
	protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
		if (!FastCgiRequests.isAuthorizer(request)) {
			response.sendError(HttpServletResponse.SC_NOT_FOUND);
			return;
		}
		boolean granted = this.authorizer.authorize(request, response);
		if (response.isCommitted()) {
			return;
		}
		if (granted) {
			response.setStatus(HttpServletResponse.SC_OK);
		}
		else if (response.getStatus() == HttpServletResponse.SC_OK) {
			response.setStatus(HttpServletResponse.SC_FORBIDDEN);
		}
	}

}
