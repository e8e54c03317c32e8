package dev.fastcgi.interop.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the peer harness itself against php-cgi (a FastCGI application that is not ours): nginx over TCP and a
 * Unix socket, cgi-fcgi, and spawn-fcgi handing php-cgi its socket on fd 0.
 */
class PeerHarnessTests {

	@TempDir
	Path directory;

	private Path script;

	@BeforeEach
	void copyScript() throws IOException {
		this.script = this.directory.resolve("echo.php");
		try (InputStream in = getClass().getResourceAsStream("/php/echo.php")) {
			Files.copy(in, this.script);
		}
	}

	@Test
	void nginxPassesToPhpOverTcpWithKeptConnections() throws IOException {
		try (PhpCgiProcess php = PhpCgiProcess.start(this.directory);
				NginxProcess nginx = NginxProcess.builder(this.directory, "127.0.0.1:" + php.port()).keepConn(true)
					.param("SCRIPT_FILENAME", this.script.toString()).start()) {
			HttpResponse get = RawHttpClient.get(nginx.port(), "/echo.php?a=1");
			assertThat(get.status()).isEqualTo(200);
			assertThat(get.bodyAsString()).contains("method=GET\n", "query=a=1\n");
			HttpResponse post = RawHttpClient.request(nginx.port(), "POST", "/echo.php?echo=1",
					Map.of("Content-Type", "text/plain"), "hello".getBytes(StandardCharsets.UTF_8));
			assertThat(post.bodyAsString()).contains("content_length=5\n").endsWith("hello");
			HttpResponse notFound = RawHttpClient.get(nginx.port(), "/echo.php?status=404");
			assertThat(notFound.status()).isEqualTo(404);
			assertThat(nginx.accessLog()).contains("GET /echo.php?a=1");
		}
	}

	@Test
	void nginxPassesToPhpOverAUnixSocketAndLogsStderr() throws IOException {
		Path socket = this.directory.resolve("php.sock");
		try (PhpCgiProcess php = PhpCgiProcess.startUnix(this.directory, socket);
				NginxProcess nginx = NginxProcess.builder(this.directory, "unix:" + socket)
					.param("SCRIPT_FILENAME", this.script.toString()).buffering(false).start();
				RawHttpClient http = RawHttpClient.connect(nginx.port())) {
			for (int i = 0; i < 2; i++) {
				http.send("GET", "/echo.php?stderr=logged-by-php", Map.of(), null);
				HttpResponse response = http.readResponse();
				assertThat(response.status()).isEqualTo(200);
			}
			assertThat(nginx.errorLog()).contains("FastCGI sent in stderr", "logged-by-php");
		}
	}

	@Test
	void cgiFcgiForwardsOneRequest() {
		try (PhpCgiProcess php = PhpCgiProcess.start(this.directory)) {
			Map<String, String> env = CgiFcgi.environment("POST", "/echo.php?echo=1", 4);
			env.put("SCRIPT_FILENAME", this.script.toString());
			env.put("CONTENT_TYPE", "text/plain");
			CgiFcgi.Result result = CgiFcgi.run(php.port(), env, "body".getBytes(StandardCharsets.UTF_8));
			assertThat(result.exitCode()).isZero();
			assertThat(result.stdoutAsString()).startsWith("X-Powered-By").contains("\r\n\r\nmethod=POST\n")
				.endsWith("body");
		}
	}

	@Test
	void spawnFcgiHandsPhpItsSocket() throws IOException {
		try (SpawnFcgi spawned = SpawnFcgi.builder(this.directory, PhpCgiProcess.command()).start();
				FastCgiClient client = FastCgiClient.create(new java.net.InetSocketAddress("127.0.0.1", spawned.port()))) {
			assertThat(client.execute(FastCgiRequest.get("/echo.php?x=2").param("SCRIPT_FILENAME", this.script.toString()))
				.bodyAsString()).contains("query=x=2\n");
		}
	}

