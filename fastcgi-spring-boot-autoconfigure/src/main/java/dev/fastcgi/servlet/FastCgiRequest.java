package dev.fastcgi.servlet;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.security.Principal;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestAttributeEvent;
import jakarta.servlet.ServletRequestAttributeListener;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.Part;

import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.servlet.CgiRequestMapping.CgiRequest;
import dev.fastcgi.servlet.multipart.MultipartParser;
import dev.fastcgi.servlet.session.SessionManager;

/**
 * The servlet request for one FastCGI exchange. Everything is derived lazily from the params: headers are looked
 * up as {@code HTTP_*} params on demand, cookies, locales and parameters are parsed on first use.
 */
final class FastCgiRequest implements HttpServletRequest {

	private static final AtomicLong REQUEST_IDS = new AtomicLong();

	private static final Enumeration<String> NO_STRINGS = Collections.emptyEnumeration();

	private enum InputMode {

		NONE, STREAM, READER

	}

	private final FastCgiServletContainer container;

	private final FastCgiExchange exchange;

	private final Map<String, String> params;

	private final CgiRequest line;

	private final FastCgiResponse response;

	private final String path;

	private ServletMapper.Match match;

	/** Attributes set by the application (the built-in ones are computed, see {@link #builtInAttribute}). */
	private final RequestAttributes attributes = new RequestAttributes();

	private String characterEncoding;

	private Map<String, String[]> parameters;

	private Cookie[] cookies;

	private List<Locale> locales;

	private RequestBody body;

	private BufferedReader reader;

	private InputMode inputMode = InputMode.NONE;

	private List<Part> parts;

	private HttpSession session;

	private String requestedSessionId;

	private boolean requestedSessionIdFromCookie;

	private boolean requestedSessionIdFromUrl;

	private boolean sessionIdsResolved;

	private FastCgiAsyncContext asyncContext;

	private volatile boolean asyncStarted;

	private boolean asyncSupported = true;

	private MultipartConfigElement multipartConfig;

	private boolean loggedOut;

	private String requestId;

	private CgiRequest originalLine;

	private Long dataLength;

	private Instant dataLastModified;

	private boolean dataParamsParsed;

	private PrintWriter stderrWriter;

	FastCgiRequest(FastCgiServletContainer container, FastCgiExchange exchange, CgiRequest line, String path,
			FastCgiResponse response) {
		this.container = container;
		this.exchange = exchange;
		this.params = exchange.params();
		this.line = line;
		this.path = path;
		this.response = response;
	}

	// Container state

	FastCgiServletContainer container() {
		return this.container;
	}

	FastCgiExchange exchange() {
		return this.exchange;
	}

	FastCgiResponse response() {
		return this.response;
	}

	/** The decoded, normalized, context-relative path. */
	String path() {
		return this.path;
	}

	void setMatch(ServletMapper.Match match) {
		this.match = match;
		this.multipartConfig = (match != null) ? match.holder().getMultipartConfig() : null;
	}

	ServletMapper.Match match() {
		return this.match;
	}

	/**
	 * Sets the dispatch state for the chain about to run.
	 * @param chainAsyncSupported whether every filter and the servlet of the chain support async
	 * @param config the target servlet's multipart config, or null to keep the current one
	 * @return the previous async-supported flag, for {@link #exitDispatch}
	 */
	boolean enterDispatch(boolean chainAsyncSupported, MultipartConfigElement config) {
		boolean previous = this.asyncSupported;
		this.asyncSupported = chainAsyncSupported;
		if (config != null) {
			this.multipartConfig = config;
		}
		return previous;
	}

	/** Restores the dispatch state saved by {@link #enterDispatch}. */
	void exitDispatch(boolean previousAsyncSupported, MultipartConfigElement previousConfig) {
		this.asyncSupported = previousAsyncSupported;
		this.multipartConfig = previousConfig;
	}

	MultipartConfigElement multipartConfig() {
		return this.multipartConfig;
	}

	boolean asyncStartedFlag() {
		return this.asyncStarted;
	}

	void setAsyncStarted(boolean started) {
		this.asyncStarted = started;
	}

	FastCgiAsyncContext asyncContextInternal() {
		return this.asyncContext;
	}

