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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample application behind a real nginx configured with {@code sample-app/deploy/nginx/fastcgi-sample.conf}
 * (its upstream and listen ports replaced by free ones). Skipped when nginx is not installed.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SampleNginxDeployTests {

	private static final Path NGINX = Path.of("/usr/sbin/nginx");

	private static final Path DEPLOY_CONF = Path.of("deploy/nginx/fastcgi-sample.conf");

	@LocalServerPort
	private int port;

	@TempDir
	static Path directory;

	private Process nginx;

	private int httpPort;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@BeforeAll
	void startNginx() throws Exception {
		assumeThat(Files.isExecutable(NGINX)).as("nginx is installed").isTrue();
		this.httpPort = freePort();
		String site = Files.readString(DEPLOY_CONF)
			.replace("server 127.0.0.1:9000;", "server 127.0.0.1:" + this.port + ";")
			.replace("listen 8080;", "listen 127.0.0.1:" + this.httpPort + ";");
		assertThat(site).contains("127.0.0.1:" + this.port).contains("listen 127.0.0.1:" + this.httpPort);
		Files.writeString(directory.resolve("site.conf"), site);
		Files.writeString(directory.resolve("fastcgi_params"), fastcgiParams());
		Path temp = Files.createDirectories(directory.resolve("temp"));
		String root = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
		Files.writeString(directory.resolve("nginx.conf"), root + """
				worker_processes 1;
				daemon off;
				pid %1$s/nginx.pid;
				error_log %1$s/error.log info;
				events { worker_connections 64; }
				http {
				    access_log %1$s/access.log;
				    client_body_temp_path %2$s/body;
				    fastcgi_temp_path %2$s/fastcgi;
				    proxy_temp_path %2$s/proxy;
				    uwsgi_temp_path %2$s/uwsgi;
				    scgi_temp_path %2$s/scgi;
				    include %1$s/site.conf;
				}
				""".formatted(directory, temp));
		List<String> command = new ArrayList<>(List.of(NGINX.toString(), "-p", directory.toString(), "-c",
				directory.resolve("nginx.conf").toString()));
		this.nginx = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(directory.resolve("nginx.out").toFile())
			.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> accepts(this.httpPort) || !this.nginx.isAlive());
		assertThat(this.nginx.isAlive()).as(() -> read("nginx.out") + read("error.log")).isTrue();
	}

	@AfterAll
	void stopNginx() throws InterruptedException {
		if (this.nginx != null) {
			this.nginx.destroy();
			if (!this.nginx.waitFor(10, TimeUnit.SECONDS)) {
				this.nginx.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void jsonThroughNginx() throws Exception {
		HttpResponse<String> response = get("/api/hello?name=nginx");
		assertThat(response.statusCode()).as(() -> read("error.log")).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		assertThat(response.body()).isEqualTo("{\"message\":\"Hello, nginx!\"}");
	}

	@Test
	void formPostThroughNginx() throws Exception {
		HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(uri("/form"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("name=Ada&message=hi"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("Thank you, <b>Ada</b>");
	}

	@Test
	void errorCaseThroughNginx() throws Exception {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(uri("/api/fail")).header("Accept", "application/json").build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(500);
		assertThat(response.body()).contains("\"status\":500");
	}

	@Test
	void sessionCookieThroughNginx() throws Exception {
		HttpResponse<String> first = get("/session/counter");
		String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
		HttpResponse<String> second = this.http.send(
				HttpRequest.newBuilder(uri("/session/counter")).header("Cookie", cookie).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(second.body()).contains("\"visits\":2");
	}

	@Test
	void serverSentEventsThroughNginx() throws Exception {
		HttpResponse<String> response = get("/events?count=3&intervalMillis=20");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("data:tick 1", "data:tick 3");
	}

	@Test
	void healthThroughNginx() throws Exception {
		HttpResponse<String> response = get("/actuator/health");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).containsPattern("\"fastcgi\":\\{\"details\":\\{[^}]*\"activeRequests\":1[^}]*\\},\"status\":\"UP\"");
	}

	@Test
	void keptAliveConnectionsAreReused() throws Exception {
		for (int i = 0; i < 5; i++) {
			assertThat(get("/api/hello").statusCode()).isEqualTo(200);
		}
		HttpResponse<String> endpoint = get("/actuator/fastcgi");
		assertThat(endpoint.body()).contains("\"totalConnections\":");
		long connections = Long.parseLong(endpoint.body().replaceAll(".*\"totalConnections\":(\\d+).*", "$1"));
		long requests = Long.parseLong(endpoint.body().replaceAll(".*\"totalRequests\":(\\d+).*", "$1"));
		assertThat(connections).isLessThan(requests);
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.httpPort + path);
	}

	private String read(String file) {
		try {
			Path path = directory.resolve(file);
			return Files.exists(path) ? Files.readString(path) : "";
		}
		catch (IOException ex) {
			return ex.toString();
		}
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

	private static String fastcgiParams() throws IOException {
		Path stock = Path.of("/etc/nginx/fastcgi_params");
		if (Files.isReadable(stock)) {
			return Files.readString(stock);
		}
		return """
				fastcgi_param  QUERY_STRING       $query_string;
				fastcgi_param  REQUEST_METHOD     $request_method;
				fastcgi_param  CONTENT_TYPE       $content_type;
				fastcgi_param  CONTENT_LENGTH     $content_length;
				fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
				fastcgi_param  REQUEST_URI        $request_uri;
				fastcgi_param  DOCUMENT_URI       $document_uri;
				fastcgi_param  DOCUMENT_ROOT      $document_root;
				fastcgi_param  SERVER_PROTOCOL    $server_protocol;
				fastcgi_param  REQUEST_SCHEME     $scheme;
				fastcgi_param  HTTPS              $https if_not_empty;
				fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;
				fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;
				fastcgi_param  REMOTE_ADDR        $remote_addr;
				fastcgi_param  REMOTE_PORT        $remote_port;
				fastcgi_param  SERVER_ADDR        $server_addr;
				fastcgi_param  SERVER_PORT        $server_port;
				fastcgi_param  SERVER_NAME        $server_name;
				""";
	}

}
