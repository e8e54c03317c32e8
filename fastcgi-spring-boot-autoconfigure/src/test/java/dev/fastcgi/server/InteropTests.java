package dev.fastcgi.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine with real peers: nginx (keep-alive upstream), cgi-fcgi and spawn-fcgi handing over fd 0. Each is
 * started from a config in a temp dir on loopback and stopped by PID; a test is skipped only if its binary is absent.
 */
class InteropTests extends EngineTestSupport {

	private final List<Process> processes = new ArrayList<>();

	@AfterEach
	void stopProcesses() throws InterruptedException {
		for (Process process : this.processes) {
			process.destroy();
			if (!process.waitFor(5, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void nginxWithKeepAliveUpstream() throws Exception {
		Path nginx = Path.of("/usr/sbin/nginx");
		Assumptions.assumeTrue(Files.isExecutable(nginx), "nginx is not installed");
		FastCgiServer server = start(config(), (exchange) -> {
			long length = drain(exchange.stdin());
			exchange.stdout().write(bytes("Status: 201 Created\r\nContent-Type: text/plain\r\nX-Test: yes\r\n\r\n"
					+ exchange.params().get("REQUEST_METHOD") + " " + exchange.params().get("REQUEST_URI") + " "
					+ length));
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
				      fastcgi_param REQUEST_URI $request_uri;
				      fastcgi_keep_conn on;
				      fastcgi_pass app;
				    }
				  }
				}
				""".formatted(dir, server.port(), port));
		Process process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c",
				dir.resolve("nginx.conf").toString(), "-e", dir.resolve("logs/error.log").toString())
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("logs/out.log").toFile())
			.start();
		this.processes.add(process);
		awaitPort(port);
		HttpClient http = HttpClient.newHttpClient();
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> get = http.send(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello?x=" + i)).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(get.statusCode()).isEqualTo(201);
			assertThat(get.headers().firstValue("X-Test")).hasValue("yes");
			assertThat(get.body()).isEqualTo("GET /hello?x=" + i + " 0");
		}
		HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up"))
			.POST(HttpRequest.BodyPublishers.ofByteArray(new byte[300_000]))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(post.body()).isEqualTo("POST /up 300000");
		// nginx kept one upstream connection for all four requests
		assertThat(server.snapshot().totalConnections()).isEqualTo(1);
		assertThat(Files.readString(dir.resolve("logs/error.log"))).doesNotContain("upstream");
	}

	@Test
	void nginxOverAUnixSocketWithoutKeepAlive() throws Exception {
		Path nginx = Path.of("/usr/sbin/nginx");
		Assumptions.assumeTrue(Files.isExecutable(nginx), "nginx is not installed");
		Path socket = this.tempDir.resolve("app.sock");
		FastCgiServer server = start(config().bindAddress(new BindAddress.Unix(socket)), (exchange) -> {
			long length = drain(exchange.stdin());
			exchange.stdout()
				.write(bytes("Content-Type: text/plain\r\n\r\n" + exchange.params().get("REQUEST_METHOD") + " "
						+ length + " keep=" + exchange.keepConnection()));
		});
		int port = freePort();
		Path dir = this.tempDir.resolve("nginx-unix");
		Files.createDirectories(dir.resolve("logs"));
		Files.writeString(dir.resolve("nginx.conf"), """
				daemon off;
				master_process off;
				pid %1$s/nginx.pid;
				error_log %1$s/logs/error.log warn;
				events { worker_connections 64; }
				http {
				  access_log off;
				  client_body_temp_path %1$s/body;
				  client_max_body_size 10m;
				  fastcgi_temp_path %1$s/fastcgi;
				  proxy_temp_path %1$s/proxy;
				  uwsgi_temp_path %1$s/uwsgi;
				  scgi_temp_path %1$s/scgi;
				  server {
				    listen 127.0.0.1:%2$d;
				    location / {
				      include /etc/nginx/fastcgi_params;
				      fastcgi_pass unix:%3$s;
				    }
				  }
				}
				""".formatted(dir, port, socket));
		Process process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c",
				dir.resolve("nginx.conf").toString(), "-e", dir.resolve("logs/error.log").toString())
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("logs/out.log").toFile())
			.start();
		this.processes.add(process);
		awaitPort(port);
		HttpClient http = HttpClient.newHttpClient();
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> post = http.send(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/u"))
						.POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2_000_000]))
						.build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(post.statusCode()).isEqualTo(200);
			assertThat(post.body()).isEqualTo("POST 2000000 keep=false");
		}
		assertThat(server.snapshot().totalConnections()).isEqualTo(3);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
		assertThat(Files.readString(dir.resolve("logs/error.log"))).doesNotContain("upstream");
	}

	@Test
	void cgiFcgiGetsTheExactBytes() throws Exception {
		Path cgiFcgi = Path.of("/usr/bin/cgi-fcgi");
		Assumptions.assumeTrue(Files.isExecutable(cgiFcgi), "cgi-fcgi is not installed");
		FastCgiServer server = start(config(), (exchange) -> exchange.stdout()
			.write(bytes("Content-Type: text/plain\r\n\r\nhello " + exchange.params().get("QUERY_STRING"))));
		ProcessBuilder builder = new ProcessBuilder(cgiFcgi.toString(), "-bind", "-connect",
				"127.0.0.1:" + server.port());
		Map<String, String> env = builder.environment();
		env.put("REQUEST_METHOD", "GET");
		env.put("QUERY_STRING", "a=1");
		env.put("SCRIPT_NAME", "/x");
		Process process = builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
		this.processes.add(process);
		byte[] out = process.getInputStream().readAllBytes();
		assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
		assertThat(new String(out, java.nio.charset.StandardCharsets.ISO_8859_1))
			.isEqualTo("Content-Type: text/plain\r\n\r\nhello a=1");
	}

	@Test
	void spawnFcgiHandsOverTheListenSocketOnFdZero() throws Exception {
		Path spawn = Path.of("/usr/bin/spawn-fcgi");
		Assumptions.assumeTrue(Files.isExecutable(spawn), "spawn-fcgi is not installed");
		int port = freePort();
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process process = new ProcessBuilder(spawn.toString(), "-n", "-a", "127.0.0.1", "-p", Integer.toString(port),
				"--", java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
				InheritedSocketMain.class.getName())
			.redirectErrorStream(true)
			.redirectOutput(this.tempDir.resolve("spawn.log").toFile())
			.start();
		this.processes.add(process);
		awaitPort(port);
		try (RawClient client = RawClient.connect(new java.net.InetSocketAddress("127.0.0.1", port))) {
			client.request(3, true, get("/inherited"), bytes("abc"));
			assertThat(client.response(3).stdout()).isEqualTo(OK_HEAD + "id=3 uri=/inherited length=3");
		}
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