	/** Deletes multipart temp files and notes the end of the request to the session. */
	void cleanUp() {
		flushStderr();
		if (this.session != null) {
			this.container.sessionManager().requestEnded(this.session);
		}
		if (this.parts != null) {
			for (Part part : this.parts) {
				try {
					part.delete();
				}
				catch (IOException | RuntimeException ex) {
					this.container.getContext().log("Cannot delete multipart temp file of part " + part.getName(), ex);
				}
			}
			this.parts = null;
		}
	}

	/** Records the request line the web server sent, when the container dispatched elsewhere (authorizer path). */
	void setOriginalLine(CgiRequest originalLine) {
		this.originalLine = originalLine;
	}

	String originalRequestUri() {
		String uri = this.params.get("REQUEST_URI");
		if (uri != null && !uri.isEmpty()) {
			return uri;
		}
		CgiRequest original = (this.originalLine != null) ? this.originalLine : this.line;
		return (original.queryString() != null) ? original.requestUri() + "?" + original.queryString()
				: original.requestUri();
	}

	Long dataLength() {
		parseDataParams();
		return this.dataLength;
	}

	Instant dataLastModified() {
		parseDataParams();
		return this.dataLastModified;
	}

	private void parseDataParams() {
		if (this.dataParamsParsed) {
			return;
		}
		this.dataParamsParsed = true;
		Long length = parseLong(this.params.get("FCGI_DATA_LENGTH"));
		this.dataLength = (length != null && length >= 0) ? length : null;
		Long lastModified = parseLong(this.params.get("FCGI_DATA_LAST_MOD"));
		this.dataLastModified = (lastModified != null) ? Instant.ofEpochSecond(lastModified) : null;
	}

