package dev.fastcgi.servlet;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.fastcgi.server.transport.IpLiterals;
import dev.fastcgi.servlet.CgiRequestMapping.CgiRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Table tests of {@link ForwardedHeaders}: which peers are trusted, how an {@code X-Forwarded-For} chain is walked,
 * and that malformed values are ignored (RemoteIpValve semantics, stricter on malformed input).
 */
class ForwardedHeadersTests {

	private final ForwardedHeaders defaults = ForwardedHeaders.withDefaultTrustedProxies();

	private static Map<String, String> params(String... pairs) {
		Map<String, String> map = new HashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			map.put(pairs[i], pairs[i + 1]);
		}
		return map;
	}

	/** nginx's params for a plain HTTP request from {@code remoteAddr} to localhost:8080. */
	private static Map<String, String> request(String remoteAddr, String... headers) {
		Map<String, String> params = params("REQUEST_METHOD", "GET", "REQUEST_URI", "/app?x=1", "SERVER_PROTOCOL",
				"HTTP/1.1", "REQUEST_SCHEME", "http", "REMOTE_ADDR", remoteAddr, "REMOTE_PORT", "40000",
				"SERVER_ADDR", "127.0.0.1", "SERVER_PORT", "8080", "SERVER_NAME", "localhost", "HTTP_HOST",
				"localhost:8080");
		params.putAll(params(headers));
		return params;
	}

	private CgiRequest apply(ForwardedHeaders forwarded, Map<String, String> params) {
		return forwarded.apply(CgiRequestMapping.map(params, null, null), params);
	}

	@ParameterizedTest(name = "{0} trusted = {1}")
	@CsvSource({ "10.1.2.3, true", "10.255.255.255, true", "11.0.0.1, false", "192.168.0.1, true",
			"192.169.0.1, false", "172.16.0.1, true", "172.31.255.255, true", "172.32.0.1, false",
			"169.254.1.1, true", "100.64.0.1, true", "100.127.255.255, true", "100.128.0.1, false",
			"127.0.0.1, true", "127.1.2.3, true", "203.0.113.9, false", "8.8.8.8, false", "::1, true",
			"[::1], true", "0:0:0:0:0:0:0:1, true", "::2, false", "fe80::1, true", "fe80::1%eth0, true",
			"febf::1, true", "fec0::1, false", "fc00::1, true", "fd12:3456::1, true", "fe00::1, false",
			"2001:db8::1, false", "::ffff:10.0.0.1, true", "::ffff:203.0.113.9, false", "::ffff:a00:1, true",
			"::10.0.0.1, false" })
	void defaultTrustedProxiesAreTomcatsInternalProxies(String address, boolean trusted) {
		assertThat(this.defaults.isTrusted(address)).isEqualTo(trusted);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "localhost", "10.0.0", "10.0.0.1.2", "10.0.0.256", "10.0.0.-1", "10..0.1",
			"1234.0.0.1", "10.0.0.1 ", "10.0.0.1:80", "[10.0.0.1", "::1]", ":::1", "1::2::3", "1:2:3:4:5:6:7:8:9",
			"12345::1", "g::1", "fe80::1%", "::1/128", "unknown", "_hidden", "10.0.0.x", "\u0661\u0660.0.0.1",
			"1:2:3:4:5:6:7:8::", "::10.0.0.1.1", "1.2.3.4::" })
	void malformedAddressesAreNeverTrusted(String address) {
		assertThat(this.defaults.isTrusted(address)).isFalse();
		assertThat(IpLiterals.parse(address)).isNull();
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
			// X-Forwarded-For | expected remote address
			"203.0.113.9 | 203.0.113.9",
			"203.0.113.9, 10.0.0.2 | 203.0.113.9",
			"198.51.100.1, 203.0.113.9, 10.0.0.2, 192.168.1.1 | 203.0.113.9",
			"10.0.0.3, 10.0.0.2 | 10.0.0.3",
			"203.0.113.9,10.0.0.2 | 203.0.113.9",
			"2001:db8::7, fc00::1 | 2001:db8::7",
			"[2001:db8::7] | 2001:db8::7",
			"203.0.113.9:1234, 10.0.0.2:80 | 203.0.113.9",
			"[2001:db8::7]:443 | 2001:db8::7",
			"203.0.113.9:99999 | 10.9.9.9",
			"::ffff:203.0.113.9 | ::ffff:203.0.113.9",
			"garbage | 10.9.9.9",
			"203.0.113.9, garbage | 10.9.9.9",
			"garbage, 203.0.113.9 | 203.0.113.9",
			"203.0.113.9, unknown, 10.0.0.2 | 10.0.0.2",
			"'' | 10.9.9.9",
			"' , ' | 10.9.9.9" })
	void forwardedForIsWalkedRightToLeftSkippingTrustedProxies(String forwardedFor, String expected) {
		CgiRequest line = apply(this.defaults, request("10.9.9.9", "HTTP_X_FORWARDED_FOR", forwardedFor));
		assertThat(line.remoteAddr()).isEqualTo(expected);
		assertThat(line.remoteHost()).isEqualTo(expected);
		assertThat(line.remotePort()).isEqualTo(expected.equals("10.9.9.9") ? 40000 : 0);
	}

	@Test
	void untrustedRemoteAddrIgnoresEveryHeader() {
		Map<String, String> params = request("203.0.113.50", "HTTP_X_FORWARDED_FOR", "198.51.100.1",
				"HTTP_X_FORWARDED_PROTO", "https", "HTTP_X_FORWARDED_HOST", "evil.example", "HTTP_X_FORWARDED_PORT",
				"8443");
		CgiRequest mapped = CgiRequestMapping.map(params, null, null);
		assertThat(this.defaults.apply(mapped, params)).isSameAs(mapped);
		assertThat(mapped.remoteAddr()).isEqualTo("203.0.113.50");
		assertThat(mapped.secure()).isFalse();
		assertThat(mapped.serverName()).isEqualTo("localhost");
	}

	@Test
	void noHeadersKeepsTheLine() {
		Map<String, String> params = request("10.0.0.1");
		CgiRequest mapped = CgiRequestMapping.map(params, null, null);
		assertThat(this.defaults.apply(mapped, params)).isSameAs(mapped);
	}

	@Test
	void emptyTrustListTrustsNobody() {
		ForwardedHeaders nobody = ForwardedHeaders.of(List.of());
		assertThat(nobody.trustsNobody()).isTrue();
		CgiRequest line = apply(nobody, request("127.0.0.1", "HTTP_X_FORWARDED_FOR", "203.0.113.9"));
		assertThat(line.remoteAddr()).isEqualTo("127.0.0.1");
	}

	@Test
	void customTrustListReplacesTheDefaults() {
		ForwardedHeaders custom = ForwardedHeaders.of(List.of("203.0.113.0/24", " 2001:db8::/32 ", ""));
		assertThat(custom.isTrusted("203.0.113.77")).isTrue();
		assertThat(custom.isTrusted("2001:db8:1::1")).isTrue();
		assertThat(custom.isTrusted("10.0.0.1")).isFalse();
		CgiRequest line = apply(custom,
				request("203.0.113.1", "HTTP_X_FORWARDED_FOR", "192.0.2.1, 10.0.0.1, 203.0.113.2"));
		assertThat(line.remoteAddr()).as("10.0.0.1 is not trusted by the custom list").isEqualTo("10.0.0.1");
	}

	@ParameterizedTest
	@CsvSource({ "10.1.2.3, 10.1.2.3, true", "10.1.2.3, 10.1.2.4, false", "10.1.2.0/31, 10.1.2.1, true",
			"10.1.2.0/31, 10.1.2.2, false", "0.0.0.0/0, 203.0.113.9, true", "0.0.0.0/0, 2001:db8::1, false",
			"::/0, 2001:db8::1, true", "::/0, 10.0.0.1, false", "::ffff:10.0.0.0/104, 10.2.3.4, true",
			"::ffff:10.0.0.0/104, 11.2.3.4, false", "2001:db8::/127, 2001:db8::1, true",
			"2001:db8::/127, 2001:db8::2, false", "[::1], ::1, true" })
	void cidrBlocks(String network, String address, boolean trusted) {
		assertThat(ForwardedHeaders.of(List.of(network)).isTrusted(address)).isEqualTo(trusted);
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "localhost",
			"10.0.0.*", "10\\.\\d+\\.\\d+\\.\\d+", "::ffff:10.0.0.0/95", "example.com/24" })
	void invalidTrustedProxiesAreRejectedNamingTheProperty(String entry) {
		assertThatIllegalArgumentException().isThrownBy(() -> ForwardedHeaders.of(List.of(entry)))
			.withMessageContaining("fastcgi.forwarded.trusted-proxies")
			.withMessageContaining(entry);
	}

	@ParameterizedTest(name = "proto={0} port={1}")
	@CsvSource(nullValues = "null", value = { "https, null, https, true, 443", "HTTPS, null, https, true, 443",
			"https, 8443, https, true, 8443", "http, null, http, false, 80", "http, 8080, http, false, 8080",
			"'https, https', null, https, true, 443", "'https, http', null, http, false, 80",
			"https, garbage, https, true, 443", "https, 70000, https, true, 443", "https, 0, https, true, 443",
			"https, '443, 80', https, true, 443", "ftp, 21, http, false, 8080", "'', 21, http, false, 8080",
			"'https, ftp', null, http, false, 8080", "null, 9999, http, false, 8080" })
	void protoSetsSchemeSecureAndPortAsTomcatDoes(String proto, String port, String scheme, boolean secure,
			int serverPort) {
		Map<String, String> params = request("127.0.0.1");
		if (proto != null) {
			params.put("HTTP_X_FORWARDED_PROTO", proto);
		}
		if (port != null) {
			params.put("HTTP_X_FORWARDED_PORT", port);
		}
		CgiRequest line = apply(this.defaults, params);
		assertThat(line.scheme()).isEqualTo(scheme);
		assertThat(line.secure()).isEqualTo(secure);
		assertThat(line.serverPort()).isEqualTo(serverPort);
	}

	@Test
	void plainHttpFromATrustedProxyOverridesHttpsOn() {
		Map<String, String> params = request("10.0.0.1", "HTTPS", "on", "HTTP_X_FORWARDED_PROTO", "http");
		CgiRequest line = apply(this.defaults, params);
		assertThat(line.secure()).isFalse();
		assertThat(line.scheme()).isEqualTo("http");
		assertThat(line.serverPort()).isEqualTo(80);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(nullValues = "null", value = { "app.example, app.example", "app.example:8443, app.example",
			"'app.example, proxy.internal', app.example", "[2001:db8::1], [2001:db8::1]",
			"[2001:db8::1]:8443, [2001:db8::1]", "' app.example ', app.example", "'', localhost",
			"evil.example/path, localhost", "a@b, localhost", "'a b', localhost", "app.example:x, localhost",
			"[::1, localhost", "[zz]:80, localhost", "app.example:, localhost" })
	void forwardedHostSetsTheServerNameAndDropsItsPort(String host, String serverName) {
		CgiRequest line = apply(this.defaults, request("10.0.0.1", "HTTP_X_FORWARDED_HOST", host));
		assertThat(line.serverName()).isEqualTo(serverName);
		assertThat(line.serverPort()).as("the port comes from the Host header, not X-Forwarded-Host").isEqualTo(8080);
	}

	@Test
	void everythingTogetherGivesTheClientsView() {
		Map<String, String> params = request("10.0.0.1", "HTTP_X_FORWARDED_FOR", "203.0.113.9, 10.0.0.7",
				"HTTP_X_FORWARDED_PROTO", "https", "HTTP_X_FORWARDED_HOST", "shop.example", "HTTP_X_FORWARDED_PORT",
				"443");
		CgiRequest line = apply(this.defaults, params);
		assertThat(line).isEqualTo(new CgiRequest("GET", "/app", "x=1", "/app", "HTTP/1.1", "https", true,
				"shop.example", 443, "203.0.113.9", "203.0.113.9", 0, "127.0.0.1", "localhost", 8080, null, null));
	}

	@Test
	void veryLongForwardedForIsBoundedAndNeverFails() {
		StringBuilder chain = new StringBuilder("203.0.113.9");
		for (int i = 0; i < 5000; i++) {
			chain.append(", 10.0.0.").append(i % 250);
		}
		CgiRequest line = apply(this.defaults, request("10.0.0.1", "HTTP_X_FORWARDED_FOR", chain.toString()));
		assertThat(line.remoteAddr()).startsWith("10.0.0.");
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void forwardedHeaderAloneChangesNothingAndIsReportedOnceWhenFromATrustedProxy(CapturedOutput output) {
		Map<String, String> untrusted = request("203.0.113.1", "HTTP_FORWARDED", "for=203.0.113.9;proto=https");
		CgiRequest untrustedLine = CgiRequestMapping.map(untrusted, null, null);
		assertThat(this.defaults.apply(untrustedLine, untrusted)).isSameAs(untrustedLine);
		assertThat(output).doesNotContain("Forwarded");
		Map<String, String> params = request("10.0.0.1", "HTTP_FORWARDED", "for=203.0.113.9;proto=https");
		CgiRequest mapped = CgiRequestMapping.map(params, null, null);
		assertThat(this.defaults.apply(mapped, params)).isSameAs(mapped);
		assertThat(this.defaults.apply(mapped, params)).isSameAs(mapped);
		assertThat(output.toString().split("server.forward-headers-strategy=framework", -1)).hasSize(2);
	}

}
