package dev.fastcgi.servlet;

import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The request seen by the target of a forward, include, error or async dispatch: it wraps the request given to the
 * dispatcher and overrides the path (forward, error, async), the dispatcher type, the dispatch attributes
 * ({@code jakarta.servlet.forward.*}, {@code include.*}, {@code async.*}) and the parameters (query of the dispatch
 * path first).
 */
final class DispatchedRequest extends HttpServletRequestWrapper {

	private static final Object REMOVED = new Object();

	private final DispatcherType type;

	private final ServletMapper.Match match;

	private final String requestUri;

	private final String queryString;

	private final Map<String, Object> overlay = new HashMap<>();

	private Map<String, String[]> parameters;

	/**
	 * Creates a dispatched request.
	 * @param request the request given to the dispatcher
	 * @param type the dispatcher type
	 * @param match the target mapping, or null for a named dispatch
	 * @param requestUri the raw request URI of the target (with context path), or null for a named dispatch
	 * @param queryString the query of the dispatch path, or null
	 */
	DispatchedRequest(HttpServletRequest request, DispatcherType type, ServletMapper.Match match, String requestUri,
			String queryString) {
		super(request);
		this.type = type;
		this.match = match;
		this.requestUri = requestUri;
		this.queryString = queryString;
		if (match != null) {
			setDispatchAttributes(request);
		}
	}

	private void setDispatchAttributes(HttpServletRequest request) {
		switch (this.type) {
			case INCLUDE -> {
				this.overlay.put(RequestDispatcher.INCLUDE_REQUEST_URI, this.requestUri);
				this.overlay.put(RequestDispatcher.INCLUDE_CONTEXT_PATH, request.getContextPath());
				this.overlay.put(RequestDispatcher.INCLUDE_SERVLET_PATH, this.match.servletPath());
				this.overlay.put(RequestDispatcher.INCLUDE_PATH_INFO, orRemoved(this.match.pathInfo()));
				this.overlay.put(RequestDispatcher.INCLUDE_QUERY_STRING, orRemoved(this.queryString));
				this.overlay.put(RequestDispatcher.INCLUDE_MAPPING, this.match);
			}
			case FORWARD -> {
				if (request.getAttribute(RequestDispatcher.FORWARD_REQUEST_URI) == null) {
					this.overlay.put(RequestDispatcher.FORWARD_REQUEST_URI, request.getRequestURI());
					this.overlay.put(RequestDispatcher.FORWARD_CONTEXT_PATH, request.getContextPath());
					this.overlay.put(RequestDispatcher.FORWARD_SERVLET_PATH, request.getServletPath());
					this.overlay.put(RequestDispatcher.FORWARD_PATH_INFO, orRemoved(request.getPathInfo()));
					this.overlay.put(RequestDispatcher.FORWARD_QUERY_STRING, orRemoved(request.getQueryString()));
					this.overlay.put(RequestDispatcher.FORWARD_MAPPING, request.getHttpServletMapping());
				}
				hideIncludeAttributes();
			}
			case ASYNC -> {
				this.overlay.put(AsyncContext.ASYNC_REQUEST_URI, request.getRequestURI());
				this.overlay.put(AsyncContext.ASYNC_CONTEXT_PATH, request.getContextPath());
				this.overlay.put(AsyncContext.ASYNC_SERVLET_PATH, request.getServletPath());
				this.overlay.put(AsyncContext.ASYNC_PATH_INFO, orRemoved(request.getPathInfo()));
				this.overlay.put(AsyncContext.ASYNC_QUERY_STRING, orRemoved(request.getQueryString()));
				this.overlay.put(AsyncContext.ASYNC_MAPPING, request.getHttpServletMapping());
				hideIncludeAttributes();
			}
			default -> hideIncludeAttributes();
		}
	}

	private void hideIncludeAttributes() {
		for (String name : List.of(RequestDispatcher.INCLUDE_REQUEST_URI, RequestDispatcher.INCLUDE_CONTEXT_PATH,
				RequestDispatcher.INCLUDE_SERVLET_PATH, RequestDispatcher.INCLUDE_PATH_INFO,
				RequestDispatcher.INCLUDE_QUERY_STRING, RequestDispatcher.INCLUDE_MAPPING)) {
			this.overlay.put(name, REMOVED);
		}
	}