	@Test
	void lighttpdPassesToPhp() throws IOException {
		try (PhpCgiProcess php = PhpCgiProcess.start(this.directory);
				LighttpdProcess lighttpd = LighttpdProcess.builder(this.directory).tcp(php.port()).streaming(true)
					.start()) {
			HttpResponse get = RawHttpClient.get(lighttpd.port(), "/echo.php?a=1");
			assertThat(get.status()).isEqualTo(200);
			assertThat(get.bodyAsString()).contains("method=GET\n", "query=a=1\n");
			HttpResponse post = RawHttpClient.request(lighttpd.port(), "POST", "/echo.php?echo=1",
					Map.of("Content-Type", "text/plain"), "hello".getBytes(StandardCharsets.UTF_8));
			assertThat(post.bodyAsString()).endsWith("hello");
		}
	}

	@Test
	void lighttpdSpawnsPhpWithBinPath() throws IOException {
		Path socket = this.directory.resolve("spawned.sock");
		try (LighttpdProcess lighttpd = LighttpdProcess.builder(this.directory)
			.binPath(String.join(" ", PhpCgiProcess.command()), socket).start()) {
			HttpResponse get = RawHttpClient.get(lighttpd.port(), "/echo.php?spawned=1");
			assertThat(get.bodyAsString()).contains("query=spawned=1\n");
		}
	}

	@Test
	void haproxyPassesToPhp() throws IOException {
		try (PhpCgiProcess php = PhpCgiProcess.start(this.directory);
				HaproxyProcess haproxy = HaproxyProcess.builder(this.directory, "127.0.0.1:" + php.port())
					.getValues(true).fcgiAppDirective("set-param SCRIPT_FILENAME " + this.script).start()) {
			HttpResponse get = RawHttpClient.get(haproxy.port(), "/echo.php?h=1");
			assertThat(get.status()).as(haproxy.output()).isEqualTo(200);
			assertThat(get.bodyAsString()).contains("method=GET\n", "query=h=1\n");
			assertThat(haproxy.statsCsv()).contains("app,app1,");
		}
	}

	@Test
	void apachePassesToPhpOverTcpAndUnixSocket() throws IOException {
		try (PhpCgiProcess php = PhpCgiProcess.start(this.directory);
				ApacheProcess apache = ApacheProcess.builder(this.directory, "127.0.0.1:" + php.port())
					.config("ProxyFCGISetEnvIf \"true\" SCRIPT_FILENAME \"" + this.script + "\"").start()) {
			HttpResponse post = RawHttpClient.request(apache.port(), "POST", "/echo.php?echo=1",
					Map.of("Content-Type", "text/plain"), "apache".getBytes(StandardCharsets.UTF_8));
			assertThat(post.status()).as(apache.diagnostics()).isEqualTo(200);
			assertThat(post.bodyAsString()).contains("method=POST\n").endsWith("apache");
		}
		Path socketDirectory = this.directory.resolve("sockets");
		Files.createDirectories(socketDirectory);
		Path socket = socketDirectory.resolve("php.sock");
		Path apacheDirectory = this.directory.resolve("apache-unix");
		Files.createDirectories(apacheDirectory);
		try (PhpCgiProcess php = PhpCgiProcess.startUnix(this.directory, socket)) {
			Peers.makeAccessible(socket);
			try (ApacheProcess apache = ApacheProcess.builder(apacheDirectory, "unix:" + socket)
				.config("ProxyFCGISetEnvIf \"true\" SCRIPT_FILENAME \"" + this.script + "\"").start()) {
				HttpResponse get = RawHttpClient.get(apache.port(), "/echo.php?u=1");
				assertThat(get.status()).as(apache.diagnostics()).isEqualTo(200);
				assertThat(get.bodyAsString()).contains("query=u=1\n");
			}
		}
	}

	@Test
	void postgresStartsAndAnswers() {
		try (PostgresProcess postgres = PostgresProcess.start(this.directory)) {
			assertThat(postgres.psql("select 40 + 2")).isEqualTo("42");
			assertThat(postgres.jdbcUrl()).endsWith(":" + postgres.port() + "/postgres");
		}
	}

}
