package dev.fastcgi.servlet;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds nginx-style params for test requests. */
final class TestRequests {

	private final Map<String, String> params = new LinkedHashMap<>();

	private byte[] body = new byte[0];

	private TestRequests(String method, String uri) {
		this.params.put("GATEWAY_INTERFACE", "CGI/1.1");
		this.params.put("REQUEST_METHOD", method);
		this.params.put("REQUEST_URI", uri);
		int q = uri.indexOf('?');
		this.params.put("QUERY_STRING", (q >= 0) ? uri.substring(q + 1) : "");
		this.params.put("DOCUMENT_URI", (q >= 0) ? uri.substring(0, q) : uri);
		this.params.put("SCRIPT_NAME", (q >= 0) ? uri.substring(0, q) : uri);
		this.params.put("SERVER_PROTOCOL", "HTTP/1.1");
		this.params.put("REQUEST_SCHEME", "http");
		this.params.put("REMOTE_ADDR", "192.0.2.10");
		this.params.put("REMOTE_PORT", "51234");
		this.params.put("SERVER_ADDR", "192.0.2.1");
		this.params.put("SERVER_PORT", "8080");
		this.params.put("SERVER_NAME", "localhost");
		this.params.put("CONTENT_TYPE", "");
		this.params.put("CONTENT_LENGTH", "");
		this.params.put("HTTP_HOST", "localhost:8080");
	}

	static TestRequests get(String uri) {
		return new TestRequests("GET", uri);
	}

	static TestRequests request(String method, String uri) {
		return new TestRequests(method, uri);
	}

	TestRequests header(String name, String value) {
		this.params.put(CgiRequestMapping.paramName(name), value);
		return this;
	}

	TestRequests param(String name, String value) {
		this.params.put(name, value);
		return this;
	}

	TestRequests body(String contentType, byte[] body) {
		this.params.put("CONTENT_TYPE", contentType);
		this.params.put("CONTENT_LENGTH", Integer.toString(body.length));
		this.body = body;
		return this;
	}

	TestRequests body(String contentType, String body) {
		return body(contentType, body.getBytes(StandardCharsets.UTF_8));
	}

	Map<String, String> params() {
		return this.params;
	}

	FakeExchange exchange() {
		return new FakeExchange(this.params, this.body);
	}

	/** Runs the request synchronously and returns the parsed response. */
	CgiResponse run(FastCgiServletContainer container) {
		return exchange().run(container).response();
	}

}
