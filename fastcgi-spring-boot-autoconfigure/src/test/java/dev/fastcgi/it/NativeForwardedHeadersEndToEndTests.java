package dev.fastcgi.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.fastcgi.interop.support.NginxProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code server.forward-headers-strategy=native} behind a real nginx: X-Forwarded-* headers are applied when the
 * client nginx saw (REMOTE_ADDR) is a trusted proxy (here 127.0.0.1, in the default trusted networks), and ignored
 * when it is not (a second nginx passes {@code fastcgi_param REMOTE_ADDR 203.0.113.50}, as if a client on the
 * internet had connected to it directly and sent the headers itself).
 */
@SpringBootTest(classes = NativeForwardedHeadersEndToEndTests.ForwardedApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "fastcgi.bind-address=", "server.forward-headers-strategy=native" })
@DirtiesContext
class NativeForwardedHeadersEndToEndTests {

	private static final Map<String, String> FORWARDED = Map.of("X-Forwarded-For", "203.0.113.9, 10.0.0.7",
			"X-Forwarded-Proto", "https", "X-Forwarded-Host", "shop.example");

	@TempDir
	static Path trustedDir;

	@TempDir
	static Path untrustedDir;

	private static NginxProcess trusted;

	private static NginxProcess untrusted;

	@LocalServerPort
	int port;

	@BeforeAll
	static void nginxIsInstalled() {
		assumeTrue(Files.isExecutable(Peers.NGINX), "nginx is not installed");
	}

	@AfterAll
	static void stopNginx() {
		if (trusted != null) {
			trusted.stop();
		}
		if (untrusted != null) {
			untrusted.stop();
		}
		trusted = null;
		untrusted = null;
	}

	private NginxProcess trusted() {
		if (trusted == null) {
			trusted = NginxProcess.builder(trustedDir, "127.0.0.1:" + this.port).start();
		}
		return trusted;
	}

	private NginxProcess untrusted() {
		if (untrusted == null) {
			untrusted = NginxProcess.builder(untrustedDir, "127.0.0.1:" + this.port)
				.param("REMOTE_ADDR", "203.0.113.50")
				.start();
		}
		return untrusted;
	}

	@Test
	void trustedHopsHeadersGiveTheClientsView() throws Exception {
		HttpResponse response = RawHttpClient.request(trusted().port(), "GET", "/whoami?x=1", FORWARDED, null);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("203.0.113.9 https true shop.example 443 https://shop.example/whoami");
	}

	@Test
	void forwardedPortAndPlainProtoFromATrustedHop() throws Exception {
		HttpResponse response = RawHttpClient.request(trusted().port(), "GET", "/whoami",
				Map.of("X-Forwarded-Proto", "http", "X-Forwarded-Port", "8081"), null);
		assertThat(response.bodyAsString())
			.isEqualTo("127.0.0.1 http false 127.0.0.1 8081 http://127.0.0.1:8081/whoami");
	}

	@Test
	void untrustedRemoteAddrHeadersAreIgnored() throws Exception {
		NginxProcess nginx = untrusted();
		HttpResponse response = RawHttpClient.request(nginx.port(), "GET", "/whoami", FORWARDED, null);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("203.0.113.50 http false 127.0.0.1 " + nginx.port()
				+ " http://127.0.0.1:" + nginx.port() + "/whoami");
	}

	@Test
	void malformedHeadersFromATrustedHopAreIgnoredNotFailed() throws Exception {
		NginxProcess nginx = trusted();
		HttpResponse response = RawHttpClient.request(nginx.port(), "GET", "/whoami",
				Map.of("X-Forwarded-For", "not-an-ip", "X-Forwarded-Proto", "gopher", "X-Forwarded-Host",
						"evil.example/x", "X-Forwarded-Port", "99999"),
				null);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("127.0.0.1 http false 127.0.0.1 " + nginx.port()
				+ " http://127.0.0.1:" + nginx.port() + "/whoami");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(WhoAmI.class)
	static class ForwardedApplication {

	}

	@RestController
	static class WhoAmI {

		@GetMapping("/whoami")
		String whoami(HttpServletRequest request) {
			return request.getRemoteAddr() + " " + request.getScheme() + " " + request.isSecure() + " "
					+ request.getServerName() + " " + request.getServerPort() + " " + request.getRequestURL();
		}

	}

}
