package dev.fastcgi.client;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

import dev.fastcgi.interop.support.PhpCgiProcess;
import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client against a FastCGI server that is not ours: {@code php-cgi -b} (Debian package php-cgi) serving a script
 * that echoes what it received.
 */
class FastCgiClientPhpTests {

	@TempDir
	static Path directory;

	private static PhpCgiProcess php;

	private static Path script;

	@BeforeAll
	static void startPhp() throws IOException {
		script = directory.resolve("echo.php");
		try (InputStream in = FastCgiClientPhpTests.class.getResourceAsStream("/php/echo.php")) {
			Files.copy(in, script);
		}
		php = PhpCgiProcess.start(directory);
	}

	@AfterAll
	static void stopPhp() {
		if (php != null) {
			php.stop();
		}
	}

	private FastCgiRequest php(FastCgiRequest request) {
		return request.param("SCRIPT_FILENAME", script.toString());
	}

	@Test
	void get() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(php(FastCgiRequest.get("/echo.php?a=1&b=two"))
				.header("X-Test", "héllo"));
			assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
			assertThat(response.appStatus()).isZero();
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.header("content-type")).isEqualTo("text/plain; charset=utf-8");
			assertThat(response.headers().getAll("X-Multi")).containsExactly("a", "b");
			assertThat(response.bodyAsString()).contains("method=GET\n", "uri=/echo.php?a=1&b=two\n",
					"query=a=1&b=two\n", "content_length=\n", "body_length=0\n", "x_test=héllo\n");
			assertThat(response.recordCount(RecordType.END_REQUEST)).isOne();
			assertThat(response.records().get(response.records().size() - 1).type())
				.isEqualTo(RecordType.END_REQUEST.code());
		}
	}

	@Test
	void statusHeaderSetsTheStatus() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(php(FastCgiRequest.get("/echo.php?status=404%20Gone")));
			assertThat(response.status()).isEqualTo(404);
			assertThat(response.reason()).isEqualTo("Gone");
		}
	}

	@Test
	void postBodyIsEchoed() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(php(FastCgiRequest.post("/echo.php?echo=1",
					"application/x-www-form-urlencoded", "name=value&x=%20")));
			assertThat(response.bodyAsString()).contains("method=POST\n",
					"content_type=application/x-www-form-urlencoded\n", "content_length=16\n", "body_length=16\n")
				.endsWith("name=value&x=%20");
		}
	}

	@Test
	void bodyLargerThanOneRecordIsStreamedAndEchoed() throws IOException {
		int length = 300_000;
		byte[] body = new byte[length];
		new GeneratedInputStream(length).read(body, 0, length);
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(php(FastCgiRequest.post("/echo.php?echo=1",
					"application/octet-stream", new GeneratedInputStream(length), length)));
			assertThat(response.bodyAsString()).contains("body_length=" + length + "\n",
					"body_md5=" + md5(body) + "\n");
			byte[] echoed = response.body();
			assertThat(java.util.Arrays.copyOfRange(echoed, echoed.length - length, echoed.length)).isEqualTo(body);
			assertThat(response.recordCount(RecordType.STDOUT)).isGreaterThan(2);
		}
	}

	@Test
	void bodyFromSupplierWithoutContentLengthIsNotSentAsLength() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(php(FastCgiRequest.post("/echo.php", "text/plain", 70_000,
					() -> new GeneratedInputStream(70_000))));
			assertThat(response.bodyAsString()).contains("content_length=70000\n", "body_length=70000\n");
		}
	}

	@Test
	void paramsLargerThanOneRecordAreSplitAtPairBoundaries() throws IOException {
		// php parses each PARAMS record on its own, so pairs must not straddle records here
		String big = "p".repeat(40_000) + "ü";
		FastCgiRequest request = php(FastCgiRequest.get("/echo.php"));
		for (int i = 0; i < 5; i++) {
			request = request.param("FILLER_" + i, "f".repeat(30_000));
		}
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(request.param("BIG_PARAM", big));
			byte[] bigBytes = big.getBytes(StandardCharsets.UTF_8);
			assertThat(response.bodyAsString()).contains("big_param_length=" + bigBytes.length + "\n",
					"big_param_md5=" + md5(bigBytes) + "\n");
		}
	}

	@Test
	void largeResponse() throws IOException {
		int length = 1 << 20;
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(php(FastCgiRequest.get("/echo.php?big=" + length)));
			assertThat(response.body()).hasSize(length);
			assertThat(response.bodyAsString()).startsWith("0123456789abcdef0123");
		}
	}

	@Test
	void stderrIsCollected() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			FastCgiResponse response = client.execute(php(FastCgiRequest.get("/echo.php?stderr=oops")));
			assertThat(response.stderr()).contains("oops");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.recordCount(RecordType.STDERR)).isPositive();
		}
	}

	@Test
	void keepConnReusesTheConnection() throws IOException {
		try (FastCgiClient client = FastCgiClient.builder(php.address()).keepConn(true).build()) {
			for (int i = 0; i < 3; i++) {
				FastCgiResponse response = client.execute(php(FastCgiRequest.get("/echo.php?i=" + i)));
				assertThat(response.bodyAsString()).contains("query=i=" + i + "\n");
			}
			assertThat(client.connectionsOpened()).isOne();
		}
	}

	@Test
	void withoutKeepConnEveryRequestHasItsConnection() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(php.address())) {
			client.execute(php(FastCgiRequest.get("/echo.php")));
			client.execute(php(FastCgiRequest.get("/echo.php")));
			assertThat(client.connectionsOpened()).isEqualTo(2);
		}
	}

	@Test
	void getValues() throws IOException {
		try (FastCgiClient client = FastCgiClient.builder(php.address()).keepConn(true).build()) {
			Map<String, String> values = client.getValues(FastCgi.MPXS_CONNS, "NO_SUCH_VARIABLE");
			assertThat(values).containsEntry(FastCgi.MPXS_CONNS, "0").doesNotContainKey("NO_SUCH_VARIABLE");
			// php closes the connection after GET_VALUES: the client notices and reconnects
			FastCgiResponse response = client.execute(php(FastCgiRequest.get("/echo.php")));
			assertThat(response.status()).isEqualTo(200);
		}
	}

	@Test
	void streamingExchangeReadsHeadThenBody() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(php.address());
				ClientExchange exchange = client.open(php(FastCgiRequest.get("/echo.php?big=200000")))) {
			CgiHead head = exchange.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.headers().get("Content-Type")).startsWith("text/plain");
			byte[] body = exchange.stdout().readAllBytes();
			assertThat(body).hasSize(200_000);
			assertThat(exchange.awaitEnd().protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
		}
	}

	@Test
	void sequentialRequestsAfterMultiplexingRefusalStillWork() throws IOException {
		// php does not multiplex: sending two requests at once must not break the client
		try (FastCgiClient client = FastCgiClient.builder(php.address()).keepConn(true).build()) {
			List<FastCgiRequest> one = List.of(php(FastCgiRequest.get("/echo.php?n=1")));
			assertThat(client.executeAll(one).get(0).bodyAsString()).contains("query=n=1\n");
		}
	}

	static String md5(byte[] bytes) {
		try {
			return String.format("%032x", new BigInteger(1, MessageDigest.getInstance("MD5").digest(bytes)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
