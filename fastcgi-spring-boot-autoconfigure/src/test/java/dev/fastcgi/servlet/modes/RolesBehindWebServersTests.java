package dev.fastcgi.servlet.modes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.fastcgi.interop.support.LighttpdProcess;
import dev.fastcgi.interop.support.NginxProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The roles end to end through real web servers: lighttpd's {@code "mode" => "authorizer"} protecting static files
 * with the Spring MVC authorizer mapping, and FCGI_STDERR landing in nginx's error log. Each test is skipped only
 * when its web server is not installed.
 */
class RolesBehindWebServersTests {

	@TempDir
	Path directory;

	@Test
	void lighttpdAuthorizerProtectsStaticFiles() throws Exception {
		Peers.require(Peers.LIGHTTPD);
		Path docroot = Files.createDirectories(this.directory.resolve("docroot"));
		Files.writeString(docroot.resolve("secret.txt"), "the static secret\n");
		try (ModesServer app = ModesServer.start("/fastcgi/authorize");
				LighttpdProcess lighttpd = LighttpdProcess.builder(this.directory)
					.tcp(app.port())
					.authorizer(docroot)
					.config("accesslog.format = \"%s %U user=%{USER}e\"")
					.start()) {
			HttpResponse allowed = RawHttpClient.request(lighttpd.port(), "GET", "/secret.txt",
					Map.of("Authorization", ModesTestApp.GOOD_TOKEN), null);
			assertThat(allowed.status()).as(lighttpd.diagnostics()).isEqualTo(200);
			assertThat(allowed.bodyAsString()).isEqualTo("the static secret\n");
			HttpResponse denied = RawHttpClient.get(lighttpd.port(), "/secret.txt?from=test");
			assertThat(denied.status()).isEqualTo(403);
			assertThat(denied.bodyAsString()).isEqualTo("denied GET /secret.txt?from=test role=AUTHORIZER");
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lighttpd.accessLog())
				.contains("200 /secret.txt user=alice")
				.contains("403 /secret.txt user=-"));
		}
	}

	@Test
	void stderrLandsInNginxErrorLog() throws Exception {
		Peers.require(Peers.NGINX);
		try (ModesServer app = ModesServer.start(null);
				NginxProcess nginx = NginxProcess.builder(this.directory, "127.0.0.1:" + app.port()).start()) {
			HttpResponse response = RawHttpClient.get(nginx.port(), "/stderr");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("logged");
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nginx.errorLog())
				.contains("FastCGI sent in stderr: \"modes-test: hello from the application")
				.contains("modes-test: unterminated"));
		}
	}

}
