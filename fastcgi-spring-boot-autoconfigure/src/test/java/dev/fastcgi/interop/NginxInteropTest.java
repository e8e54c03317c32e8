package dev.fastcgi.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.fastcgi.client.GeneratedInputStream;
import dev.fastcgi.interop.support.NginxProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpHead;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * nginx (started from a config the test writes, {@code fastcgi_pass} over TCP or a Unix socket) reaches a trivial
 * handler on our engine: exact bytes for GET and POST, large bodies both ways, connection reuse with upstream
 * keepalive, streaming with buffering off, FCGI_STDERR in nginx's error log, error status and HEAD, and a connection
 * per request (no {@code fastcgi_keep_conn}) closed cleanly by the app in every threading mode.
 */
class NginxInteropTest {

	@TempDir
	Path directory;

	private final InteropHandler handler = new InteropHandler();

	private FastCgiServer server;

	private NginxProcess nginx;

	@BeforeEach
	void requireNginx() {
		Peers.require(Peers.NGINX);
	}

	@AfterEach
	void stop() {
		this.handler.releaseStream();
		if (this.nginx != null) {
			this.nginx.stop();
		}
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(5));
		}
	}

	private NginxProcess.Builder nginxOverTcp() throws IOException {
		this.server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.handler);
		this.server.start();
		return NginxProcess.builder(this.directory, "127.0.0.1:" + this.server.port());
	}

	private int start(NginxProcess.Builder builder) {
		this.nginx = builder.start();
		return this.nginx.port();
	}

	@Test
	void get() throws IOException {
		int port = start(nginxOverTcp());
		HttpResponse response = RawHttpClient.get(port, "/hello");
		assertThat(response.status()).as(this.nginx.diagnostics()).isEqualTo(200);
		assertThat(response.header("Content-Type")).isEqualTo("text/plain");
		assertThat(response.header("Content-Length")).isEqualTo("15");
		assertThat(response.bodyAsString()).isEqualTo("Hello, FastCGI\n");
	}

	@Test
	void getWithQueryPassesNginxParams() throws IOException {
		int port = start(nginxOverTcp());
		HttpResponse response = RawHttpClient.request(port, "GET", "/params?a=1&b=%20",
				Map.of("X-Custom", "custom value"), null);
		assertThat(response.bodyAsString()).contains("QUERY_STRING=a=1&b=%20\n", "REQUEST_URI=/params?a=1&b=%20\n",
				"DOCUMENT_URI=/params\n", "HTTP_X_CUSTOM=custom value\n", "REQUEST_METHOD=GET\n",
				"SERVER_PORT=" + port + "\n", "CONTENT_LENGTH=\n");
	}

	@Test
	void postBodyIsEchoed() throws IOException {
		int port = start(nginxOverTcp());
		byte[] body = "name=value&x=%C3%A9".getBytes(StandardCharsets.US_ASCII);
		HttpResponse response = RawHttpClient.request(port, "POST", "/echo",
				Map.of("Content-Type", "application/x-www-form-urlencoded"), body);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("X-Method")).isEqualTo("POST");
		assertThat(response.header("X-Content-Length")).isEqualTo(Integer.toString(body.length));
		assertThat(response.body()).isEqualTo(body);
	}

	@Test
	void largeUploadIsStreamedWithRequestBufferingOff() throws IOException {
		int port = start(nginxOverTcp().requestBuffering(false));
		int length = 10 * 1024 * 1024;
		HttpResponse response = RawHttpClient.request(port, "POST", "/upload",
				Map.of("Content-Type", "application/octet-stream"), new GeneratedInputStream(length).readAllBytes());
		assertThat(response.status()).as(this.nginx.diagnostics()).isEqualTo(200);
		assertThat(response.bodyAsString())
			.isEqualTo(InteropHandler.uploadResult(length, GeneratedInputStream.checksum(length)));
	}

	@Test
	void largeUploadWithRequestBuffering() throws IOException {
		int port = start(nginxOverTcp());
		int length = 10 * 1024 * 1024;
		HttpResponse response = RawHttpClient.request(port, "POST", "/upload",
				Map.of("Content-Type", "application/octet-stream"), new GeneratedInputStream(length).readAllBytes());
		assertThat(response.bodyAsString())
			.isEqualTo(InteropHandler.uploadResult(length, GeneratedInputStream.checksum(length)));
	}

	@Test
	void answerWithoutReadingALargeBodyLeavesKeptConnectionsUsable() throws IOException {
		// nginx stops sending the body once the response headers arrive; the engine must not wait for it
		int port = start(nginxOverTcp().keepConn(true).keepalive(1));
		byte[] body = new GeneratedInputStream(4 * 1024 * 1024).readAllBytes();
		for (int i = 0; i < 3; i++) {
			HttpResponse ignored = RawHttpClient.request(port, "POST", "/hello", Map.of(), body);
			assertThat(ignored.status()).as(this.nginx.diagnostics()).isEqualTo(200);
			assertThat(ignored.bodyAsString()).isEqualTo("Hello, FastCGI\n");
			HttpResponse next = RawHttpClient.get(port, "/hello");
			assertThat(next.status()).isEqualTo(200);
		}
	}

	@Test
	void largeDownload() throws IOException {
		int port = start(nginxOverTcp());
		int length = 10 * 1024 * 1024;
		HttpResponse response = RawHttpClient.get(port, "/big?" + length);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("Content-Length")).isEqualTo(Integer.toString(length));
		assertThat(checksum(new java.io.ByteArrayInputStream(response.body())))
			.isEqualTo(GeneratedInputStream.checksum(length));
	}

	@Test
	void upstreamKeepaliveReusesTheConnection() throws IOException {
		int port = start(nginxOverTcp().keepConn(true));
		Set<String> connections = new HashSet<>();
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			for (int i = 0; i < 5; i++) {
				http.send("GET", "/connection", Map.of(), null);
				HttpResponse response = http.readResponse();
				assertThat(response.status()).isEqualTo(200);
				connections.add(response.bodyAsString());
			}
		}
		for (int i = 0; i < 3; i++) {
			connections.add(RawHttpClient.get(port, "/connection").bodyAsString());
		}
		assertThat(connections).as("connection ids seen").hasSize(1);
	}

	@Test
	void withoutKeepConnEveryRequestHasItsOwnConnection() throws IOException {
		int port = start(nginxOverTcp().keepConn(false));
		Set<String> connections = new HashSet<>();
		for (int i = 0; i < 3; i++) {
			connections.add(RawHttpClient.get(port, "/connection").bodyAsString());
		}
		assertThat(connections).hasSize(3);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "event loop", "a thread per connection", "virtual threads", "multiplexed",
			"event loop, Unix socket", "a thread per connection, Unix socket", "virtual threads, Unix socket" })
	void withoutKeepConnEveryThreadingModeClosesCleanlyAfterEachResponse(String mode) throws IOException {
		Path socket = this.directory.resolve("app.sock");
		boolean unix = mode.endsWith("Unix socket");
		ServerConfig.Builder config = ServerConfig.builder()
			.bindAddress(unix ? new BindAddress.Unix(socket) : new BindAddress.Tcp("127.0.0.1", 0));
		if (mode.startsWith("a thread per connection")) {
			config.eventLoop(false);
		}
		else if (mode.startsWith("virtual threads")) {
			config.virtualThreads(true);
		}
		else if (mode.equals("multiplexed")) {
			config.multiplexed(true);
		}
		this.server = new FastCgiServer(config.build(), this.handler);
		this.server.start();
		String upstream = unix ? "unix:" + socket : "127.0.0.1:" + this.server.port();
		int port = start(NginxProcess.builder(this.directory, upstream).keepConn(false));
		byte[] body = new GeneratedInputStream(4096).readAllBytes();
		Set<String> connections = new HashSet<>();
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			for (int i = 0; i < 40; i++) {
				http.send("POST", "/echo", Map.of(), body);
				HttpResponse echoed = http.readResponse();
				assertThat(echoed.status()).as(this.nginx.diagnostics()).isEqualTo(200);
				assertThat(echoed.body()).isEqualTo(body);
				http.send("GET", "/connection", Map.of(), null);
				connections.add(http.readResponse().bodyAsString());
			}
		}
		// a FastCGI connection per request, each closed by the app after its response without a reset: nginx read
		// every response whole and logged no upstream error
		assertThat(connections).hasSize(40);
		assertThat(this.nginx.errorLog()).doesNotContain("[error]", "[crit]");
		this.nginx.awaitCondition("the app's connections closed", Duration.ofSeconds(5),
				() -> this.server.snapshot().activeConnections() == 0);
	}

	@Test
	void streamingWithBufferingOffDeliversTheFirstEventBeforeTheEnd() throws IOException {
		int port = start(nginxOverTcp().buffering(false));
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			http.send("GET", "/stream", Map.of("Accept", "text/event-stream"), null);
			HttpHead head = http.readHead();
			assertThat(head.header("Content-Type")).isEqualTo("text/event-stream");
			InputStream body = http.body(head);
			assertThat(readUntil(body, "data: one\n\n")).isEqualTo("data: one\n\n");
			this.handler.releaseStream();
			assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("data: two\n\n");
		}
	}

	@Test
	void stderrLandsInNginxErrorLog() throws IOException {
		int port = start(nginxOverTcp());
		HttpResponse response = RawHttpClient.get(port, "/stderr");
		assertThat(response.bodyAsString()).isEqualTo("logged\n");
		this.nginx.awaitCondition("the stderr line in error.log", Duration.ofSeconds(5),
				() -> this.nginx.errorLog().contains(InteropHandler.STDERR_MESSAGE));
		assertThat(this.nginx.errorLog()).contains("FastCGI sent in stderr");
	}

	@Test
	void errorStatusAndHead() throws IOException {
		int port = start(nginxOverTcp());
		HttpResponse notFound = RawHttpClient.get(port, "/missing");
		assertThat(notFound.status()).isEqualTo(404);
		assertThat(notFound.bodyAsString()).isEqualTo("no route for /missing\n");
		HttpResponse head = RawHttpClient.request(port, "HEAD", "/hello", Map.of(), null);
		assertThat(head.status()).isEqualTo(200);
		assertThat(head.header("Content-Length")).isEqualTo("15");
		assertThat(head.body()).isEmpty();
	}

	@Test
	void unixSocket() throws IOException {
		Path socket = this.directory.resolve("app.sock");
		this.server = new FastCgiServer(ServerConfig.builder().bindAddress(new BindAddress.Unix(socket)).build(),
				this.handler);
		this.server.start();
		int port = start(NginxProcess.builder(this.directory, "unix:" + socket).keepConn(true));
		for (int i = 0; i < 3; i++) {
			HttpResponse response = RawHttpClient.get(port, "/hello");
			assertThat(response.status()).as(this.nginx.diagnostics()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("Hello, FastCGI\n");
		}
		byte[] body = new GeneratedInputStream(300_000).readAllBytes();
		HttpResponse echoed = RawHttpClient.request(port, "POST", "/echo", Map.of(), body);
		assertThat(echoed.body()).isEqualTo(body);
	}

	private static long checksum(InputStream in) throws IOException {
		java.util.zip.CRC32 crc = new java.util.zip.CRC32();
		byte[] buffer = new byte[65536];
		int n;
		while ((n = in.read(buffer)) > 0) {
			crc.update(buffer, 0, n);
		}
		return crc.getValue();
	}

	private static String readUntil(InputStream in, String end) throws IOException {
		ByteArrayOutputStream read = new ByteArrayOutputStream();
		while (!read.toString(StandardCharsets.UTF_8).endsWith(end)) {
			int b = in.read();
			if (b < 0) {
				break;
			}
			read.write(b);
		}
		return read.toString(StandardCharsets.UTF_8);
	}

}
