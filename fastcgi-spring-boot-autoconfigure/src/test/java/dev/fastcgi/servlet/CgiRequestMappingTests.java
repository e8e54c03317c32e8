package dev.fastcgi.servlet;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.fastcgi.servlet.CgiRequestMapping.CgiRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Table tests of {@link CgiRequestMapping}: the params real web servers send, mapped to the request line.
 */
class CgiRequestMappingTests {

	private static Map<String, String> params(String... pairs) {
		Map<String, String> map = new HashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			map.put(pairs[i], pairs[i + 1]);
		}
		return map;
	}

	static Stream<Arguments> webServers() {
		return Stream.of(
				// nginx fastcgi_params + fastcgi_param HTTPS $https if_not_empty
				Arguments.of("nginx", params("REQUEST_METHOD", "GET", "REQUEST_URI", "/app/items?id=1&x=%20",
						"QUERY_STRING", "id=1&x=%20", "SCRIPT_NAME", "/app/items", "DOCUMENT_URI", "/app/items",
						"SERVER_PROTOCOL", "HTTP/1.1", "REQUEST_SCHEME", "http", "REMOTE_ADDR", "192.0.2.10",
						"REMOTE_PORT", "51234", "SERVER_ADDR", "192.0.2.1", "SERVER_PORT", "80", "SERVER_NAME",
						"example.org", "HTTP_HOST", "example.org"),
						new CgiRequest("GET", "/app/items", "id=1&x=%20", "/app/items", "HTTP/1.1", "http", false,
								"example.org", 80, "192.0.2.10", "192.0.2.10", 51234, "192.0.2.1", "example.org",
								80, null, null)),
				Arguments.of("nginx https http2", params("REQUEST_METHOD", "POST", "REQUEST_URI", "/submit",
						"QUERY_STRING", "", "SERVER_PROTOCOL", "HTTP/2.0", "REQUEST_SCHEME", "https", "HTTPS", "on",
						"REMOTE_ADDR", "2001:db8::1", "REMOTE_PORT", "443", "SERVER_ADDR", "2001:db8::2",
						"SERVER_PORT", "443", "SERVER_NAME", "example.org", "HTTP_HOST", "example.org"),
						new CgiRequest("POST", "/submit", null, "/submit", "HTTP/2.0", "https", true, "example.org",
								443, "2001:db8::1", "2001:db8::1", 443, "2001:db8::2", "example.org", 443, null,
								null)),
				// Apache mod_proxy_fcgi: HTTPS=on, REQUEST_SCHEME, REMOTE_USER from mod_auth_basic
				Arguments.of("apache", params("REQUEST_METHOD", "GET", "REQUEST_URI", "/private/report",
						"SCRIPT_NAME", "/private/report", "SERVER_PROTOCOL", "HTTP/1.1", "REQUEST_SCHEME", "https",
						"HTTPS", "on", "REMOTE_ADDR", "198.51.100.7", "REMOTE_PORT", "60000", "REMOTE_USER", "alice",
						"AUTH_TYPE", "Basic", "SERVER_ADDR", "198.51.100.1", "SERVER_PORT", "8443", "SERVER_NAME",
						"secure.example", "HTTP_HOST", "secure.example:8443"),
						new CgiRequest("GET", "/private/report", null, "/private/report", "HTTP/1.1", "https", true,
								"secure.example", 8443, "198.51.100.7", "198.51.100.7", 60000, "198.51.100.1",
								"secure.example", 8443, "alice", "Basic")),
				// lighttpd: HTTPS=on only when TLS, no REQUEST_SCHEME, REMOTE_HOST absent
				Arguments.of("lighttpd", params("REQUEST_METHOD", "HEAD", "REQUEST_URI", "/a%20b/c?q",
						"SERVER_PROTOCOL", "HTTP/1.0", "REMOTE_ADDR", "10.0.0.5", "REMOTE_PORT", "1234",
						"SERVER_ADDR", "10.0.0.1", "SERVER_PORT", "81", "SERVER_NAME", "lighty"),
						new CgiRequest("HEAD", "/a%20b/c", "q", "/a b/c", "HTTP/1.0", "http", false, "lighty", 81,
								"10.0.0.5", "10.0.0.5", 1234, "10.0.0.1", "lighty", 81, null, null)),
				// HAProxy fcgi-app: sends SCRIPT_NAME/PATH_INFO, HTTPS=1 or absent; no REQUEST_URI when disabled
				Arguments.of("haproxy fallback", params("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/index.php",
						"PATH_INFO", "/x y", "QUERY_STRING", "a=b", "SERVER_PROTOCOL", "HTTP/1.1", "HTTPS", "1",
						"REMOTE_ADDR", "172.16.0.9", "REMOTE_PORT", "40000", "SERVER_PORT", "443", "SERVER_NAME",
						"h.example", "HTTP_HOST", "h.example"),
						new CgiRequest("GET", "/index.php/x%20y", "a=b", "/index.php/x y", "HTTP/1.1", "https", true,
								"h.example", 443, "172.16.0.9", "172.16.0.9", 40000, "127.0.0.1", "h.example", 443,
								null, null)),
				Arguments.of("HTTPS off ignores scheme", params("REQUEST_URI", "/", "HTTPS", "off",
						"REQUEST_SCHEME", "https", "HTTP_HOST", "[::1]:8080"),
						new CgiRequest("GET", "/", null, "/", "HTTP/1.1", "http", false, "[::1]", 8080, "127.0.0.1",
								"127.0.0.1", 40000, "127.0.0.1", "[::1]", 9000, null, null)),
				Arguments.of("HTTP/3 with REMOTE_HOST", params("REQUEST_URI", "/h3", "SERVER_PROTOCOL", "HTTP/3.0",
						"HTTPS", "on", "REMOTE_ADDR", "192.0.2.3", "REMOTE_HOST", "client.example", "HTTP_HOST",
						"h3.example"),
						new CgiRequest("GET", "/h3", null, "/h3", "HTTP/3.0", "https", true, "h3.example", 443,
								"192.0.2.3", "client.example", 0, "127.0.0.1", "h3.example", 9000, null, null)));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("webServers")
	void mapsParamsOfWebServer(String server, Map<String, String> params, CgiRequest expected) {
		CgiRequest actual = CgiRequestMapping.map(params, new InetSocketAddress("127.0.0.1", 40000),
				new InetSocketAddress("127.0.0.1", 9000));
		assertThat(actual).isEqualTo(expected);
	}

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', nullValues = "null", value = {
			"/|/",
			"/a/b|/a/b",
			"/a//b|/a/b",
			"//a///b/|/a/b/",
			"/a/./b|/a/b",
			"/a/b/..|/a/",
			"/a/../b|/b",
			"/a/%2e%2e/b|/b",
			"/a/%2E%2E/%2e/b|/b",
			"/..|null",
			"/a/../..|null",
			"/%2e%2e/etc/passwd|null",
			"/a%2fb|null",
			"/a%2Fb|null",
			"/a%5cb|null",
			"/a%00b|null",
			"/a%zzb|null",
			"/a%|null",
			"/caf%C3%A9|/café",
			"/bad%C3|null",
			"/secure;jsessionid=abc/page|/secure/page",
			"/secure;x=1;y=2/admin;p|/secure/admin",
			"/admin;/..;/public|/public",
			"/a/.;x/../b|/b",
			"relative|null",
			"/%3Bsemi|/;semi" })
	void normalizesPathForMapping(String raw, String expected) {
		assertThat(CgiRequestMapping.normalizePath(raw)).isEqualTo(expected);
	}

	@Test
	void rawUtf8BytesInRequestUriAreDecoded() {
		String latin1 = new String("/caf\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8),
				java.nio.charset.StandardCharsets.ISO_8859_1);
		CgiRequest request = CgiRequestMapping.map(params("REQUEST_URI", latin1), null, null);
		assertThat(request.path()).isEqualTo("/café");
	}

	@Test
	void absoluteFormRequestUriKeepsPathOnly() {
		CgiRequest request = CgiRequestMapping.map(params("REQUEST_URI", "http://h.example:81/p?q=1"), null, null);
		assertThat(request.requestUri()).isEqualTo("/p");
		assertThat(request.queryString()).isEqualTo("q=1");
	}

	@ParameterizedTest
	@CsvSource({ "HTTP_ACCEPT_LANGUAGE,Accept-Language", "HTTP_X_FORWARDED_FOR,X-Forwarded-For",
			"CONTENT_TYPE,Content-Type", "CONTENT_LENGTH,Content-Length", "HTTP_DNT,Dnt" })
	void headerNamesRoundTrip(String param, String header) {
		assertThat(CgiRequestMapping.headerName(param)).isEqualTo(header);
		assertThat(CgiRequestMapping.paramName(header)).isEqualTo(param);
		assertThat(CgiRequestMapping.paramName(header.toLowerCase())).isEqualTo(param);
	}

	@Test
	void paramNamesStayRightPastTheNamesRemembered() {
		for (int round = 0; round < 2; round++) {
			for (int i = 0; i < 600; i++) {
				assertThat(CgiRequestMapping.paramName("X-Custom-" + i)).isEqualTo("HTTP_X_CUSTOM_" + i);
				assertThat(CgiRequestMapping.paramName("x-custom-" + i)).isEqualTo("HTTP_X_CUSTOM_" + i);
			}
		}
		assertThat(CgiRequestMapping.paramName("Content-Type")).isEqualTo("CONTENT_TYPE");
		assertThat(CgiRequestMapping.paramName("accept")).isEqualTo("HTTP_ACCEPT");
	}

	@Test
	void nonHeaderParamsAreNotHeaders() {
		assertThat(CgiRequestMapping.headerName("REMOTE_ADDR")).isNull();
		assertThat(CgiRequestMapping.headerName("HTTPS")).isNull();
		assertThat(CgiRequestMapping.headerName("HTTP_")).isNull();
	}

}
