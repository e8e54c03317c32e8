package dev.fastcgi.servlet;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;

import dev.fastcgi.server.FastCgiExchange;

/**
 * The servlet response, written to the exchange's stdout as a CGI response: {@code Status:} line first, headers,
 * blank line, body. {@code Transfer-Encoding} is never emitted (the web server frames the body); header names and
 * values containing CR or LF are refused.
 */
final class FastCgiResponse implements HttpServletResponse {

	static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
			Locale.US).withZone(ZoneOffset.UTC);

	/** "Status: 200 OK\r\n" and so on, by code, for the codes Spring's {@link HttpStatus} knows. */
	private static final String[] STATUS_LINES = new String[600];

	static {
		for (HttpStatus status : HttpStatus.values()) {
			if (status.value() < STATUS_LINES.length && STATUS_LINES[status.value()] == null) {
				STATUS_LINES[status.value()] = "Status: " + status.value() + " " + status.getReasonPhrase() + "\r\n";
			}
		}
	}

	private enum OutputMode {

		NONE, STREAM, WRITER

	}

	private final FastCgiServletContainer container;

	private final FastCgiExchange exchange;

	private FastCgiRequest request;

	private final ResponseOutput output;

	private int status = SC_OK;

	private final List<String> headerNames = new ArrayList<>(8);

	private final List<String> headerValues = new ArrayList<>(8);

	private String mimeType;

	private String contentTypeParams;

	private String characterEncoding;

	private boolean charsetExplicit;

	/** The last content type {@link #getContentType()} composed, and the mime type, params and charset it joined. */
	private String composedContentType;

	private String composedMimeType;

	private String composedParams;

	private String composedCharset;

	private long contentLength = -1;

	private Locale locale;

	private OutputMode outputMode = OutputMode.NONE;

	private PrintWriter writer;

	private boolean error;

	private String errorMessage;

	private boolean suspended;

	private boolean head;

	FastCgiResponse(FastCgiServletContainer container, FastCgiExchange exchange, int bufferSize) {
		this.container = container;
		this.exchange = exchange;
		this.output = new ResponseOutput(this, exchange, bufferSize);
	}

	void setRequest(FastCgiRequest request) {
		this.request = request;
		this.head = "HEAD".equals(request.getMethod());
	}

	// Container state

	boolean isHead() {
		return this.head;
	}

	boolean isSuspended() {
		return this.suspended;
	}

	boolean isError() {
		return this.error;
	}

	String getErrorMessage() {
		return this.errorMessage;
	}

	/** Clears the error state and re-opens the body for an error page dispatch. */
	void prepareErrorDispatch() {
		this.error = false;
		this.suspended = false;
		this.output.reopen();
		if (!isCommitted()) {
			this.output.resetBuffer();
			this.outputMode = OutputMode.NONE;
			this.writer = null;
			this.contentLength = -1;
			// the error page chooses its own type: one preset by the failed handler (say text/plain) would make
			// Boot's JSON error body unwritable (HttpMessageNotWritableException, a bare 500 instead)
			this.mimeType = null;
			this.contentTypeParams = null;
			this.characterEncoding = null;
			this.charsetExplicit = false;
		}
	}

	/** Ends the response: flushes the writer and closes the body (setting Content-Length when complete). */
	void finish() throws IOException {
		this.suspended = false;
		this.output.close();
	}

	/**
	 * Whether the request may end as soon as the body reaches its Content-Length, before the application returns:
	 * not for a request that went asynchronous (its completion belongs to the async context).
	 */
	boolean mayEndWithBody() {
		return this.request != null && this.request.asyncContextInternal() == null;
	}

	/** Called by the output when the whole body is known before commit. */
	void contentComplete(long written) {
		if (this.contentLength < 0 && (written > 0 || !this.head) && this.status != SC_NO_CONTENT
				&& this.status != SC_NOT_MODIFIED && this.status >= 200) {
			this.contentLength = written;
		}
	}

	/** Closes the body after a forward (unless async); content written later is ignored. */
	void closeAfterForward() throws IOException {
		finish();
	}

	void startNonBlockingWrite(WriteListener listener) {
		this.container.startNonBlockingWrite(this.request, listener);
	}

	/** The CGI header block: Status line, headers, blank line, as ISO-8859-1 bytes. */
	byte[] headerBlock() {
		StringBuilder block = new StringBuilder(128 + this.headerNames.size() * 48);
		String statusLine = (this.status < STATUS_LINES.length) ? STATUS_LINES[this.status] : null;
		if (statusLine != null) {
			block.append(statusLine);
		}
		else {
			block.append("Status: ").append(this.status).append("\r\n");
		}
		String contentType = getContentType();
		if (contentType != null) {
			block.append("Content-Type: ").append(contentType).append("\r\n");
		}
		if (this.contentLength >= 0) {
			block.append("Content-Length: ").append(this.contentLength).append("\r\n");
		}
		if (this.locale != null && !containsHeader("Content-Language")) {
			block.append("Content-Language: ").append(this.locale.toLanguageTag()).append("\r\n");
		}
		for (int i = 0; i < this.headerNames.size(); i++) {
			block.append(this.headerNames.get(i)).append(": ").append(this.headerValues.get(i)).append("\r\n");
		}
		block.append("\r\n");
		return block.toString().getBytes(StandardCharsets.ISO_8859_1);
	}

	// Status and errors

	@Override
	public void setStatus(int sc) {
		if (isCommitted()) {
			return;
		}
		if (sc < 100 || sc > 999) {
			throw new IllegalArgumentException("Invalid HTTP status " + sc);
		}
		this.status = sc;
	}

	@Override
	public int getStatus() {
		return this.status;
	}

	@Override
	public void sendError(int sc, String msg) throws IOException {
		if (isCommitted()) {
			throw new IllegalStateException("Cannot send an error after the response has been committed");
		}
		setStatus(sc);
		this.error = true;
		this.errorMessage = msg;
		this.output.resetBuffer();
		this.suspended = true;
	}

	@Override
	public void sendError(int sc) throws IOException {
		sendError(sc, null);
	}

	@Override
	public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
		if (isCommitted()) {
			throw new IllegalStateException("Cannot redirect after the response has been committed");
		}
		if (clearBuffer) {
			resetBuffer();
		}
		setStatus(sc);
		setHeader("Location", absolute(location));
		this.suspended = clearBuffer;
	}

	private String absolute(String location) {
		if (hasScheme(location)) {
			return location;
		}
		if (location.startsWith("//")) {
			return this.request.getScheme() + ":" + location;
		}
		StringBuilder url = new StringBuilder(64).append(FastCgiRequest.origin(this.request));
		if (location.startsWith("/")) {
			return url.append(location).toString();
		}
		String uri = this.request.getRequestURI();
		if (location.startsWith("?") || location.startsWith("#")) {
			return url.append(uri).append(location).toString();
		}
		return url.append(uri, 0, uri.lastIndexOf('/') + 1).append(location).toString();
	}

	private static boolean hasScheme(String location) {
		for (int i = 0; i < location.length(); i++) {
			char c = location.charAt(i);
			if (c == ':') {
				return i > 0;
			}
			if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
				return false;
			}
		}
		return false;
	}

	// Headers

	@Override
	public void addCookie(Cookie cookie) {
		if (isCommitted()) {
			return;
		}
		addHeaderInternal("Set-Cookie", formatCookie(cookie));
	}

	String formatCookie(Cookie cookie) {
		StringBuilder header = new StringBuilder(64).append(cookie.getName()).append('=');
		String value = cookie.getValue();
		if (value != null) {
			checkValue(value);
			header.append(value);
		}
		boolean sameSite = false;
		for (Map.Entry<String, String> attribute : cookie.getAttributes().entrySet()) {
			String name = attribute.getKey();
			String attributeValue = attribute.getValue();
			checkValue(attributeValue);
			if (name.equalsIgnoreCase("Secure") || name.equalsIgnoreCase("HttpOnly")
					|| name.equalsIgnoreCase("Partitioned")) {
				if (attributeValue == null || attributeValue.isEmpty() || Boolean.parseBoolean(attributeValue)) {
					header.append("; ").append(name);
				}
			}
			else if (name.equalsIgnoreCase("Max-Age")) {
				int maxAge = cookie.getMaxAge();
				if (maxAge >= 0) {
					header.append("; Max-Age=").append(maxAge).append("; Expires=");
					header.append(HTTP_DATE.format(
							(maxAge == 0) ? Instant.ofEpochSecond(10) : Instant.now().plusSeconds(maxAge)));
				}
			}
			else if (!name.equalsIgnoreCase("Comment") && !name.equalsIgnoreCase("Version")) {
				sameSite |= name.equalsIgnoreCase("SameSite");
				header.append("; ").append(name);
				if (attributeValue != null && !attributeValue.isEmpty()) {
					header.append('=').append(attributeValue);
				}
			}
		}
		if (!sameSite) {
			String supplied = this.container.settings().getCookieSameSite().apply(cookie);
			if (supplied != null) {
				checkValue(supplied);
				header.append("; SameSite=").append(supplied);
			}
		}
		return header.toString();
	}

	@Override
	public boolean containsHeader(String name) {
		if (name.equalsIgnoreCase("Content-Type")) {
			return this.mimeType != null;
		}
		if (name.equalsIgnoreCase("Content-Length")) {
			return this.contentLength >= 0;
		}
		return indexOf(name) >= 0;
	}

	private int indexOf(String name) {
		for (int i = 0; i < this.headerNames.size(); i++) {
			if (this.headerNames.get(i).equalsIgnoreCase(name)) {
				return i;
			}
		}
		return -1;
	}

	@Override
	public void setHeader(String name, String value) {
		if (name == null || isCommitted()) {
			return;
		}
		checkName(name);
		if (special(name, value)) {
			return;
		}
		removeHeader(name);
		if (value != null) {
			checkValue(value);
			this.headerNames.add(name);
			this.headerValues.add(value);
		}
	}

	@Override
	public void addHeader(String name, String value) {
		if (name == null || value == null || isCommitted()) {
			return;
		}
		checkName(name);
		if (special(name, value)) {
			return;
		}
		addHeaderInternal(name, value);
	}

	private void addHeaderInternal(String name, String value) {
		checkValue(value);
		this.headerNames.add(name);
		this.headerValues.add(value);
	}

	private void removeHeader(String name) {
		for (int i = this.headerNames.size() - 1; i >= 0; i--) {
			if (this.headerNames.get(i).equalsIgnoreCase(name)) {
				this.headerNames.remove(i);
				this.headerValues.remove(i);
			}
		}
	}

	/** Handles Content-Type, Content-Length and Transfer-Encoding; true if the header was one of them. */
	private boolean special(String name, String value) {
		if (name.equalsIgnoreCase("Content-Type")) {
			if (value == null) {
				this.mimeType = null;
				this.contentTypeParams = null;
			}
			else {
				setContentType(value);
			}
			return true;
		}
		if (name.equalsIgnoreCase("Content-Length")) {
			if (value == null) {
				this.contentLength = -1;
			}
			else {
				try {
					setContentLengthLong(Long.parseLong(value.trim()));
				}
				catch (NumberFormatException ex) {
					throw new IllegalArgumentException("Invalid Content-Length '" + value + "'");
				}
			}
			return true;
		}
		return name.equalsIgnoreCase("Transfer-Encoding");
	}

	private static void checkName(String name) {
		if (name.isEmpty()) {
			throw new IllegalArgumentException("Header name must not be empty");
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c <= ' ' || c == ':' || c >= 0x7F) {
				throw new IllegalArgumentException("Invalid character in header name '" + name + "'");
			}
		}
	}

	private static void checkValue(String value) {
		if (value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0)) {
			throw new IllegalArgumentException("Header value must not contain CR or LF: '" + value + "'");
		}
	}

	@Override
	public void setDateHeader(String name, long date) {
		setHeader(name, HTTP_DATE.format(Instant.ofEpochMilli(date)));
	}

	@Override
	public void addDateHeader(String name, long date) {
		addHeader(name, HTTP_DATE.format(Instant.ofEpochMilli(date)));
	}

	@Override
	public void setIntHeader(String name, int value) {
		setHeader(name, Integer.toString(value));
	}

	@Override
	public void addIntHeader(String name, int value) {
		addHeader(name, Integer.toString(value));
	}

	@Override
	public String getHeader(String name) {
		if (name.equalsIgnoreCase("Content-Type")) {
			return getContentType();
		}
		if (name.equalsIgnoreCase("Content-Length")) {
			return (this.contentLength >= 0) ? Long.toString(this.contentLength) : null;
		}
		int index = indexOf(name);
		return (index >= 0) ? this.headerValues.get(index) : null;
	}

	@Override
	public Collection<String> getHeaders(String name) {
		if (name.equalsIgnoreCase("Content-Type") || name.equalsIgnoreCase("Content-Length")) {
			String value = getHeader(name);
			return (value != null) ? List.of(value) : List.of();
		}
		List<String> values = new ArrayList<>(1);
		for (int i = 0; i < this.headerNames.size(); i++) {
			if (this.headerNames.get(i).equalsIgnoreCase(name)) {
				values.add(this.headerValues.get(i));
			}
		}
		return values;
	}

	@Override
	public Collection<String> getHeaderNames() {
		Set<String> names = new LinkedHashSet<>();
		if (this.mimeType != null) {
			names.add("Content-Type");
		}
		if (this.contentLength >= 0) {
			names.add("Content-Length");
		}
		names.addAll(this.headerNames);
		return names;
	}

	// Content type, encoding, length, locale

	@Override
	public String getCharacterEncoding() {
		if (this.characterEncoding != null) {
			return this.characterEncoding;
		}
		String fromContext = this.container.getContext().getResponseCharacterEncoding();
		return (fromContext != null) ? fromContext : "ISO-8859-1";
	}

	@Override
	public void setCharacterEncoding(String charset) {
		if (isCommitted() || this.outputMode == OutputMode.WRITER) {
			return;
		}
		if (charset == null) {
			this.characterEncoding = null;
			this.charsetExplicit = false;
			return;
		}
		checkValue(charset);
		this.characterEncoding = charset;
		this.charsetExplicit = true;
	}

	@Override
	public String getContentType() {
		if (this.mimeType == null) {
			return null;
		}
		String charset = null;
		if (this.characterEncoding != null && (this.charsetExplicit || this.outputMode == OutputMode.WRITER)) {
			charset = this.characterEncoding;
		}
		else if (this.outputMode == OutputMode.WRITER) {
			charset = getCharacterEncoding();
		}
		if (this.contentTypeParams == null && charset == null) {
			return this.mimeType;
		}
		// asked for several times per response (message converters, the header block): composed once for its parts
		if (this.composedContentType == null || this.composedMimeType != this.mimeType
				|| this.composedParams != this.contentTypeParams || this.composedCharset != charset) {
			StringBuilder type = new StringBuilder(this.mimeType);
			if (this.contentTypeParams != null) {
				type.append(';').append(this.contentTypeParams);
			}
			if (charset != null) {
				type.append(";charset=").append(charset);
			}
			this.composedContentType = type.toString();
			this.composedMimeType = this.mimeType;
			this.composedParams = this.contentTypeParams;
			this.composedCharset = charset;
		}
		return this.composedContentType;
	}

	@Override
	public void setContentType(String type) {
		if (isCommitted()) {
			return;
		}
		if (type == null) {
			this.mimeType = null;
			this.contentTypeParams = null;
			return;
		}
		checkValue(type);
		int semicolon = type.indexOf(';');
		if (semicolon < 0) {
			this.mimeType = type.trim();
			this.contentTypeParams = null;
			return;
		}
		this.mimeType = type.substring(0, semicolon).trim();
		StringBuilder params = null;
		for (int start = semicolon + 1; start <= type.length(); start = semicolon + 1) {
			semicolon = type.indexOf(';', start);
			if (semicolon < 0) {
				semicolon = type.length();
			}
			String param = type.substring(start, semicolon).trim();
			if (param.regionMatches(true, 0, "charset=", 0, 8)) {
				String charset = param.substring(8).trim();
				if (charset.length() > 1 && charset.startsWith("\"") && charset.endsWith("\"")) {
					charset = charset.substring(1, charset.length() - 1);
				}
				if (this.outputMode != OutputMode.WRITER) {
					this.characterEncoding = charset;
					this.charsetExplicit = true;
				}
			}
			else if (!param.isEmpty()) {
				params = (params == null) ? new StringBuilder(param) : params.append(';').append(param);
			}
		}
		this.contentTypeParams = (params != null) ? params.toString() : null;
	}

	@Override
	public void setContentLength(int len) {
		setContentLengthLong(len);
	}

	@Override
	public void setContentLengthLong(long len) {
		if (isCommitted()) {
			return;
		}
		this.contentLength = len;
	}

	long getContentLengthLong() {
		return this.contentLength;
	}

	@Override
	public void setLocale(Locale loc) {
		if (loc == null || isCommitted()) {
			return;
		}
		this.locale = loc;
		if (!this.charsetExplicit && this.outputMode != OutputMode.WRITER) {
			Charset mapped = this.container.settings().getLocaleCharsetMappings().get(loc);
			if (mapped == null) {
				mapped = this.container.settings().getLocaleCharsetMappings().get(new Locale(loc.getLanguage()));
			}
			if (mapped != null) {
				this.characterEncoding = mapped.name();
			}
		}
	}

	@Override
	public Locale getLocale() {
		return (this.locale != null) ? this.locale : Locale.getDefault();
	}

	// Body

	@Override
	public ServletOutputStream getOutputStream() throws IOException {
		if (this.outputMode == OutputMode.WRITER) {
			throw new IllegalStateException("getWriter() has already been called for this response");
		}
		this.outputMode = OutputMode.STREAM;
		return this.output;
	}

	@Override
	public PrintWriter getWriter() throws IOException {
		if (this.outputMode == OutputMode.STREAM) {
			throw new IllegalStateException("getOutputStream() has already been called for this response");
		}
		if (this.writer == null) {
			Charset charset;
			try {
				charset = Charset.forName(getCharacterEncoding());
			}
			catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
				throw new java.io.UnsupportedEncodingException(getCharacterEncoding());
			}
			if (this.characterEncoding == null) {
				this.characterEncoding = charset.name();
			}
			this.outputMode = OutputMode.WRITER;
			this.writer = new PrintWriter(new ResponseWriter(this.output, charset), false);
		}
		return this.writer;
	}

	@Override
	public void setBufferSize(int size) {
		this.output.setBufferSize(size);
	}

	@Override
	public int getBufferSize() {
		return this.output.getBufferSize();
	}

	@Override
	public void flushBuffer() throws IOException {
		if (this.writer != null) {
			this.writer.flush();
		}
		this.output.flush();
	}

	@Override
	public void resetBuffer() {
		this.output.resetBuffer();
	}

	@Override
	public boolean isCommitted() {
		return this.output.isCommitted();
	}

	@Override
	public void reset() {
		this.output.resetBuffer();
		this.status = SC_OK;
		this.headerNames.clear();
		this.headerValues.clear();
		this.mimeType = null;
		this.contentTypeParams = null;
		this.characterEncoding = null;
		this.charsetExplicit = false;
		this.contentLength = -1;
		this.locale = null;
		this.outputMode = OutputMode.NONE;
		this.writer = null;
		this.error = false;
		this.errorMessage = null;
		this.suspended = false;
	}

	// URL encoding

	@Override
	public String encodeURL(String url) {
		if (url == null || !this.container.settings().getSessionTrackingModes().contains(SessionTrackingMode.URL)) {
			return url;
		}
		String sessionId = this.request.sessionIdForUrl();
		if (sessionId == null || (hasScheme(url) && !url.contains("://" + this.request.getServerName()))) {
			return url;
		}
		int end = url.length();
		int query = url.indexOf('?');
		int fragment = url.indexOf('#');
		if (query >= 0) {
			end = query;
		}
		if (fragment >= 0 && fragment < end) {
			end = fragment;
		}
		String parameter = ";" + this.container.settings().getSessionCookieName().toLowerCase(Locale.ROOT) + "=";
		if (url.substring(0, end).contains(parameter)) {
			return url;
		}
		return url.substring(0, end) + parameter + sessionId + url.substring(end);
	}

	@Override
	public String encodeRedirectURL(String url) {
		return encodeURL(url);
	}

}
