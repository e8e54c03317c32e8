package dev.fastcgi.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A minimal default servlet ({@code /}), registered when the settings ask for it: serves GET and HEAD of static
 * resources from the document root or classpath {@code META-INF/resources}, with Content-Type, Content-Length and
 * Last-Modified (conditional GET through {@link HttpServlet#getLastModified}); anything else is 404.
 */
final class DefaultServlet extends HttpServlet {

	@Override
	protected long getLastModified(HttpServletRequest request) {
		try {
			URL url = resource(request);
			if (url == null) {
				return -1;
			}
			URLConnection connection = url.openConnection();
			connection.setUseCaches(false);
			long modified = connection.getLastModified();
			return (modified > 0) ? (modified / 1000) * 1000 : -1;
		}
		catch (IOException ex) {
			return -1;
		}
	}

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		URL url = resource(request);
		if (url == null) {
			response.sendError(HttpServletResponse.SC_NOT_FOUND);
			return;
		}
		URLConnection connection = url.openConnection();
		connection.setUseCaches(false);
		String type = getServletContext().getMimeType(request.getServletPath());
		if (type != null) {
			response.setContentType(type);
		}
		long length = connection.getContentLengthLong();
		if (length >= 0) {
			response.setContentLengthLong(length);
		}
		try (InputStream in = connection.getInputStream()) {
			in.transferTo(response.getOutputStream());
		}
	}

	private URL resource(HttpServletRequest request) throws IOException {
		String path = request.getServletPath() + ((request.getPathInfo() != null) ? request.getPathInfo() : "");
		if (path.isEmpty() || path.endsWith("/")) {
			return null;
		}
		return getServletContext().getResource(path);
	}

}
