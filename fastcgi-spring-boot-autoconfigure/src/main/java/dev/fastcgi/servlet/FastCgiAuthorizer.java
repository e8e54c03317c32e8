package dev.fastcgi.servlet;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Authorizer logic as a bean, the alternative to a handler method mapped at the authorizer path: decides whether
 * the web server may go on with the request it asks about (FastCGI AUTHORIZER role). Served by
 * {@link FastCgiAuthorizerServlet} at the {@linkplain ContainerSettings#setAuthorizerPath authorizer path}, so servlet
 * filters (Spring Security) run first.
 * <pre class="code">
 * &#64;Bean
 * FastCgiAuthorizer authorizer() {
 *     return (request, response) -&gt; {
 *         FastCgiRequests.setAuthorizerVariable(response, "USER", request.getRemoteUser());
 *         return request.getRemoteUser() != null;
 *     };
 * }
 * </pre>
 */
@FunctionalInterface
public interface FastCgiAuthorizer {

	/**
	 * Decides on a request. The URI asked about is {@link FastCgiRequests#originalRequestUri}; every param of the
	 * web server is in {@link FastCgiRequests#params}.
	 * @param request the AUTHORIZER request
	 * @param response the response: add {@code Variable-} headers with
	 * {@link FastCgiRequests#setAuthorizerVariable}; a status, body or redirect set here is what the client gets
	 * when the request is refused
	 * @return true to authorize (status 200), false to refuse (status 403 unless the authorizer set another one or
	 * committed the response)
	 * @throws IOException if writing the response fails
	 */
	boolean authorize(HttpServletRequest request, HttpServletResponse response) throws IOException;

}
