package dev.fastcgi.client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import dev.fastcgi.protocol.Role;

/**
 * A FastCGI request to send with {@link FastCgiClient}: role, params, request body (FCGI_STDIN) and, for the FILTER
 * role, FCGI_DATA. Immutable: every {@code with}-style method returns a new request, so a base request can be reused.
 * <p>
 * By default the params are the CGI/1.1 variables nginx's stock {@code fastcgi_params} sends for the method and URI
 * (see {@link #params()}); {@link #header(String, String)} adds {@code HTTP_*} params and {@link #param(String, String)}
 * adds or replaces (or, with a null value, removes) any param. Names and values are sent as UTF-8 bytes.
 *
 * <pre class="code">
 * FastCgiRequest get = FastCgiRequest.get("/hello?name=x").header("Accept", "text/plain");
 * FastCgiRequest post = FastCgiRequest.post("/echo", "application/json", "{}".getBytes(UTF_8));
 * </pre>
 */
public final class FastCgiRequest {

	/** Default request id, as nginx, Apache and lighttpd use. */
	public static final int DEFAULT_REQUEST_ID = 1;

	static final String SERVER_NAME = "localhost";

	static final String SERVER_PORT = "80";

	static final String SERVER_ADDR = "127.0.0.1";

	static final String REMOTE_ADDR = "127.0.0.1";

	static final String REMOTE_PORT = "40000";

	static final String SERVER_SOFTWARE = "fastcgi-spring-boot-client";

	private final String method;

	private final String uri;

	private final Role role;

	private final int roleCode;

	private final int requestId;

	private final boolean defaultParams;

	private final Map<String, Header> headers;

	private final Map<String, String> params;

	private final Body body;

	private final Body data;

	private FastCgiRequest(String method, String uri, Role role, int roleCode, int requestId, boolean defaultParams,
			Map<String, Header> headers, Map<String, String> params, Body body, Body data) {
		this.method = method;
		this.uri = uri;
		this.role = role;
		this.roleCode = roleCode;
		this.requestId = requestId;
		this.defaultParams = defaultParams;
		this.headers = headers;
		this.params = params;
		this.body = body;
		this.data = data;
	}

	/** A request with the given method and URI (path and optional query) and no body. */
	public static FastCgiRequest of(String method, String uri) {
		Objects.requireNonNull(method, "method");
		Objects.requireNonNull(uri, "uri");
		return new FastCgiRequest(method, uri, Role.RESPONDER, Role.RESPONDER.code(), 0, true, new LinkedHashMap<>(),
				new LinkedHashMap<>(), Body.EMPTY, Body.EMPTY);
	}

	/** A GET of {@code uri} (path and optional query, e.g. {@code /path?q=1}). */
	public static FastCgiRequest get(String uri) {
		return of("GET", uri);
	}

	/** A POST of {@code body} with a content type (null for none). */
	public static FastCgiRequest post(String uri, String contentType, byte[] body) {
		return of("POST", uri).body(contentType, Body.of(body));
	}