	private static Object orRemoved(Object value) {
		return (value != null) ? value : REMOVED;
	}

	private boolean changesPath() {
		return this.match != null && this.type != DispatcherType.INCLUDE;
	}

	@Override
	public DispatcherType getDispatcherType() {
		return this.type;
	}

	@Override
	public String getRequestURI() {
		return changesPath() ? this.requestUri : super.getRequestURI();
	}

	@Override
	public StringBuffer getRequestURL() {
		if (!changesPath()) {
			return super.getRequestURL();
		}
		return new StringBuffer(FastCgiRequest.origin(this)).append(this.requestUri);
	}

	@Override
	public String getServletPath() {
		return changesPath() ? this.match.servletPath() : super.getServletPath();
	}

	@Override
	public String getPathInfo() {
		return changesPath() ? this.match.pathInfo() : super.getPathInfo();
	}

	@Override
	public String getPathTranslated() {
		String pathInfo = getPathInfo();
		return (pathInfo != null) ? getServletContext().getRealPath(pathInfo) : null;
	}

	@Override
	public String getQueryString() {
		if (changesPath() && this.queryString != null) {
			return this.queryString;
		}
		return super.getQueryString();
	}

	@Override
	public HttpServletMapping getHttpServletMapping() {
		return changesPath() ? this.match : super.getHttpServletMapping();
	}

	@Override
	public RequestDispatcher getRequestDispatcher(String path) {
		if (path == null || path.startsWith("/") || !changesPath()) {
			return super.getRequestDispatcher(path);
		}
		String base = getServletPath() + ((getPathInfo() != null) ? getPathInfo() : "");
		return getServletContext().getRequestDispatcher(base.substring(0, base.lastIndexOf('/') + 1) + path);
	}

	// Attributes

	@Override
	public Object getAttribute(String name) {
		Object value = this.overlay.get(name);
		if (value != null) {
			return (value != REMOVED) ? value : null;
		}
		return super.getAttribute(name);
	}

	@Override
	public Enumeration<String> getAttributeNames() {
		Set<String> names = new LinkedHashSet<>(Collections.list(super.getAttributeNames()));
		this.overlay.forEach((name, value) -> {
			if (value == REMOVED) {
				names.remove(name);
			}
			else {
				names.add(name);
			}
		});
		return Collections.enumeration(names);
	}

	@Override
	public void setAttribute(String name, Object value) {
		if (this.overlay.containsKey(name)) {
			this.overlay.put(name, (value != null) ? value : REMOVED);
		}
		else {
			super.setAttribute(name, value);
		}
	}

	@Override
	public void removeAttribute(String name) {
		if (this.overlay.containsKey(name)) {
			this.overlay.put(name, REMOVED);
		}
		else {
			super.removeAttribute(name);
		}
	}

	// Parameters

	@Override
	public String getParameter(String name) {
		String[] values = getParameterMap().get(name);
		return (values != null) ? values[0] : null;
	}

	@Override
	public Map<String, String[]> getParameterMap() {
		if (this.queryString == null) {
			return super.getParameterMap();
		}
		if (this.parameters == null) {
			Map<String, List<String>> values = new LinkedHashMap<>();
			FormParser.parse(this.queryString, java.nio.charset.StandardCharsets.UTF_8, values, Integer.MAX_VALUE);
			Map<String, String[]> merged = new LinkedHashMap<>();
			values.forEach((name, list) -> merged.put(name, list.toArray(new String[0])));
			super.getParameterMap().forEach((name, original) -> merged.merge(name, original, (mine, theirs) -> {
				String[] all = new String[mine.length + theirs.length];
				System.arraycopy(mine, 0, all, 0, mine.length);
				System.arraycopy(theirs, 0, all, mine.length, theirs.length);
				return all;
			}));
			this.parameters = Collections.unmodifiableMap(merged);
		}
		return this.parameters;
	}

	@Override
	public Enumeration<String> getParameterNames() {
		return Collections.enumeration(getParameterMap().keySet());
	}

	@Override
	public String[] getParameterValues(String name) {
		String[] values = getParameterMap().get(name);
		return (values != null) ? values.clone() : null;
	}

}
