package dev.fastcgi.sample;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample application behind Apache httpd, lighttpd and HAProxy, each started from its configuration in
 * {@code sample-app/deploy/} with the ports replaced by free ones (skipped when the server is not installed).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleWebServersDeployTests {

	private static final Path DEPLOY = Path.of("deploy").toAbsolutePath();

	@LocalServerPort
	private int port;

	@TempDir
	Path directory;

	private Process server;

	private int httpPort;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@AfterEach
	void stop() throws InterruptedException {
		if (this.server != null) {
			this.server.destroy();
			if (!this.server.waitFor(10, TimeUnit.SECONDS)) {
				this.server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void apache() throws Exception {
		assumeInstalled("/usr/sbin/apache2");
		this.httpPort = freePort();
		String site = Files.readString(DEPLOY.resolve("apache/fastcgi-sample.conf"))
			.replace("<VirtualHost *:8080>", "<VirtualHost 127.0.0.1:" + this.httpPort + ">")
			.replace("fcgi://127.0.0.1:9000/", "fcgi://127.0.0.1:" + this.port + "/");
		Path siteFile = Files.writeString(this.directory.resolve("site.conf"), site);
		String user = "root".equals(System.getProperty("user.name")) ? "User www-data\nGroup www-data\n" : "";
		Path conf = Files.writeString(this.directory.resolve("httpd.conf"), user + """
				ServerRoot /usr/lib/apache2
				ServerName localhost
				DefaultRuntimeDir %1$s
				PidFile %1$s/httpd.pid
				ErrorLog %1$s/error.log
				LogLevel warn
				Mutex file:%1$s default
				LoadModule mpm_event_module modules/mod_mpm_event.so
				LoadModule authz_core_module modules/mod_authz_core.so
				LoadModule proxy_module modules/mod_proxy.so
				LoadModule proxy_fcgi_module modules/mod_proxy_fcgi.so
				Listen 127.0.0.1:%2$d
				Include %3$s
				""".formatted(this.directory, this.httpPort, siteFile));
		start(List.of("/usr/sbin/apache2", "-f", conf.toString(), "-DFOREGROUND"));
		assertServesTheApplication();
	}

	@Test
	void lighttpd() throws Exception {
		assumeInstalled("/usr/sbin/lighttpd");
		this.httpPort = freePort();
		String site = Files.readString(DEPLOY.resolve("lighttpd/fastcgi-sample.conf"))
			.replace("\"port\" => 9000", "\"port\" => " + this.port);
		Path siteFile = Files.writeString(this.directory.resolve("site.conf"), site);
		Path conf = Files.writeString(this.directory.resolve("lighttpd.conf"), """
				server.document-root = "%1$s"
				server.bind = "127.0.0.1"
				server.port = %2$d
				server.errorlog = "%1$s/error.log"
				include "%3$s"
				""".formatted(this.directory, this.httpPort, siteFile));
		start(List.of("/usr/sbin/lighttpd", "-D", "-f", conf.toString()));
		assertServesTheApplication();
	}

	@Test
	void haproxy() throws Exception {
		assumeInstalled("/usr/sbin/haproxy");
		this.httpPort = freePort();
		String cfg = Files.readString(DEPLOY.resolve("haproxy/fastcgi-sample.cfg"))
			.replace("bind :8080", "bind 127.0.0.1:" + this.httpPort)
			.replace("server app1 127.0.0.1:9000", "server app1 127.0.0.1:" + this.port);
		Path conf = Files.writeString(this.directory.resolve("haproxy.cfg"), cfg);
		start(List.of("/usr/sbin/haproxy", "-db", "-f", conf.toString()));
		assertServesTheApplication();
	}

	private void assertServesTheApplication() throws Exception {
		HttpResponse<String> hello = get("/api/hello?name=proxy");
		assertThat(hello.statusCode()).as(this::logs).isEqualTo(200);
		assertThat(hello.body()).isEqualTo("{\"message\":\"Hello, proxy!\"}");
		HttpResponse<String> form = this.http.send(HttpRequest.newBuilder(uri("/form"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("name=Ada&message=hi"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(form.statusCode()).as(this::logs).isEqualTo(200);
		assertThat(form.body()).contains("Thank you, <b>Ada</b>");
		HttpResponse<String> error = get("/api/fail");
		assertThat(error.statusCode()).isEqualTo(500);
		HttpResponse<String> events = get("/events?count=2&intervalMillis=20");
		assertThat(events.statusCode()).isEqualTo(200);
		assertThat(events.body()).contains("data:tick 1", "data:tick 2");
	}

	private void start(List<String> command) throws IOException {
		this.server = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("server.out").toFile())
			.start();
		await().atMost(Duration.ofSeconds(15)).until(() -> accepts(this.httpPort) || !this.server.isAlive());
		assertThat(this.server.isAlive()).as(this::logs).isTrue();
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.httpPort + path);
	}

	private String logs() {
		StringBuilder logs = new StringBuilder();
		for (String file : List.of("server.out", "error.log")) {
			try {
				Path path = this.directory.resolve(file);
				if (Files.exists(path)) {
					logs.append(file).append(":\n").append(Files.readString(path));
				}
			}
			catch (IOException ex) {
				logs.append(ex);
			}
		}
		return logs.toString();
	}

	private static void assumeInstalled(String binary) {
		assumeThat(Files.isExecutable(Path.of(binary))).as(binary + " is installed").isTrue();
	}

	private static boolean accepts(int port) {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