	private static Long parseLong(String text) {
		if (text == null || text.isBlank()) {
			return null;
		}
		try {
			return Long.valueOf(text.trim());
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	synchronized PrintWriter stderrWriter() {
		if (this.stderrWriter == null) {
			this.stderrWriter = new PrintWriter(
					new OutputStreamWriter(this.exchange.stderr(), StandardCharsets.UTF_8), true);
		}
		return this.stderrWriter;
	}

	private synchronized void flushStderr() {
		if (this.stderrWriter != null) {
			this.stderrWriter.flush();
		}
	}

	// Request line

	@Override
	public String getMethod() {
		return this.line.method();
	}

	@Override
	public String getRequestURI() {
		return this.line.requestUri();
	}

	@Override
	public StringBuffer getRequestURL() {
		return new StringBuffer(origin(this)).append(getRequestURI());
	}

	/**
	 * The {@code scheme://host[:port]} of a request, the port left out when it is the scheme's default.
	 * @param request the request
	 * @return the origin
	 */
	static String origin(jakarta.servlet.ServletRequest request) {
		String scheme = request.getScheme();
		int port = request.getServerPort();
		StringBuilder origin = new StringBuilder(48).append(scheme).append("://").append(request.getServerName());
		if (port > 0 && !(port == 80 && scheme.equals("http")) && !(port == 443 && scheme.equals("https"))) {
			origin.append(':').append(port);
		}
		return origin.toString();
	}

	@Override
	public String getQueryString() {
		return this.line.queryString();
	}

	@Override
	public String getContextPath() {
		return this.container.settings().getContextPath();
	}

	@Override
	public String getServletPath() {
		return (this.match != null) ? this.match.servletPath() : "";
	}

	@Override
	public String getPathInfo() {
		return (this.match != null) ? this.match.pathInfo() : this.path;
	}

	@Override
	public String getPathTranslated() {
		String pathInfo = getPathInfo();
		return (pathInfo != null) ? this.container.getContext().getRealPath(pathInfo) : null;
	}

	@Override
	public HttpServletMapping getHttpServletMapping() {
		return this.match;
	}

	@Override
	public String getProtocol() {
		return this.line.protocol();
	}

	@Override
	public String getScheme() {
		return this.line.scheme();
	}

	@Override
	public boolean isSecure() {
		return this.line.secure();
	}

	@Override
	public String getServerName() {
		return this.line.serverName();
	}

	@Override
	public int getServerPort() {
		return this.line.serverPort();
	}

	@Override
	public String getRemoteAddr() {
		return this.line.remoteAddr();
	}

	@Override
	public String getRemoteHost() {
		return this.line.remoteHost();
	}

	@Override
	public int getRemotePort() {
		return this.line.remotePort();
	}

	@Override
	public String getLocalName() {
		return this.line.localName();
	}

	@Override
	public String getLocalAddr() {
		return this.line.localAddr();
	}

	@Override
	public int getLocalPort() {
		return this.line.localPort();
	}

	@Override
	public String getRequestId() {
		if (this.requestId == null) {
			this.requestId = Long.toString(REQUEST_IDS.incrementAndGet());
		}
		return this.requestId;
	}

	@Override
	public String getProtocolRequestId() {
		return "";
	}

	@Override
	public ServletConnection getServletConnection() {
		return new ServletConnection() {

			@Override
			public String getConnectionId() {
				return Long.toString(FastCgiRequest.this.exchange.connectionId());
			}

			@Override
			public String getProtocol() {
				return "fcgi";
			}

			@Override
			public String getProtocolConnectionId() {
				return "";
			}

			@Override
			public boolean isSecure() {
				return FastCgiRequest.this.isSecure();
			}

		};
	}

	// Headers

	@Override
	public String getHeader(String name) {
		String param = CgiRequestMapping.paramName(name);
		String value = this.params.get(param);
		if (param.startsWith("CONTENT_") && (value == null || value.isEmpty())) {
			// nginx also sends HTTP_CONTENT_TYPE/LENGTH; other servers only the CGI variables, possibly empty
			value = this.params.get("HTTP_" + param);
			return (value == null || value.isEmpty()) ? null : value;
		}
		return value;
	}

	private static boolean isContentHeader(String name) {
		return name.equalsIgnoreCase("Content-Type") || name.equalsIgnoreCase("Content-Length");
	}

	@Override
	public Enumeration<String> getHeaders(String name) {
		String value = getHeader(name);
		return (value != null) ? Collections.enumeration(List.of(value)) : NO_STRINGS;
	}

	@Override
	public Enumeration<String> getHeaderNames() {
		Set<String> names = new LinkedHashSet<>();
		for (Map.Entry<String, String> param : this.params.entrySet()) {
			String name = CgiRequestMapping.headerName(param.getKey());
			if (name != null && !(param.getValue().isEmpty() && isContentHeader(name))) {
				names.add(name);
			}
		}
		return Collections.enumeration(names);
	}

	@Override
	public long getDateHeader(String name) {
		String value = getHeader(name);
		if (value == null) {
			return -1;
		}
		try {
			return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
		}
		catch (DateTimeParseException ex) {
			try {
				org.springframework.http.HttpHeaders headers = new org.springframework.http.HttpHeaders();
				headers.set(name, value);
				return headers.getFirstDate(name);
			}
			catch (IllegalArgumentException ex2) {
				throw new IllegalArgumentException("Cannot parse date header " + name + ": '" + value + "'", ex);
			}
		}
	}

	@Override
	public int getIntHeader(String name) {
		String value = getHeader(name);
		return (value != null) ? Integer.parseInt(value.trim()) : -1;
	}

	@Override
	public String getContentType() {
		return getHeader("Content-Type");
	}

	@Override
	public int getContentLength() {
		long length = getContentLengthLong();
		return (length > Integer.MAX_VALUE) ? -1 : (int) length;
	}

	@Override
	public long getContentLengthLong() {
		String value = getHeader("Content-Length");
		if (value == null) {
			return -1;
		}
		try {
			return Long.parseLong(value.trim());
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	@Override
	public Cookie[] getCookies() {
		if (this.cookies == null) {
			this.cookies = parseCookies(getHeader("Cookie"));
		}
		return (this.cookies.length > 0) ? this.cookies.clone() : null;
	}

	/** Parses a Cookie header ({@code a=b; c="d"}); invalid pairs are skipped. */
	static Cookie[] parseCookies(String header) {
		if (header == null || header.isEmpty()) {
			return new Cookie[0];
		}
		List<Cookie> result = new ArrayList<>();
		CookieScanner scanner = new CookieScanner(header);
		while (scanner.next()) {
			if (header.charAt(scanner.nameStart) == '$') {
				continue;
			}
			try {
				result.add(new Cookie(scanner.name(), CgiRequestMapping.utf8(scanner.value())));
			}
			catch (IllegalArgumentException ex) {
				// not a valid cookie name: skip it, as browsers send what they received
			}
		}
		return result.toArray(new Cookie[0]);
	}

	/**
	 * Walks the pairs of a Cookie header without a regex and without allocating for the pairs it skips: pairs are
	 * separated by {@code ;} or {@code ,}, a pair without {@code =} or with an empty name is skipped, names and
	 * values are trimmed and one pair of surrounding double quotes is removed from a value.
	 */
	static final class CookieScanner {

		private final String header;

		private int position;

		int nameStart;

		int nameEnd;

		int valueStart;

		int valueEnd;

		CookieScanner(String header) {
			this.header = header;
		}

		/** Moves to the next pair with a non-empty name; false at the end of the header. */
		boolean next() {
			String h = this.header;
			int length = h.length();
			while (this.position < length) {
				int start = this.position;
				int end = start;
				while (end < length && h.charAt(end) != ';' && h.charAt(end) != ',') {
					end++;
				}
				this.position = end + 1;
				int equals = h.indexOf('=', start);
				if (equals < 0 || equals >= end || equals == start) {
					continue;
				}
				this.nameStart = skipSpace(start, equals);
				this.nameEnd = trimEnd(this.nameStart, equals);
				if (this.nameStart == this.nameEnd) {
					continue;
				}
				this.valueStart = skipSpace(equals + 1, end);
				this.valueEnd = trimEnd(this.valueStart, end);
				if (this.valueEnd - this.valueStart > 1 && h.charAt(this.valueStart) == '"'
						&& h.charAt(this.valueEnd - 1) == '"') {
					this.valueStart++;
					this.valueEnd--;
				}
				return true;
			}
			return false;
		}

		boolean nameEquals(String name) {
			return this.nameEnd - this.nameStart == name.length()
					&& this.header.startsWith(name, this.nameStart);
		}

		String name() {
			return this.header.substring(this.nameStart, this.nameEnd);
		}

		String value() {
			return this.header.substring(this.valueStart, this.valueEnd);
		}

		private int skipSpace(int from, int to) {
			while (from < to && this.header.charAt(from) <= ' ') {
				from++;
			}
			return from;
		}

		private int trimEnd(int from, int to) {
			while (to > from && this.header.charAt(to - 1) <= ' ') {
				to--;
			}
			return to;
		}

	}

	@Override
	public Locale getLocale() {
		return getLocaleList().get(0);
	}

	@Override
	public Enumeration<Locale> getLocales() {
		return Collections.enumeration(getLocaleList());
	}

	private List<Locale> getLocaleList() {
		if (this.locales == null) {
			this.locales = parseLocales(getHeader("Accept-Language"));
		}
		return this.locales;
	}

	static List<Locale> parseLocales(String header) {
		if (header != null && !header.isBlank()) {
			try {
				List<Locale> result = new ArrayList<>();
				for (Locale.LanguageRange range : Locale.LanguageRange.parse(header)) {
					if (!range.getRange().equals("*") && range.getWeight() > 0) {
						result.add(Locale.forLanguageTag(range.getRange()));
					}
				}
				if (!result.isEmpty()) {
					return result;
				}
			}
			catch (IllegalArgumentException ex) {
				// malformed header: fall back to the default locale
			}
		}
		return List.of(Locale.getDefault());
	}

	// Attributes

	/** The read-only attributes of {@link FastCgiRequests}, computed on demand (null when they do not apply). */
	private static final String BUILT_IN_PREFIX = "dev.fastcgi.";

	private static final Set<String> BUILT_IN_ATTRIBUTES = Set.of(FastCgiServletContainer.PARAMS_ATTRIBUTE,
			FastCgiRequests.ROLE_ATTRIBUTE, FastCgiRequests.DATA_ATTRIBUTE, FastCgiRequests.DATA_LENGTH_ATTRIBUTE,
			FastCgiRequests.DATA_LAST_MODIFIED_ATTRIBUTE, FastCgiRequests.STDERR_ATTRIBUTE);

	/** Whether {@code name} is a built-in attribute; the prefix test spares the set lookup for everyone else's. */
	private static boolean isBuiltIn(String name) {
		return name.startsWith(BUILT_IN_PREFIX) && BUILT_IN_ATTRIBUTES.contains(name);
	}

	private Object builtInAttribute(String name) {
		return switch (name) {
			case FastCgiServletContainer.PARAMS_ATTRIBUTE -> this.params;
			case FastCgiRequests.ROLE_ATTRIBUTE -> this.exchange.role();
			case FastCgiRequests.DATA_ATTRIBUTE -> (this.exchange.role() == Role.FILTER) ? this.exchange.data() : null;
			case FastCgiRequests.DATA_LENGTH_ATTRIBUTE -> dataLength();
			case FastCgiRequests.DATA_LAST_MODIFIED_ATTRIBUTE -> dataLastModified();
			case FastCgiRequests.STDERR_ATTRIBUTE -> this.exchange.stderr();
			default -> null;
		};
	}

	@Override
	public Object getAttribute(String name) {
		// the attributes set are looked up first: a built-in name is never among them (setAttribute refuses it)
		Object value = this.attributes.get(name);
		if (value == null && name != null && isBuiltIn(name)) {
			return builtInAttribute(name);
		}
		return value;
	}

	@Override
	public Enumeration<String> getAttributeNames() {
		Set<String> names = new LinkedHashSet<>();
		for (String name : BUILT_IN_ATTRIBUTES) {
			if (builtInAttribute(name) != null) {
				names.add(name);
			}
		}
		this.attributes.addNamesTo(names);
		return Collections.enumeration(names);
	}

	@Override
	public void setAttribute(String name, Object value) {
		if (name == null) {
			throw new IllegalArgumentException("Attribute name must not be null");
		}
		if (value == null) {
			removeAttribute(name);
			return;
		}
		if (isBuiltIn(name)) {
			if (!value.equals(builtInAttribute(name))) {
				throw new IllegalArgumentException(name + " is read-only");
			}
			return;
		}
		Object old = this.attributes.put(name, value);
		List<ServletRequestAttributeListener> listeners = this.container.getContext().requestAttributeListeners;
		if (!listeners.isEmpty()) {
			ServletRequestAttributeEvent event = new ServletRequestAttributeEvent(this.container.getContext(), this,
					name, (old != null) ? old : value);
			for (ServletRequestAttributeListener listener : listeners) {
				if (old != null) {
					listener.attributeReplaced(event);
				}
				else {
					listener.attributeAdded(event);
				}
			}
		}
	}

	@Override
	public void removeAttribute(String name) {
		Object old = this.attributes.remove(name);
		List<ServletRequestAttributeListener> listeners = this.container.getContext().requestAttributeListeners;
		if (old != null && !listeners.isEmpty()) {
			ServletRequestAttributeEvent event = new ServletRequestAttributeEvent(this.container.getContext(), this,
					name, old);
			for (ServletRequestAttributeListener listener : listeners) {
				listener.attributeRemoved(event);
			}
		}
	}

	// Character encoding, parameters, body

	@Override
	public String getCharacterEncoding() {
		if (this.characterEncoding != null) {
			return this.characterEncoding;
		}
		String contentType = getContentType();
		if (contentType != null) {
			int charset = contentType.toLowerCase(Locale.ROOT).indexOf("charset=");
			if (charset >= 0) {
				String value = contentType.substring(charset + 8);
				int end = value.indexOf(';');
				value = ((end >= 0) ? value.substring(0, end) : value).trim();
				if (value.length() > 1 && value.startsWith("\"") && value.endsWith("\"")) {
					value = value.substring(1, value.length() - 1);
				}
				return value;
			}
		}
		return this.container.getContext().getRequestCharacterEncoding();
	}

	@Override
	public void setCharacterEncoding(String env) throws UnsupportedEncodingException {
		if (this.inputMode == InputMode.READER || this.parameters != null) {
			return;
		}
		if (env != null) {
			charset(env);
		}
		this.characterEncoding = env;
	}

	private static Charset charset(String name) throws UnsupportedEncodingException {
		try {
			return Charset.forName(name);
		}
		catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
			throw new UnsupportedEncodingException(name);
		}
	}

	private Charset effectiveCharset() {
		String encoding = getCharacterEncoding();
		if (encoding == null) {
			return StandardCharsets.UTF_8;
		}
		try {
			return Charset.forName(encoding);
		}
		catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
			return StandardCharsets.UTF_8;
		}
	}

	@Override
	public String getParameter(String name) {
		String[] values = parameters().get(name);
		return (values != null) ? values[0] : null;
	}

	@Override
	public Enumeration<String> getParameterNames() {
		return Collections.enumeration(parameters().keySet());
	}

	@Override
	public String[] getParameterValues(String name) {
		String[] values = parameters().get(name);
		return (values != null) ? values.clone() : null;
	}

	@Override
	public Map<String, String[]> getParameterMap() {
		return parameters();
	}

	private Map<String, String[]> parameters() {
		if (this.parameters == null) {
			this.parameters = parseParameters();
		}
		return this.parameters;
	}

	private Map<String, String[]> parseParameters() {
		String query = getQueryString();
		String contentType = getContentType();
		boolean form = contentType != null && "POST".equals(getMethod())
				&& contentType.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33);
		boolean multipart = contentType != null && this.multipartConfig != null
				&& contentType.regionMatches(true, 0, "multipart/form-data", 0, 19);
		if (query == null && !form && !multipart) {
			return Collections.emptyMap();
		}
		Map<String, List<String>> values = new LinkedHashMap<>();
		Charset charset = effectiveCharset();
		int maxCount = this.container.settings().getMaxParameterCount();
		if (query != null) {
			FormParser.parse(query, charset, values, maxCount);
		}
		if (form && this.inputMode == InputMode.NONE) {
			FormParser.parse(readForm(), charset, values, maxCount);
		}
		if (multipart) {
			addPartParameters(values, charset);
		}
		Map<String, String[]> result = new LinkedHashMap<>(values.size() * 2);
		values.forEach((name, list) -> result.put(name, list.toArray(new String[0])));
		return Collections.unmodifiableMap(result);
	}

	private String readForm() {
		long max = this.container.settings().getMaxFormContentSize();
		long length = getContentLengthLong();
		if (max >= 0 && length > max) {
			throw new BadRequestException(413, "Form content size " + length
					+ " exceeds the maximum form content size (" + max + ")");
		}
		try {
			ServletInputStream in = getInputStream();
			ByteArrayOutputStream bytes = new ByteArrayOutputStream((length > 0) ? (int) length : 256);
			byte[] chunk = new byte[4096];
			int n;
			while ((n = in.read(chunk)) >= 0) {
				bytes.write(chunk, 0, n);
				if (max >= 0 && bytes.size() > max) {
					throw new BadRequestException(413, "Form content size exceeds the maximum form content size ("
							+ max + ")");
				}
			}
			return bytes.toString(StandardCharsets.ISO_8859_1);
		}
		catch (IOException ex) {
			throw new BadRequestException(400, "Cannot read the form body: " + ex.getMessage());
		}
	}

	private void addPartParameters(Map<String, List<String>> values, Charset charset) {
		try {
			for (Part part : getParts()) {
				if (MultipartParser.isFormField(part)) {
					values.computeIfAbsent(part.getName(), (key) -> new ArrayList<>(1))
						.add(MultipartParser.readString(part, charset));
				}
			}
		}
		catch (IOException | ServletException ex) {
			throw new BadRequestException(400, "Cannot read the multipart body: " + ex.getMessage());
		}
	}

	@Override
	public ServletInputStream getInputStream() throws IOException {
		if (this.inputMode == InputMode.READER) {
			throw new IllegalStateException("getReader() has already been called for this request");
		}
		this.inputMode = InputMode.STREAM;
		return body();
	}

	RequestBody body() {
		if (this.body == null) {
			this.body = new RequestBody(this, this.exchange.stdin());
		}
		return this.body;
	}

	@Override
	public BufferedReader getReader() throws IOException {
		if (this.inputMode == InputMode.STREAM) {
			throw new IllegalStateException("getInputStream() has already been called for this request");
		}
		if (this.reader == null) {
			String encoding = getCharacterEncoding();
			Charset charset = (encoding != null) ? charset(encoding) : StandardCharsets.UTF_8;
			this.inputMode = InputMode.READER;
			this.reader = new BufferedReader(new InputStreamReader(body(), charset));
		}
		return this.reader;
	}

	// Multipart

	@Override
	public Collection<Part> getParts() throws IOException, ServletException {
		if (this.parts == null) {
			MultipartConfigElement config = this.multipartConfig;
			if (config == null) {
				throw new IllegalStateException("No multipart config for servlet "
						+ ((this.match != null) ? this.match.getServletName() : "(none)")
						+ ": register the servlet with a MultipartConfigElement to read parts");
			}
			String contentType = getContentType();
			if (contentType == null || !contentType.regionMatches(true, 0, "multipart/form-data", 0, 19)) {
				throw new ServletException("Content type '" + contentType + "' is not multipart/form-data");
			}
			if (this.inputMode != InputMode.NONE) {
				throw new IllegalStateException("The request body has already been read");
			}
			this.inputMode = InputMode.STREAM;
			this.parts = new ArrayList<>(MultipartParser.parse(body(), contentType, effectiveCharset(), config,
					this.container.multipartLocation()));
		}
		return Collections.unmodifiableList(this.parts);
	}

	@Override
	public Part getPart(String name) throws IOException, ServletException {
		for (Part part : getParts()) {
			if (part.getName().equals(name)) {
				return part;
			}
		}
		return null;
	}

	// Security

	@Override
	public String getAuthType() {
		return this.loggedOut ? null : this.line.authType();
	}

	@Override
	public String getRemoteUser() {
		return this.loggedOut ? null : this.line.remoteUser();
	}

	@Override
	public Principal getUserPrincipal() {
		String user = getRemoteUser();
		return (user != null) ? new RemoteUserPrincipal(user) : null;
	}

	/** The user the web server authenticated (REMOTE_USER). */
	record RemoteUserPrincipal(String getName) implements Principal {
	}

	@Override
	public boolean isUserInRole(String role) {
		return false;
	}

	@Override
	public boolean authenticate(HttpServletResponse response) throws IOException, ServletException {
		if (getRemoteUser() != null) {
			return true;
		}
		response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
		return false;
	}

	@Override
	public void login(String username, String password) throws ServletException {
		throw new ServletException("Container login is not supported over FastCGI; "
				+ "authenticate in the web server (REMOTE_USER) or with Spring Security");
	}

	@Override
	public void logout() throws ServletException {
		this.loggedOut = true;
	}

	@Override
	public <T extends HttpUpgradeHandler> T upgrade(Class<T> handlerClass) throws IOException, ServletException {
		throw new ServletException("HTTP upgrade (e.g. WebSocket) is not possible over FastCGI: "
				+ "the web server terminates the HTTP connection and FastCGI carries only request/response");
	}

	// Sessions

	private SessionManager sessions() {
		return this.container.sessionManager();
	}

	/**
	 * Looks for the session cookie: in the parsed cookies if the application asked for them, else straight in the
	 * Cookie header (no {@link Cookie} objects: Spring MVC asks for the session on every request).
	 * @return true if a cookie names a live session
	 */
	private boolean resolveSessionIdFromCookies(String name) {
		if (this.cookies != null) {
			for (Cookie cookie : this.cookies) {
				if (cookie.getName().equals(name) && sessionCookie(cookie.getValue())) {
					return true;
				}
			}
			return false;
		}
		String header = getHeader("Cookie");
		if (header == null || header.isEmpty()) {
			return false;
		}
		CookieScanner scanner = new CookieScanner(header);
		while (scanner.next()) {
			if (scanner.nameEquals(name) && sessionCookie(CgiRequestMapping.utf8(scanner.value()))) {
				return true;
			}
		}
		return false;
	}

	private boolean sessionCookie(String value) {
		if (this.requestedSessionId == null) {
			this.requestedSessionId = value;
			this.requestedSessionIdFromCookie = true;
		}
		if (sessions().find(value) != null) {
			this.requestedSessionId = value;
			return true;
		}
		return false;
	}

	private void resolveRequestedSessionId() {
		if (this.sessionIdsResolved) {
			return;
		}
		this.sessionIdsResolved = true;
		Set<SessionTrackingMode> modes = this.container.settings().getSessionTrackingModes();
		String name = this.container.settings().getSessionCookieName();
		if (modes.contains(SessionTrackingMode.COOKIE) && resolveSessionIdFromCookies(name)) {
			return;
		}
		if (this.requestedSessionId == null && modes.contains(SessionTrackingMode.URL)) {
			String marker = ";" + name.toLowerCase(Locale.ROOT) + "=";
			String uri = getRequestURI();
			int start = uri.toLowerCase(Locale.ROOT).indexOf(marker);
			if (start >= 0) {
				int end = start + marker.length();
				while (end < uri.length() && uri.charAt(end) != ';' && uri.charAt(end) != '/') {
					end++;
				}
				this.requestedSessionId = uri.substring(start + marker.length(), end);
				this.requestedSessionIdFromUrl = true;
			}
		}
	}

	@Override
	public HttpSession getSession(boolean create) {
		if (this.session != null && isValid(this.session)) {
			return this.session;
		}
		this.session = null;
		resolveRequestedSessionId();
		if (this.requestedSessionId != null) {
			HttpSession found = sessions().find(this.requestedSessionId);
			if (found != null) {
				this.session = found;
				return found;
			}
		}
		if (!create) {
			return null;
		}
		if (this.response.isCommitted()) {
			throw new IllegalStateException("Cannot create a session after the response has been committed");
		}
		this.session = sessions().create();
		this.container.writeSessionCookie(this, this.response, this.session.getId());
		return this.session;
	}

	private static boolean isValid(HttpSession session) {
		try {
			session.getCreationTime();
			return true;
		}
		catch (IllegalStateException ex) {
			return false;
		}
	}

	@Override
	public HttpSession getSession() {
		return getSession(true);
	}

	@Override
	public String changeSessionId() {
		HttpSession current = getSession(false);
		if (current == null) {
			throw new IllegalStateException("The request has no session");
		}
		String id = sessions().changeSessionId(current);
		this.container.writeSessionCookie(this, this.response, id);
		return id;
	}

	/** The session id to put in URLs, or null (no session, or the client sent it in a cookie). */
	String sessionIdForUrl() {
		HttpSession current = getSession(false);
		return (current != null && !this.requestedSessionIdFromCookie) ? current.getId() : null;
	}

	@Override
	public String getRequestedSessionId() {
		resolveRequestedSessionId();
		return this.requestedSessionId;
	}

	@Override
	public boolean isRequestedSessionIdValid() {
		resolveRequestedSessionId();
		if (this.requestedSessionId == null) {
			return false;
		}
		HttpSession current = getSession(false);
		return current != null && current.getId().equals(this.requestedSessionId);
	}

	@Override
	public boolean isRequestedSessionIdFromCookie() {
		resolveRequestedSessionId();
		return this.requestedSessionIdFromCookie;
	}

	@Override
	public boolean isRequestedSessionIdFromURL() {
		resolveRequestedSessionId();
		return this.requestedSessionIdFromUrl;
	}

	// Dispatch and async

	@Override
	public RequestDispatcher getRequestDispatcher(String path) {
		if (path == null) {
			return null;
		}
		if (path.startsWith("/")) {
			return this.container.getContext().getRequestDispatcher(path);
		}
		String base = getServletPath() + ((getPathInfo() != null) ? getPathInfo() : "");
		return this.container.getContext().getRequestDispatcher(base.substring(0, base.lastIndexOf('/') + 1) + path);
	}

	@Override
	public ServletContext getServletContext() {
		return this.container.getContext();
	}

	@Override
	public DispatcherType getDispatcherType() {
		return DispatcherType.REQUEST;
	}

	@Override
	public AsyncContext startAsync() throws IllegalStateException {
		return startAsync(this, this.response);
	}

	@Override
	public AsyncContext startAsync(ServletRequest servletRequest, ServletResponse servletResponse)
			throws IllegalStateException {
		if (!this.asyncSupported) {
			throw new IllegalStateException("A filter or servlet of the current chain does not support "
					+ "asynchronous operations (register it with asyncSupported=true)");
		}
		if (this.asyncContext == null) {
			this.asyncContext = new FastCgiAsyncContext(this.container, this);
		}
		this.asyncContext.start(servletRequest, servletResponse, servletRequest == this
				&& servletResponse == this.response);
		return this.asyncContext;
	}

	@Override
	public boolean isAsyncStarted() {
		return this.asyncStarted;
	}

	@Override
	public boolean isAsyncSupported() {
		return this.asyncSupported;
	}

	@Override
	public AsyncContext getAsyncContext() {
		if (this.asyncContext == null || !this.asyncStarted) {
			throw new IllegalStateException("Asynchronous processing has not been started for this request");
		}
		return this.asyncContext;
	}

	@Override
	public String toString() {
		return "FastCgiRequest[" + getMethod() + " " + getRequestURI() + "]";
	}

}
