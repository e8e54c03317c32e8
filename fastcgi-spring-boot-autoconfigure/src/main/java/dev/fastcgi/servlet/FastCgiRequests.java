package dev.fastcgi.servlet;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.fastcgi.protocol.Role;

/**
 * What FastCGI adds to a servlet request, for application code: the role (RESPONDER, AUTHORIZER, FILTER), the raw
 * params, the FILTER role's data stream, the FCGI_STDERR stream, and authorizer variables.
 * <p>
 * Each value is also a read-only request attribute (names below), so code that must not depend on this class can
 * use {@code request.getAttribute(...)}. The helpers accept wrapped requests (Spring Security's, for example).
 * <pre class="code">
 * &#64;RequestMapping("/fastcgi/authorize")
 * ResponseEntity&lt;Void&gt; authorize(HttpServletRequest request, HttpServletResponse response) {
 *     FastCgiRequests.setAuthorizerVariable(response, "USER", "alice");
 *     return ResponseEntity.ok().build();
 * }
 * </pre>
 */
public final class FastCgiRequests {

	/** Every raw FastCGI param, an immutable {@code Map<String, String>}. */
	public static final String PARAMS_ATTRIBUTE = FastCgiServletContainer.PARAMS_ATTRIBUTE;

	/** The request's {@link Role} from FCGI_BEGIN_REQUEST. */
	public static final String ROLE_ATTRIBUTE = "dev.fastcgi.role";

	/** The FCGI_DATA stream, an {@link InputStream} (FILTER role only; absent otherwise). */
	public static final String DATA_ATTRIBUTE = "dev.fastcgi.data";

	/** FCGI_DATA_LENGTH as a {@link Long} (FILTER role, when the web server sent it). */
	public static final String DATA_LENGTH_ATTRIBUTE = "dev.fastcgi.data.length";

	/** FCGI_DATA_LAST_MOD as an {@link Instant} (FILTER role, when the web server sent it). */
	public static final String DATA_LAST_MODIFIED_ATTRIBUTE = "dev.fastcgi.data.last-modified";

	/**
	 * An {@link OutputStream} writing FCGI_STDERR: the web server logs what arrives (nginx: "FastCGI sent in
	 * stderr"). One thread at a time; prefer {@link #stderr(ServletRequest)}.
	 */
	public static final String STDERR_ATTRIBUTE = "dev.fastcgi.stderr";

	/** The response header prefix an AUTHORIZER uses to pass variables to the web server. */
	public static final String VARIABLE_HEADER_PREFIX = "Variable-";

	private FastCgiRequests() {
	}

	/** The FastCGI role of the request. */
	public static Role role(ServletRequest request) {
		return core(request).exchange().role();
	}

	/** Whether the web server asks the application to authorize the request (AUTHORIZER role). */
	public static boolean isAuthorizer(ServletRequest request) {
		return role(request) == Role.AUTHORIZER;
	}

	/** Whether the request is a FILTER request (it has a data stream to filter). */
	public static boolean isFilter(ServletRequest request) {
		return role(request) == Role.FILTER;
	}

	/** Every raw FastCGI param (immutable; extra environ merged in; values decoded as ISO-8859-1). */
	public static Map<String, String> params(ServletRequest request) {
		return core(request).exchange().params();
	}

	/**
	 * The URI the web server asks an authorizer about (REQUEST_URI, raw, with the query), also when the container
	 * dispatched the request to {@link ContainerSettings#setAuthorizerPath(String) the authorizer path}.
	 */
	public static String originalRequestUri(ServletRequest request) {
		return core(request).originalRequestUri();
	}

	/**
	 * The FILTER role's FCGI_DATA stream (the file to filter); empty for the other roles. It may be read after or
	 * before the request body, but the web server sends it after the body, so read the body first.
	 */
	public static InputStream data(ServletRequest request) {
		return core(request).exchange().data();
	}

	/** FCGI_DATA_LENGTH, or -1 if absent or not a number. */
	public static long dataLength(ServletRequest request) {
		Long length = core(request).dataLength();
		return (length != null) ? length : -1;
	}

	/** FCGI_DATA_LAST_MOD (seconds since the epoch) as an instant, or null if absent or not a number. */
	public static Instant dataLastModified(ServletRequest request) {
		return core(request).dataLastModified();
	}

	/**
	 * A writer to FCGI_STDERR (UTF-8, one per request, thread-safe); each {@code println} is sent at once, anything
	 * else when the request ends. The web server writes it to its error log.
	 */
	public static PrintWriter stderr(ServletRequest request) {
		return core(request).stderrWriter();
	}

	/**
	 * Adds a {@code Variable-name: value} header: in a 200 response to an AUTHORIZER request, the web server passes
	 * it on (lighttpd and mod_fcgid as an environment variable of the request it then serves).
	 * @throws IllegalArgumentException if the name is empty or not a token of letters, digits, {@code _} and
	 * {@code -}, or the value contains CR or LF
	 */
	public static void setAuthorizerVariable(HttpServletResponse response, String name, String value) {
		if (name == null || name.isEmpty()) {
			throw new IllegalArgumentException("Authorizer variable name must not be empty");
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
				throw new IllegalArgumentException("Authorizer variable name '" + name
						+ "' may only contain letters, digits, '_' and '-'");
			}
		}
		response.setHeader(VARIABLE_HEADER_PREFIX + name, (value != null) ? value : "");
	}

	private static FastCgiRequest core(ServletRequest request) {
		return FastCgiServletContainer.unwrap(request);
	}

}
