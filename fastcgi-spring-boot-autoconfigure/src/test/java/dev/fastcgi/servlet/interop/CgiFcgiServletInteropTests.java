package dev.fastcgi.servlet.interop;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.fastcgi.client.GeneratedInputStream;
import dev.fastcgi.interop.support.CgiFcgi;
import dev.fastcgi.interop.support.Peers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cgi-fcgi} (libfcgi's CGI-to-FastCGI bridge) in front of the Spring MVC {@link InteropApp}: one request per
 * run, so no keep-alive and no streaming checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CgiFcgiServletInteropTests {

	private static final int TEN_MIB = 10 * 1024 * 1024;

	private Path directory;

	private InteropApp.Running app;

	@BeforeAll
	void start() throws Exception {
		Peers.require(Peers.CGI_FCGI);
		this.directory = Files.createTempDirectory("servlet-cgi-fcgi-");
		this.app = new InteropApp.Running(this.directory.resolve("app.sock"));
	}

	@AfterAll
	void stop() throws IOException {
		if (this.app != null) {
			this.app.close();
		}
		if (this.directory != null) {
			org.springframework.util.FileSystemUtils.deleteRecursively(this.directory);
		}
	}

	@Test
	void getWithQuery() {
		Map<String, String> env = CgiFcgi.environment("GET", "/hello?name=w%C3%B6rld", -1);
		env.put("HTTP_X_CUSTOM", "v");
		CgiFcgi.Result result = CgiFcgi.run(this.app.port(), env, new byte[0]);
		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).startsWith("Status: 200 OK\r\n")
			.endsWith("\r\n\r\nHello, wörld custom=v");
	}

	@Test
	void postForm() {
		byte[] body = "name=value&x=%C3%A9".getBytes(StandardCharsets.US_ASCII);
		Map<String, String> env = CgiFcgi.environment("POST", "/form", body.length);
		env.put("CONTENT_TYPE", "application/x-www-form-urlencoded");
		CgiFcgi.Result result = CgiFcgi.run(this.app.port(), env, body);
		assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).endsWith("\r\n\r\nname=value x=é");
	}

	@Test
	void tenMebibyteUploadAndADownloadWithChecksums() throws IOException {
		long checksum = GeneratedInputStream.checksum(TEN_MIB);
		Map<String, String> env = CgiFcgi.environment("POST", "/upload", TEN_MIB);
		env.put("CONTENT_TYPE", "application/octet-stream");
		CgiFcgi.Result upload = CgiFcgi.run(this.app.port(), env, new GeneratedInputStream(TEN_MIB).readAllBytes());
		assertThat(upload.stdoutAsString()).endsWith("\r\n\r\nlength=" + TEN_MIB + " crc=" + checksum);
		// the download stays within one of cgi-fcgi's 8 KiB reads: cgi-fcgi garbles a record header split across two
		// reads (memcpy(&header + headerLen, ...) advances by whole headers), which under load lost 247 bytes once and
		// changed others once; the 10 MiB download is checked through the five web servers instead
		int size = 7000;
		CgiFcgi.Result download = CgiFcgi.run(this.app.port(), CgiFcgi.environment("GET", "/big?n=" + size, -1),
				new byte[0]);
		byte[] stdout = download.stdout();
		int bodyStart = download.stdoutAsString().indexOf("\r\n\r\n") + 4;
		assertThat(download.stdoutAsString()).startsWith("Status: 200 OK\r\n").contains("Content-Length: " + size);
		assertThat(stdout.length - bodyStart).as("cgi-fcgi exit %d, stderr: %s", download.exitCode(), download.stderr())
			.isEqualTo(size);
		CRC32 crc = new CRC32();
		crc.update(stdout, bodyStart, size);
		assertThat(crc.getValue()).isEqualTo(GeneratedInputStream.checksum(size));
	}

	@Test
	void errorPageAndHead() {
		CgiFcgi.Result missing = CgiFcgi.run(this.app.port(), CgiFcgi.environment("GET", "/missing", -1), new byte[0]);
		assertThat(missing.stdoutAsString()).startsWith("Status: 404 ").endsWith("\r\n\r\nerror page 404 /missing");
		CgiFcgi.Result head = CgiFcgi.run(this.app.port(), CgiFcgi.environment("HEAD", "/hello", -1), new byte[0]);
		assertThat(head.stdoutAsString()).startsWith("Status: 200 OK\r\n").endsWith("\r\n\r\n");
	}

	@Test
	void unixSocket() {
		CgiFcgi.Result result = CgiFcgi.run(this.directory.resolve("app.sock"),
				CgiFcgi.environment("GET", "/hello?name=unix", -1), new byte[0]);
		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdoutAsString()).endsWith("\r\n\r\nHello, unix custom=-");
	}

}