	/** A POST of a UTF-8 string body. */
	public static FastCgiRequest post(String uri, String contentType, String body) {
		return post(uri, contentType, body.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * A POST whose body streams from {@code body} without being buffered; {@code length} becomes CONTENT_LENGTH, or
	 * -1 for none (the body is then sent as it comes, as nginx does with request buffering off). The stream is read
	 * once: such a request can be executed once.
	 */
	public static FastCgiRequest post(String uri, String contentType, InputStream body, long length) {
		return of("POST", uri).body(contentType, Body.of(body, length));
	}

	/**
	 * A POST whose body is produced anew by {@code body} each time the request is sent (for huge generated bodies);
	 * {@code length} becomes CONTENT_LENGTH (-1 for none).
	 */
	public static FastCgiRequest post(String uri, String contentType, long length, Supplier<InputStream> body) {
		return of("POST", uri).body(contentType, Body.of(length, body));
	}

	/** This request with another HTTP method. */
	public FastCgiRequest method(String method) {
		return new FastCgiRequest(Objects.requireNonNull(method), this.uri, this.role, this.roleCode, this.requestId,
				this.defaultParams, this.headers, this.params, this.body, this.data);
	}

	/**
	 * This request with a body and its content type (null: CONTENT_TYPE is left empty). Sets CONTENT_LENGTH from
	 * {@link Body#length()}.
	 */
	public FastCgiRequest body(String contentType, Body body) {
		FastCgiRequest request = new FastCgiRequest(this.method, this.uri, this.role, this.roleCode, this.requestId,
				this.defaultParams, this.headers, this.params, Objects.requireNonNull(body), this.data);
		return (contentType != null) ? request.header("Content-Type", contentType) : request;
	}

	/**
	 * Adds a request header, sent as an {@code HTTP_*} param (upper-cased, {@code -} becomes {@code _}). Repeated
	 * headers are joined with {@code ", "} ({@code "; "} for Cookie), as nginx does.
	 */
	public FastCgiRequest header(String name, String value) {
		Map<String, Header> copy = new LinkedHashMap<>(this.headers);
		String key = name.toLowerCase(Locale.ROOT);
		Header existing = copy.get(key);
		List<String> values = new ArrayList<>((existing != null) ? existing.values() : List.of());
		values.add(Objects.requireNonNull(value, "value"));
		copy.put(key, new Header((existing != null) ? existing.name() : name, List.copyOf(values)));
		return new FastCgiRequest(this.method, this.uri, this.role, this.roleCode, this.requestId, this.defaultParams,
				copy, this.params, this.body, this.data);
	}

	/** Adds or replaces a param; a null value removes it (including a default one). */
	public FastCgiRequest param(String name, String value) {
		Map<String, String> copy = new LinkedHashMap<>(this.params);
		copy.remove(name);
		copy.put(name, value);
		return new FastCgiRequest(this.method, this.uri, this.role, this.roleCode, this.requestId, this.defaultParams,
				this.headers, copy, this.body, this.data);
	}

	/** Adds or replaces several params. */
	public FastCgiRequest params(Map<String, String> params) {
		FastCgiRequest request = this;
		for (Map.Entry<String, String> entry : params.entrySet()) {
			request = request.param(entry.getKey(), entry.getValue());
		}
		return request;
	}

	/**
	 * Whether to send the default nginx-like CGI params (true by default). With false only the params given with
	 * {@link #param} and {@link #header} are sent.
	 */
	public FastCgiRequest defaultParams(boolean send) {
		return new FastCgiRequest(this.method, this.uri, this.role, this.roleCode, this.requestId, send, this.headers,
				this.params, this.body, this.data);
	}

	/** The role to ask for in FCGI_BEGIN_REQUEST (RESPONDER by default). */
	public FastCgiRequest role(Role role) {
		return new FastCgiRequest(this.method, this.uri, Objects.requireNonNull(role), role.code(), this.requestId,
				this.defaultParams, this.headers, this.params, this.body, this.data);
	}

	/** A raw role number, including ones FastCGI 1.0 does not define (to test FCGI_UNKNOWN_ROLE). */
	public FastCgiRequest role(int roleCode) {
		return new FastCgiRequest(this.method, this.uri, Role.fromCode(roleCode), roleCode, this.requestId,
				this.defaultParams, this.headers, this.params, this.body, this.data);
	}

	/** The FCGI_DATA stream (FILTER role); sets FCGI_DATA_LENGTH when its length is known. */
	public FastCgiRequest data(Body data) {
		return new FastCgiRequest(this.method, this.uri, this.role, this.roleCode, this.requestId, this.defaultParams,
				this.headers, this.params, this.body, Objects.requireNonNull(data));
	}

	/** The FCGI_DATA stream (FILTER role) from bytes. */
	public FastCgiRequest data(byte[] data) {
		return data(Body.of(data));
	}

	/**
	 * The request id to use (1..65535); 0 (the default) lets the client choose: 1 for a single request, distinct
	 * ids for {@link FastCgiClient#executeAll}.
	 */
	public FastCgiRequest requestId(int requestId) {
		if (requestId < 0 || requestId > 0xFFFF) {
			throw new IllegalArgumentException("request id " + requestId + " is out of range 1..65535");
		}
		return new FastCgiRequest(this.method, this.uri, this.role, this.roleCode, requestId, this.defaultParams,
				this.headers, this.params, this.body, this.data);
	}

	/** The HTTP method. */
	public String method() {
		return this.method;
	}

	/** The request URI as given (path and query). */
	public String uri() {
		return this.uri;
	}

	/** The role, or null for an unknown role number. */
	public Role role() {
		return this.role;
	}

	/** The role number sent. */
	public int roleCode() {
		return this.roleCode;
	}

	/** The request id asked for, or 0 to let the client choose. */
	public int requestId() {
		return this.requestId;
	}

	/** The request body. */
	public Body body() {
		return this.body;
	}

	/** The FCGI_DATA stream. */
	public Body data() {
		return this.data;
	}

	/**
	 * The params that will be sent, in order: the nginx-like defaults (REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME,
	 * PATH_INFO, QUERY_STRING, DOCUMENT_URI, DOCUMENT_ROOT, SERVER_PROTOCOL, REQUEST_SCHEME, GATEWAY_INTERFACE,
	 * SERVER_SOFTWARE, REMOTE_ADDR, REMOTE_PORT, SERVER_ADDR, SERVER_PORT, SERVER_NAME, CONTENT_TYPE, CONTENT_LENGTH,
	 * HTTP_HOST, FCGI_DATA_LENGTH for FILTER), then the {@code HTTP_*} headers, then explicit params. Values are Java
	 * strings; they go on the wire as UTF-8.
	 */
	public Map<String, String> params() {
		Map<String, String> all = new LinkedHashMap<>();
		if (this.defaultParams) {
			addDefaults(all);
		}
		this.headers.values().forEach((header) -> all.put(header.paramName(), header.joined()));
		this.params.forEach((name, value) -> {
			all.remove(name);
			if (value != null) {
				all.put(name, value);
			}
		});
		return Collections.unmodifiableMap(all);
	}

	private void addDefaults(Map<String, String> all) {
		int question = this.uri.indexOf('?');
		String path = (question >= 0) ? this.uri.substring(0, question) : this.uri;
		String query = (question >= 0) ? this.uri.substring(question + 1) : "";
		String decodedPath = percentDecode(path);
		Header contentType = this.headers.get("content-type");
		boolean hasBody = this.body != Body.EMPTY && this.body.length() >= 0;
		all.put("QUERY_STRING", query);
		all.put("REQUEST_METHOD", this.method);
		all.put("CONTENT_TYPE", (contentType != null) ? contentType.joined() : "");
		all.put("CONTENT_LENGTH", hasBody ? Long.toString(this.body.length()) : "");
		all.put("SCRIPT_NAME", decodedPath);
		all.put("PATH_INFO", "");
		all.put("REQUEST_URI", this.uri);
		all.put("DOCUMENT_URI", decodedPath);
		all.put("DOCUMENT_ROOT", "/var/www/html");
		all.put("SERVER_PROTOCOL", "HTTP/1.1");
		all.put("REQUEST_SCHEME", "http");
		all.put("GATEWAY_INTERFACE", "CGI/1.1");
		all.put("SERVER_SOFTWARE", SERVER_SOFTWARE);
		all.put("REMOTE_ADDR", REMOTE_ADDR);
		all.put("REMOTE_PORT", REMOTE_PORT);
		all.put("SERVER_ADDR", SERVER_ADDR);
		all.put("SERVER_PORT", SERVER_PORT);
		all.put("SERVER_NAME", SERVER_NAME);
		if (this.role == Role.FILTER && this.data.length() >= 0) {
			all.put("FCGI_DATA_LENGTH", Long.toString(this.data.length()));
		}
		all.put("HTTP_HOST", SERVER_NAME);
		if (hasBody && !this.headers.containsKey("content-length")) {
			all.put("HTTP_CONTENT_LENGTH", Long.toString(this.body.length()));
		}
	}

	/** Decodes %XX escapes (as nginx's {@code $uri} does), keeping the result as UTF-8 text. */
	static String percentDecode(String path) {
		if (path.indexOf('%') < 0) {
			return path;
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream(path.length());
		byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
		for (int i = 0; i < bytes.length; i++) {
			if (bytes[i] == '%' && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
				out.write(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
				i += 2;
			}
			else {
				out.write(bytes[i]);
			}
		}
		return out.toString(StandardCharsets.UTF_8);
	}

	private static int hex(byte b) {
		return Character.digit(b, 16);
	}

	@Override
	public String toString() {
		return this.method + " " + this.uri + " (role " + this.roleCode + ")";
	}

	/** A request header with its values in the order added. */
	private record Header(String name, List<String> values) {

		String paramName() {
			return "HTTP_" + this.name.toUpperCase(Locale.ROOT).replace('-', '_');
		}

		String joined() {
			return String.join(this.name.equalsIgnoreCase("cookie") ? "; " : ", ", this.values);
		}

	}

	/**
	 * A request body or FCGI_DATA stream: its length (or -1 when unknown) and a way to open it. Bodies from
	 * {@link #of(long, Supplier)} or bytes can be sent many times; one from an {@link InputStream} once.
	 */
	public interface Body {

		/** No body: just the empty end-of-stream record. */
		Body EMPTY = of(new byte[0]);

		/** The length in bytes, or -1 if unknown. */
		long length();

		/** Opens the body's bytes; the client closes the stream after sending it. */
		InputStream open();

		/** A body from bytes. */
		static Body of(byte[] bytes) {
			byte[] copy = bytes.clone();
			return new Body() {

				@Override
				public long length() {
					return copy.length;
				}

				@Override
				public InputStream open() {
					return new ByteArrayInputStream(copy);
				}
			};
		}

		/** A body streamed once from {@code stream}; {@code length} -1 if unknown. */
		static Body of(InputStream stream, long length) {
			Objects.requireNonNull(stream, "stream");
			boolean[] opened = new boolean[1];
			return new Body() {

				@Override
				public long length() {
					return length;
				}

				@Override
				public InputStream open() {
					if (opened[0]) {
						throw new IllegalStateException("this body streams from an InputStream and was sent already");
					}
					opened[0] = true;
					return stream;
				}
			};
		}

		/** A body produced anew by {@code supplier} each time; {@code length} -1 if unknown. */
		static Body of(long length, Supplier<InputStream> supplier) {
			Objects.requireNonNull(supplier, "supplier");
			return new Body() {

				@Override
				public long length() {
					return length;
				}

				@Override
				public InputStream open() {
					return supplier.get();
				}
			};
		}

		/** A generated body of {@code length} deterministic bytes (see {@link GeneratedInputStream}). */
		static Body generated(long length) {
			return of(length, () -> new GeneratedInputStream(length));
		}

	}

}
