package dev.fastcgi.server.cgi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CgiRunnerTests {

	private final ByteArrayOutputStream out = new ByteArrayOutputStream();

	private final ByteArrayOutputStream err = new ByteArrayOutputStream();

	@Test
	void servesOneRequestFromEnvironmentAndStdin() {
		Map<String, String> env = Map.of("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "5", "GATEWAY_INTERFACE",
				"CGI/1.1", "APP", "env");
		ByteArrayInputStream in = new ByteArrayInputStream("helloTRAILING".getBytes());
		int status = CgiRunner.run((exchange) -> {
			byte[] body = exchange.stdin().readAllBytes();
			String text = "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n" + new String(body) + " "
					+ exchange.params().get("APP");
			exchange.stdout().write(text.getBytes());
		}, env, Map.of("APP", "environ"), in, this.out, this.err, Duration.ofSeconds(5));
		assertThat(status).isZero();
		assertThat(this.out.toString()).isEqualTo("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello environ");
	}

	@Test
	void handlerFailureGivesStatus500AndExitStatus1() {
		int status = CgiRunner.run((exchange) -> {
			throw new IllegalStateException("boom");
		}, Map.of("REQUEST_METHOD", "GET"), Map.of(), InputStream.nullInputStream(), this.out, this.err, Duration.ofSeconds(5));
		assertThat(status).isEqualTo(1);
		assertThat(this.out.toString(StandardCharsets.ISO_8859_1)).startsWith("Status: 500 Internal Server Error\r\n")
			.doesNotContain("boom");
	}

	@Test
	void deferredCompletionIsAwaited() {
		int status = CgiRunner.run((exchange) -> {
			exchange.deferCompletion();
			Thread t = new Thread(() -> {
				try {
					exchange.stdout().write("Status: 204 No Content\r\n\r\n".getBytes());
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
				exchange.complete(0);
			});
			t.start();
		}, Map.of("REQUEST_METHOD", "GET"), Map.of(), InputStream.nullInputStream(), this.out, this.err, Duration.ofSeconds(5));
		assertThat(status).isZero();
		assertThat(this.out.toString()).isEqualTo("Status: 204 No Content\r\n\r\n");
	}

	@Test
	void brokenStdoutAbortsTheExchange() {
		OutputStream broken = new OutputStream() {
			@Override
			public void write(int b) throws IOException {
				throw new IOException("Broken pipe");
			}
		};
		boolean[] aborted = new boolean[1];
		int status = CgiRunner.run((exchange) -> {
			exchange.onAbort((ex) -> aborted[0] = true);
			exchange.stdout().write(new byte[10_000]);
		}, Map.of("REQUEST_METHOD", "GET"), Map.of(), InputStream.nullInputStream(), broken, this.err, Duration.ofSeconds(5));
		assertThat(aborted[0]).isTrue();
		assertThat(status).isEqualTo(1);
	}

	@Test
	void detection() {
		assertThat(CgiMode.isForced(Map.of("FCGI_FORCE_CGI", "Yes"))).isTrue();
		assertThat(CgiMode.isForced(Map.of("FCGI_FORCE_CGI", "y"))).isTrue();
		assertThat(CgiMode.isForced(Map.of("FCGI_FORCE_CGI", "N"))).isFalse();
		assertThat(CgiMode.isCgi(Map.of(), false)).isFalse();
		assertThat(CgiMode.isCgi(Map.of(), true)).isTrue();
		// under surefire fd 0 is a pipe, not a listening socket
		assertThat(CgiMode.isCgi(Map.of("GATEWAY_INTERFACE", "CGI/1.1"), false)).isTrue();
	}

}
