package dev.fastcgi.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.fastcgi.boot.test.FastCgiTestClient;
import dev.fastcgi.client.CgiHead;
import dev.fastcgi.client.ClientExchange;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.protocol.ProtocolStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application over real FastCGI, with the starter's test client ({@code application.yml} names
 * {@code 127.0.0.1:9000}; in a {@code RANDOM_PORT} test the port is random).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationTests {

	@Autowired
	private FastCgiTestClient client;

	@LocalServerPort
	private int port;

	@Test
	void listensOnARandomPortDespiteTheConfiguredOne() {
		assertThat(this.port).isPositive().isNotEqualTo(9000);
	}

	@Test
	void jsonApi() {
		FastCgiResponse hello = this.client.get("/api/hello?name=FastCGI");
		assertThat(hello.status()).isEqualTo(200);
		assertThat(hello.header("Content-Type")).startsWith("application/json");
		assertThat(hello.bodyAsString()).isEqualTo("{\"message\":\"Hello, FastCGI!\"}");
		assertThat(hello.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
		FastCgiResponse created = this.client.postJson("/api/greetings", "{\"name\":\"nginx\"}");
		assertThat(created.status()).isEqualTo(201);
		assertThat(created.header("Location")).matches(".*/api/greetings/\\d+");
		assertThat(created.bodyAsString()).contains("\"message\":\"Hello, nginx!\"");
	}

	@Test
	void unknownGreetingIsA404JsonError() {
		FastCgiResponse response = this.client.get("/api/greetings/999999", Map.of("Accept", "application/json"));
		assertThat(response.status()).isEqualTo(404);
		assertThat(response.bodyAsString()).contains("\"status\":404");
	}

	@Test
	void errorCaseIsA500JsonErrorWithoutStackTrace() {
		FastCgiResponse response = this.client.get("/api/fail", Map.of("Accept", "application/json"));
		assertThat(response.status()).isEqualTo(500);
		assertThat(response.bodyAsString()).contains("\"status\":500").doesNotContain("IllegalStateException");
	}

	@Test
	void htmlForm() {
		FastCgiResponse form = this.client.get("/form");
		assertThat(form.status()).isEqualTo(200);
		assertThat(form.bodyAsString()).contains("<form method=\"post\"");
		FastCgiResponse posted = this.client.postForm("/form", Map.of("name", "Zoë <admin>", "message", "a&b"));
		assertThat(posted.status()).isEqualTo(200);
		assertThat(posted.bodyAsString()).contains("Zo&euml; &lt;admin&gt;").contains("a&amp;b");
	}

	@Test
	void fileUpload() throws Exception {
		byte[] content = new byte[100_000];
		for (int i = 0; i < content.length; i++) {
			content[i] = (byte) (i * 31);
		}
		String boundary = "sampleBoundary42";
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n"
				+ "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
		body.write(content);
		body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
		FastCgiResponse response = this.client.execute(FastCgiRequest
			.post("/upload", "multipart/form-data; boundary=" + boundary, body.toByteArray())
			.header("Accept", "application/json"));
		assertThat(response.status()).isEqualTo(200);
		String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
		assertThat(response.bodyAsString()).contains("\"name\":\"data.bin\"", "\"size\":100000",
				"\"sha256\":\"" + sha256 + "\"");
	}

	@Test
	void serverSentEventsArriveAsTheyAreSent() throws IOException {
		try (ClientExchange exchange = this.client.open(FastCgiRequest.get("/events?count=3&intervalMillis=50"))) {
			CgiHead head = exchange.readHead();
			assertThat(head.headers().get("Content-Type")).startsWith("text/event-stream");
			String events = new String(exchange.stdout().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(events).contains("id:1", "event:tick", "data:tick 1", "data:tick 3");
		}
	}

	@Test
	void sessionCounterCountsVisitsOfOneSession() {
		FastCgiResponse first = this.client.get("/session/counter");
		String setCookie = first.header("Set-Cookie");
		assertThat(setCookie).startsWith("JSESSIONID=").containsIgnoringCase("HttpOnly");
		String cookie = setCookie.substring(0, setCookie.indexOf(';'));
		FastCgiResponse second = this.client.get("/session/counter", Map.of("Cookie", cookie));
		assertThat(first.bodyAsString()).contains("\"visits\":1");
		assertThat(second.bodyAsString()).contains("\"visits\":2");
	}

	@Test
	void healthIncludesTheFastCgiServer() {
		FastCgiResponse response = this.client.get("/actuator/health");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).contains("\"status\":\"UP\"", "\"fastcgi\":{",
				"\"bindAddress\":\"127.0.0.1:0\"");
	}

	@Test
	void fastcgiEndpointDescribesTheServer() {
		FastCgiResponse response = this.client.get("/actuator/fastcgi");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).contains("\"boundAddress\"", ":" + this.port, "\"accepting\":true",
				"\"maxConnections\":256", "\"threads\":50");
	}

	@Test
	void fastcgiMetricsAreExposed() {
		this.client.get("/api/hello");
		FastCgiResponse response = this.client.get("/actuator/metrics/fastcgi.requests");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).contains("\"name\":\"fastcgi.requests\"", "\"outcome\"");
		assertThat(this.client.get("/actuator/metrics/http.server.requests").status()).isEqualTo(200);
	}

}
