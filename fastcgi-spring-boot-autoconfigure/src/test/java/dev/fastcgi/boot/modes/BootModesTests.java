package dev.fastcgi.boot.modes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.interop.support.LighttpdProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;
import dev.fastcgi.interop.support.SpawnFcgi;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ModesBootApplication} as a child process: spawned by spawn-fcgi without a bind address (fd 0 detected),
 * authorizer path, SIGTERM with a request in flight (exit 0); launched as a CGI program (exactly the CGI response on
 * stdout, the logs on stderr, exit 0), directly and under lighttpd mod_cgi.
 */
class BootModesTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	Path directory;

	@Test
	void spawnedOnFdZeroThenSigtermWithARequestInFlight() throws Exception {
		try (SpawnFcgi app = SpawnFcgi.builder(this.directory,
				Peers.javaCommand(ModesBootApplication.class, "--fastcgi.authorizer-path=/fastcgi/authorize",
						"--server.shutdown=graceful"))
			.start()) {
			app.awaitCondition("the application started", WAIT, () -> app.output().contains("Started ModesBootApplication"));
			assertThat(app.output()).contains("fd:0");
			try (FastCgiClient client = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", app.port())).build()) {
				assertThat(client.execute(FastCgiRequest.get("/hello?name=spawned")).bodyAsString())
					.isEqualTo("Hello, spawned from Boot");
				FastCgiResponse denied = client.execute(FastCgiRequest.get("/private/x").role(Role.AUTHORIZER));
				assertThat(denied.status()).isEqualTo(403);
				assertThat(denied.bodyAsString()).isEqualTo("denied /private/x");
				FastCgiResponse allowed = client
					.execute(FastCgiRequest.get("/private/x").role(Role.AUTHORIZER).header("X-Token", "let-me-in"));
				assertThat(allowed.status()).isEqualTo(200);
				assertThat(allowed.header("Variable-USER")).isEqualTo("alice");
				CompletableFuture<FastCgiResponse> slow = CompletableFuture.supplyAsync(() -> {
					try {
						return client.execute(FastCgiRequest.get("/slow?ms=1500"));
					}
					catch (IOException ex) {
						throw new UncheckedIOException(ex);
					}
				});
				app.awaitCondition("the slow request", WAIT, () -> app.output().contains("slow request started"));
				app.signal("TERM");
				FastCgiResponse response = slow.get(30, TimeUnit.SECONDS);
				assertThat(response.status()).isEqualTo(200);
				assertThat(response.bodyAsString()).isEqualTo("slow done after 1500 ms");
				assertThat(app.awaitExit(WAIT)).as(app.output()).isZero();
			}
		}
	}

	@Test
	void cgiModeWritesOnlyTheResponseToStdout() throws Exception {
		Result result = runCgi(Map.of("GATEWAY_INTERFACE", "CGI/1.1", "REQUEST_METHOD", "GET", "REQUEST_URI",
				"/hello?name=cgi", "QUERY_STRING", "name=cgi", "SERVER_NAME", "localhost"), new byte[0]);
		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout()).isEqualTo("Status: 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\n"
				+ "Content-Length: 20\r\n\r\nHello, cgi from Boot");
		assertThat(result.stderr()).contains("Started ModesBootApplication", "a stray System.out line");
	}

	@Test
	void forcedCgiPostReadsStdin() throws Exception {
		Result result = runCgi(Map.of("FCGI_FORCE_CGI", "Y", "REQUEST_METHOD", "POST", "REQUEST_URI", "/echo",
				"CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", "5"), "hello world".getBytes(StandardCharsets.UTF_8));
		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout()).startsWith("Status: 200 OK\r\n").endsWith("\r\n\r\necho:hello");
	}

	@Test
	void underLighttpdModCgi() throws Exception {
		Peers.require(Peers.LIGHTTPD);
		Path script = this.directory.resolve("app.cgi");
		Files.writeString(script,
				"#!/bin/sh\nexec " + String.join(" ", Peers.javaCommand(ModesBootApplication.class)) + "\n");
		Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
		try (LighttpdProcess lighttpd = LighttpdProcess.builder(this.directory)
			.tcp(Peers.freePort())
			.prefix("/unused-fastcgi/")
			.config("server.modules += ( \"mod_cgi\" )")
			.config("cgi.assign = ( \".cgi\" => \"\" )")
			.start()) {
			HttpResponse response = RawHttpClient.get(lighttpd.port(), "/app.cgi/hello?name=lighttpd");
			assertThat(response.status()).as(lighttpd.diagnostics()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("Hello, lighttpd from Boot");
		}
	}

	private Result runCgi(Map<String, String> env, byte[] stdin) throws Exception {
		Path in = Files.write(this.directory.resolve("stdin"), stdin);
		Path out = this.directory.resolve("stdout");
		Path err = this.directory.resolve("stderr");
		List<String> command = Peers.javaCommand(ModesBootApplication.class);
		ProcessBuilder builder = new ProcessBuilder(command).redirectInput(in.toFile())
			.redirectOutput(out.toFile())
			.redirectError(err.toFile());
		builder.environment().keySet().removeIf((name) -> name.startsWith("FCGI_") || name.equals("GATEWAY_INTERFACE"));
		builder.environment().putAll(env);
		Process process = builder.start();
		try {
			assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
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
