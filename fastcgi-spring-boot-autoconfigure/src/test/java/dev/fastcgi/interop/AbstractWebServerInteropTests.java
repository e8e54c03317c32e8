package dev.fastcgi.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.fastcgi.client.GeneratedInputStream;
import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpHead;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checks every web server in front of the engine must pass, with {@link InteropHandler} as the application:
 * GET with a query, POST form echo, 10 MiB upload and download with checksums, streaming (first event before the
 * end), connection reuse where the server keeps connections, an error page, HEAD, and a Unix socket where the
 * server supports one. A subclass starts its web server in front of a given FastCGI address.
 */
abstract class AbstractWebServerInteropTests {

	@TempDir
	Path directory;

	protected final InteropHandler handler = new InteropHandler();

	private FastCgiServer server;

	private ExternalProcess webServer;

	private int port;

	/** Skips the tests when the web server is not installed. */
	protected abstract void requireWebServer();

	/**
	 * Starts the web server passing to the application at {@code upstream} ({@code host:port} or a Unix socket path),
	 * with response streaming on when asked, and returns it; {@link #port(ExternalProcess)} gives its HTTP port.
	 */
	protected abstract ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket,
			boolean streaming);

	/** The HTTP port of the started web server. */
	protected abstract int port(ExternalProcess webServer);

	/** Whether the web server keeps FastCGI connections open (sets FCGI_KEEP_CONN) as configured here. */
	protected abstract boolean keepsConnections();

	/** Whether the web server can pass to a Unix domain socket. */
	protected boolean supportsUnixSocket() {
		return true;
	}

	/** The web server's error log, where FCGI_STDERR should land. */
	protected abstract String errorLog(ExternalProcess webServer);

	@AfterEach
	void stopAll() {
		this.handler.releaseStream();
		if (this.webServer != null) {
			this.webServer.stop();
		}
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(5));
		}
	}

	private int start(boolean streaming) throws IOException {
		requireWebServer();
		this.server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.handler);
		this.server.start();
		return startFrontOf("127.0.0.1:" + this.server.port(), false, streaming);
	}

	private int startFrontOf(String upstream, boolean unixSocket, boolean streaming) {
		this.webServer = startWebServer(this.directory, upstream, unixSocket, streaming);
		this.port = port(this.webServer);
		return this.port;
	}

	@Test
	void getWithQuery() throws IOException {
		int port = start(false);
		HttpResponse hello = RawHttpClient.get(port, "/hello");
		assertThat(hello.status()).as(this.webServer.diagnostics()).isEqualTo(200);
		assertThat(hello.header("Content-Type")).isEqualTo("text/plain");
		assertThat(hello.bodyAsString()).isEqualTo("Hello, FastCGI\n");
		HttpResponse params = RawHttpClient.request(port, "GET", "/params?a=1&b=%20", Map.of("X-Custom", "v"), null);
		assertThat(params.bodyAsString()).contains("QUERY_STRING=a=1&b=%20\n", "REQUEST_METHOD=GET\n",
				"HTTP_X_CUSTOM=v\n");
	}

	@Test
	void postFormIsEchoed() throws IOException {
		int port = start(false);
		byte[] body = "name=value&x=%C3%A9".getBytes(StandardCharsets.US_ASCII);
		HttpResponse response = RawHttpClient.request(port, "POST", "/echo",
				Map.of("Content-Type", "application/x-www-form-urlencoded"), body);
		assertThat(response.status()).as(this.webServer.diagnostics()).isEqualTo(200);
		assertThat(response.header("X-Method")).isEqualTo("POST");
		assertThat(response.body()).isEqualTo(body);
	}

	@Test
	void tenMebibyteUploadAndDownloadWithChecksums() throws IOException {
		int port = start(false);
		int length = 10 * 1024 * 1024;
		long checksum = GeneratedInputStream.checksum(length);
		HttpResponse upload = RawHttpClient.request(port, "POST", "/upload",
				Map.of("Content-Type", "application/octet-stream"), new GeneratedInputStream(length).readAllBytes());
		assertThat(upload.status()).as(this.webServer.diagnostics()).isEqualTo(200);
		assertThat(upload.bodyAsString()).isEqualTo(InteropHandler.uploadResult(length, checksum));
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			http.send("GET", "/big?" + length, Map.of("Connection", "close"), null);
			HttpHead head = http.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(checksum(http.body(head))).isEqualTo(checksum);
		}
	}

	@Test
	void streamingDeliversTheFirstEventBeforeTheEnd() throws IOException {
		int port = start(true);
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			http.send("GET", "/stream", Map.of("Accept", "text/event-stream"), null);
			HttpHead head = http.readHead();
			assertThat(head.status()).as(this.webServer.diagnostics()).isEqualTo(200);
			assertThat(head.header("Content-Type")).startsWith("text/event-stream");
			InputStream body = http.body(head);
			assertThat(readUntil(body, "data: one\n\n")).isEqualTo("data: one\n\n");
			this.handler.releaseStream();
			assertThat(readUntil(body, "data: two\n\n")).isEqualTo("data: two\n\n");
		}
	}

	@Test
	void keptConnectionsAreReused() throws IOException {
		Assumptions.assumeTrue(keepsConnections(), "this web server opens one FastCGI connection per request");
		int port = start(false);
		Set<String> connections = new HashSet<>();
		int requests = 6;
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			for (int i = 0; i < requests; i++) {
				http.send("GET", "/connection", Map.of(), null);
				HttpResponse response = http.readResponse();
				assertThat(response.status()).as(this.webServer.diagnostics()).isEqualTo(200);
				connections.add(response.bodyAsString());
			}
		}
		assertThat(connections.size()).as("connections for %d requests: %s", requests, connections)
			.isLessThan(requests / 2);
	}

	@Test
	void errorPageAndHead() throws IOException {
		int port = start(false);
		HttpResponse notFound = RawHttpClient.get(port, "/missing");
		assertThat(notFound.status()).as(this.webServer.diagnostics()).isEqualTo(404);
		assertThat(notFound.bodyAsString()).isEqualTo("no route for /missing\n");
		HttpResponse head = RawHttpClient.request(port, "HEAD", "/hello", Map.of(), null);
		assertThat(head.status()).isEqualTo(200);
		assertThat(head.body()).isEmpty();
	}

	@Test
	void stderrLandsInTheErrorLog() throws IOException {
		int port = start(false);
		assertThat(RawHttpClient.get(port, "/stderr").bodyAsString()).isEqualTo("logged\n");
		this.webServer.awaitCondition("the FCGI_STDERR line in the error log", Duration.ofSeconds(5),
				() -> errorLog(this.webServer).contains(InteropHandler.STDERR_MESSAGE));
	}

	@Test
	void unixSocket() throws IOException {
		Assumptions.assumeTrue(supportsUnixSocket(), "no Unix socket support");
		requireWebServer();
		Path sockets = Files.createDirectories(this.directory.resolve("sockets"));
		Path socket = sockets.resolve("app.sock");
		this.server = new FastCgiServer(ServerConfig.builder().bindAddress(new BindAddress.Unix(socket))
			.unixSocketPermissions("rw-rw-rw-").build(), this.handler);
		this.server.start();
		int port = startFrontOf(socket.toString(), true, false);
		for (int i = 0; i < 2; i++) {
			HttpResponse response = RawHttpClient.get(port, "/hello");
			assertThat(response.status()).as(this.webServer.diagnostics()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("Hello, FastCGI\n");
		}
		byte[] body = new GeneratedInputStream(300_000).readAllBytes();
		assertThat(RawHttpClient.request(port, "POST", "/echo", Map.of(), body).body()).isEqualTo(body);
	}

	static long checksum(InputStream in) throws IOException {
		java.util.zip.CRC32 crc = new java.util.zip.CRC32();
		byte[] buffer = new byte[65536];
		int n;
		while ((n = in.read(buffer)) > 0) {
			crc.update(buffer, 0, n);
		}
		return crc.getValue();
	}

	static String readUntil(InputStream in, String end) throws IOException {
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
