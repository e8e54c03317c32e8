package dev.fastcgi.servlet.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.zip.CRC32;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.fastcgi.client.GeneratedInputStream;
import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpHead;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The interop matrix for one web server in front of the Spring MVC {@link InteropApp}: GET with a query, POST form,
 * 10 MiB upload and download with checksums, SSE (first event before the end), keep-alive connection reuse, an error
 * page, HEAD, and the Unix socket. A subclass starts its web server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractServletInteropTests {

	private static final int TEN_MIB = 10 * 1024 * 1024;

	private Path directory;

	private InteropApp.Running app;

	private ExternalProcess webServer;

	private int testNumber;

	/** Skips the tests when the web server is not installed. */
	protected abstract void requireWebServer();

	/**
	 * Starts the web server in {@code directory} passing to {@code upstream}: {@code 127.0.0.1:port}, or a Unix
	 * socket path when {@code unixSocket}; with response buffering off when {@code streaming}.
	 */
	protected abstract ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket,
			boolean streaming);

	protected abstract int port(ExternalProcess webServer);

	/** Whether the web server keeps FastCGI connections open as configured. */
	protected abstract boolean keepsConnections();

	@BeforeAll
	void startApplication() throws Exception {
		requireWebServer();
		this.directory = Files.createTempDirectory("servlet-interop-");
		dev.fastcgi.interop.support.Peers.makeAccessible(this.directory);
		this.app = new InteropApp.Running(this.directory.resolve("app.sock"));
	}

	@AfterAll
	void stopApplication() throws IOException {
		if (this.app != null) {
			this.app.close();
		}
		if (this.directory != null) {
			org.springframework.util.FileSystemUtils.deleteRecursively(this.directory);
		}
	}

	@AfterEach
	void stopWebServer() {
		InteropApp.sseRelease.countDown();
		if (this.webServer != null) {
			this.webServer.stop();
			this.webServer = null;
		}
	}

	private int start(boolean unixSocket, boolean streaming) throws IOException {
		Path serverDirectory = Files.createDirectories(this.directory.resolve("server-" + (++this.testNumber)));
		String upstream = unixSocket ? this.directory.resolve("app.sock").toString() : "127.0.0.1:" + this.app.port();
		this.webServer = startWebServer(serverDirectory, upstream, unixSocket, streaming);
		return port(this.webServer);
	}

	@Test
	void getWithQuery() throws IOException {
		int port = start(false, false);
		HttpResponse response = RawHttpClient.request(port, "GET", "/hello?name=w%C3%B6rld", Map.of("X-Custom", "v"),
				null);
		assertThat(response.status()).as(this.webServer.diagnostics()).isEqualTo(200);
		assertThat(response.header("Content-Type")).startsWith("text/plain");
		assertThat(response.bodyAsString()).isEqualTo("Hello, wörld custom=v");
	}

	@Test
	void postForm() throws IOException {
		int port = start(false, false);
		HttpResponse response = RawHttpClient.request(port, "POST", "/form",
				Map.of("Content-Type", "application/x-www-form-urlencoded"),
				"name=value&x=%C3%A9".getBytes(StandardCharsets.US_ASCII));
		assertThat(response.status()).as(this.webServer.diagnostics()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("name=value x=é");
	}

	@Test
	void tenMebibyteUploadAndDownloadWithChecksums() throws IOException {
		int port = start(false, false);
		long checksum = GeneratedInputStream.checksum(TEN_MIB);
		HttpResponse upload = RawHttpClient.request(port, "POST", "/upload",
				Map.of("Content-Type", "application/octet-stream"), new GeneratedInputStream(TEN_MIB).readAllBytes());
		assertThat(upload.status()).as(this.webServer.diagnostics()).isEqualTo(200);
		assertThat(upload.bodyAsString()).isEqualTo("length=" + TEN_MIB + " crc=" + checksum);
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			http.send("GET", "/big?n=" + TEN_MIB, Map.of("Connection", "close"), null);
			HttpHead head = http.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(checksum(http.body(head))).isEqualTo(checksum);
		}
	}

	@Test
	void sseFirstEventArrivesBeforeTheEnd() throws IOException {
		InteropApp.sseRelease = new CountDownLatch(1);
		int port = start(false, true);
		try (RawHttpClient http = RawHttpClient.connect(port)) {
			http.send("GET", "/sse", Map.of("Accept", "text/event-stream"), null);
			HttpHead head = http.readHead();
			assertThat(head.status()).as(this.webServer.diagnostics()).isEqualTo(200);
			assertThat(head.header("Content-Type")).startsWith("text/event-stream");
			InputStream body = http.body(head);
			assertThat(readUntil(body, "data:one\n\n")).endsWith("data:one\n\n");
			InteropApp.sseRelease.countDown();
			assertThat(readUntil(body, "data:two\n\n")).endsWith("data:two\n\n");
		}
	}

	@Test
	void keepAliveReusesConnections() throws IOException {
		Assumptions.assumeTrue(keepsConnections(), "this web server opens one FastCGI connection per request");
		int port = start(false, false);
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
	void errorPage() throws IOException {
		int port = start(false, false);
		HttpResponse response = RawHttpClient.get(port, "/missing");
		assertThat(response.status()).as(this.webServer.diagnostics()).isEqualTo(404);
		assertThat(response.bodyAsString()).isEqualTo("error page 404 /missing");
	}

	@Test
	void head() throws IOException {
		int port = start(false, false);
		HttpResponse get = RawHttpClient.get(port, "/hello");
		HttpResponse head = RawHttpClient.request(port, "HEAD", "/hello", Map.of(), null);
		assertThat(head.status()).as(this.webServer.diagnostics()).isEqualTo(200);
		assertThat(head.body()).isEmpty();
		assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
	}

	@Test
	void unixSocket() throws IOException {
		int port = start(true, false);
		for (int i = 0; i < 2; i++) {
			HttpResponse response = RawHttpClient.get(port, "/hello?name=unix");
			assertThat(response.status()).as(this.webServer.diagnostics()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("Hello, unix custom=-");
		}
		byte[] body = new GeneratedInputStream(300_000).readAllBytes();
		HttpResponse upload = RawHttpClient.request(port, "POST", "/upload", Map.of(), body);
		assertThat(upload.bodyAsString())
			.isEqualTo("length=300000 crc=" + GeneratedInputStream.checksum(300_000));
	}

	private static long checksum(InputStream in) throws IOException {
		CRC32 crc = new CRC32();
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
