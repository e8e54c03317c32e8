package dev.fastcgi.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine's limits as a browser sees them through nginx with a keep-alive upstream: a body over
 * fastcgi.max-body-size is a 413, a handler over fastcgi.request-timeout a 504, a big cookie passes the default
 * param limits, and the upstream connection keeps serving. Skipped only if nginx is absent.
 */
class NginxLimitsInteropTests extends EngineTestSupport {

	private Process nginx;

	@AfterEach
	void stopNginx() throws InterruptedException {
		if (this.nginx != null) {
			this.nginx.destroy();
			if (!this.nginx.waitFor(5, TimeUnit.SECONDS)) {
				this.nginx.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void limitsAnsweredThroughNginx() throws Exception {
		Path binary = Path.of("/usr/sbin/nginx");
		Assumptions.assumeTrue(Files.isExecutable(binary), "nginx is not installed");
		CountDownLatch never = new CountDownLatch(1);
		FastCgiServer server = start(config().maxBodySize(100_000).requestTimeout(Duration.ofMillis(500)),
				(exchange) -> {
					if ("/hang".equals(exchange.params().get("DOCUMENT_URI"))) {
						never.await();
					}
					long length = drain(exchange.stdin());
					String cookie = exchange.params().getOrDefault("HTTP_COOKIE", "");
					exchange.stdout()
						.write(bytes(OK_HEAD + exchange.params().get("REQUEST_METHOD") + " " + length + " cookie="
								+ cookie.length()));
				});
		int port = freePort();
		Path dir = this.tempDir.resolve("nginx");
		Files.createDirectories(dir.resolve("logs"));
		Files.writeString(dir.resolve("nginx.conf"), """
				daemon off;
				master_process off;
				pid %1$s/nginx.pid;
				error_log %1$s/logs/error.log warn;
				events { worker_connections 64; }
				http {
				  access_log off;
				  client_max_body_size 10m;
				  large_client_header_buffers 4 64k;
				  client_body_temp_path %1$s/body;
				  fastcgi_temp_path %1$s/fastcgi;
				  proxy_temp_path %1$s/proxy;
				  uwsgi_temp_path %1$s/uwsgi;
				  scgi_temp_path %1$s/scgi;
				  upstream app { server 127.0.0.1:%2$d; keepalive 4; }
				  server {
				    listen 127.0.0.1:%3$d;
				    location / {
				      include /etc/nginx/fastcgi_params;
				      fastcgi_keep_conn on;
				      fastcgi_pass app;
				    }
				  }
				}
				""".formatted(dir, server.port(), port));
		this.nginx = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c",
				dir.resolve("nginx.conf").toString(), "-e", dir.resolve("logs/error.log").toString())
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("logs/out.log").toFile())
			.start();
		awaitPort(port);
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		String base = "http://127.0.0.1:" + port;
		HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
			.POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1_000_000]))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(tooLarge.statusCode()).isEqualTo(413);
		assertThat(tooLarge.body()).isEqualTo("Payload Too Large\n");
		HttpResponse<String> small = http.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
			.POST(HttpRequest.BodyPublishers.ofByteArray(new byte[50_000]))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(small.body()).isEqualTo("POST 50000 cookie=0");
		HttpResponse<String> hang = http.send(HttpRequest.newBuilder(URI.create(base + "/hang")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(hang.statusCode()).isEqualTo(504);
		String cookie = "session=" + "c".repeat(30_000);
		HttpResponse<String> big = http.send(
				HttpRequest.newBuilder(URI.create(base + "/cookie")).header("Cookie", cookie).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(big.body()).isEqualTo("GET 0 cookie=" + cookie.length());
		await().atMost(10, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		String errors = Files.readString(dir.resolve("logs/error.log"));
		assertThat(errors).doesNotContain("upstream prematurely closed").doesNotContain("invalid");
		// nginx sent the whole (buffered) body before reading the 413, so it kept the upstream connection
		assertThat(server.snapshot().totalConnections()).isEqualTo(1);
	}

	private static int freePort() {
		return dev.fastcgi.interop.support.Peers.freePort();
	}

	private static void awaitPort(int port) {
		await().atMost(20, TimeUnit.SECONDS)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> dev.fastcgi.interop.support.ExternalProcess.isPortOpen(port));
	}

}
