package dev.fastcgi.servlet.modes;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.fastcgi.interop.support.LighttpdProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CGI fallback of {@link ModesAppMain}: launched as a CGI program (GATEWAY_INTERFACE set, stdin not a socket),
 * it serves one request through the servlet container, writes exactly the CGI response to stdout (console logging
 * and {@code System.out} go to stderr) and exits 0; also under lighttpd's mod_cgi.
 */
class CgiModeTests {

	@TempDir
	Path directory;

	@Test
	void getWritesExactlyTheCgiResponse() throws Exception {
		Result result = runCgi(Map.of("REQUEST_METHOD", "GET", "REQUEST_URI", "/role?x=1", "QUERY_STRING", "x=1"),
				new byte[0]);
		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout()).isEqualTo("Status: 200 OK\r\nContent-Type: text/plain;charset=ISO-8859-1\r\n"
				+ "Content-Length: 25\r\n\r\nRESPONDER /role /role?x=1");
		assertThat(result.stderr()).contains("this line goes to stderr, not into the CGI response");
	}

	@Test
	void postReadsTheBodyFromStdin() throws Exception {
		Result result = runCgi(Map.of("REQUEST_METHOD", "POST", "REQUEST_URI", "/echo", "CONTENT_TYPE",
				"text/plain", "CONTENT_LENGTH", "5"), "hello and more".getBytes(StandardCharsets.UTF_8));
		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout()).startsWith("Status: 200 OK\r\n").endsWith("\r\n\r\necho:hello");
	}

	@Test
	void forcedCgiWithoutGatewayInterface() throws Exception {
		Result result = runCgi(Map.of("FCGI_FORCE_CGI", "Y", "REQUEST_URI", "/nowhere"), new byte[0]);
		assertThat(result.exitCode()).isZero();
		assertThat(result.stdout()).startsWith("Status: 404 ");
	}

	@Test
	void underLighttpdModCgi() throws Exception {
		Peers.require(Peers.LIGHTTPD);
		Path script = this.directory.resolve("app.cgi");
		Files.writeString(script, "#!/bin/sh\nexec " + String.join(" ", Peers.javaCommand(ModesAppMain.class)) + "\n");
		Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
		try (LighttpdProcess lighttpd = LighttpdProcess.builder(this.directory)
			.tcp(Peers.freePort())
			.prefix("/unused-fastcgi/")
			.config("server.modules += ( \"mod_cgi\" )")
			.config("cgi.assign = ( \".cgi\" => \"\" )")
			.start()) {
			HttpResponse response = RawHttpClient.get(lighttpd.port(), "/app.cgi/role?y=2");
			assertThat(response.status()).as(lighttpd.diagnostics()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("RESPONDER /app.cgi/role /app.cgi/role?y=2");
			assertThat(response.header("Content-Length")).isEqualTo("41");
		}
	}

	private Result runCgi(Map<String, String> env, byte[] stdin) throws Exception {
		Path in = Files.write(this.directory.resolve("stdin"), stdin);
		Path out = this.directory.resolve("stdout");
		Path err = this.directory.resolve("stderr");
		ProcessBuilder builder = new ProcessBuilder(Peers.javaCommand(ModesAppMain.class))
			.redirectInput(in.toFile())
			.redirectOutput(out.toFile())
			.redirectError(err.toFile());
		builder.environment().keySet().removeIf((name) -> name.startsWith("FCGI_") || name.equals("GATEWAY_INTERFACE"));
		if (!env.containsKey("FCGI_FORCE_CGI")) {
			builder.environment().put("GATEWAY_INTERFACE", "CGI/1.1");
		}
		builder.environment().putAll(env);
		Process process = builder.start();
		try {
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
			return new Result(process.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
					Files.readString(err));
		}
		finally {
			process.destroyForcibly();
		}
	}

	record Result(int exitCode, String stdout, String stderr) {
	}

}
