package dev.fastcgi.servlet.modes;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AUTHORIZER and FILTER roles and FCGI_STDERR as a Spring MVC application sees them, over real FastCGI records
 * from the project's client.
 */
class RolesOverFastCgiTests {

	private ModesServer server;

	private FastCgiClient client;

	@BeforeEach
	void start() throws Exception {
		this.server = ModesServer.start("/fastcgi/authorize");
		this.client = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", this.server.port())).keepConn(true).build();
	}

	@AfterEach
	void stop() throws Exception {
		this.client.close();
		this.server.close();
	}

	@Test
	void authorizerWithGoodTokenAnswers200WithVariables() throws Exception {
		FastCgiResponse response = this.client.execute(FastCgiRequest.get("/private/report.pdf?x=1")
			.role(Role.AUTHORIZER)
			.header("Authorization", ModesTestApp.GOOD_TOKEN));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("Variable-USER")).isEqualTo("alice");
		assertThat(response.header("Variable-ROLE_SEEN")).isEqualTo("AUTHORIZER");
		assertThat(response.appStatus()).isZero();
	}

	@Test
	void authorizerDenialGoesThroughFiltersAndNamesTheOriginalUri() throws Exception {
		FastCgiResponse response = this.client
			.execute(FastCgiRequest.get("/private/report.pdf?x=1").role(Role.AUTHORIZER));
		assertThat(response.status()).isEqualTo(403);
		assertThat(response.bodyAsString()).isEqualTo("denied GET /private/report.pdf?x=1 role=AUTHORIZER");
		assertThat(response.header("X-Filter")).isEqualTo("audited /fastcgi/authorize");
		assertThat(response.header("Variable-USER")).isNull();
	}

	@Test
	void responderRequestsKeepTheirOwnPathAndRole() throws Exception {
		FastCgiResponse response = this.client.execute(FastCgiRequest.get("/role?q=2"));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("RESPONDER /role /role?q=2");
	}

	@Test
	void authorizerRequestsGoToTheirOwnUriWithoutAnAuthorizerPath() throws Exception {
		try (ModesServer plain = ModesServer.start(null);
				FastCgiClient other = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", plain.port())).build()) {
			FastCgiResponse response = other.execute(FastCgiRequest.get("/role").role(Role.AUTHORIZER));
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("AUTHORIZER /role /role");
		}
	}

	@Test
	void filterRoleReadsBodyThenDataWithLengthAndLastModified() throws Exception {
		FastCgiResponse response = this.client.execute(FastCgiRequest.post("/filter", "text/plain", "the body")
			.role(Role.FILTER)
			.data("file to filter".getBytes(StandardCharsets.UTF_8))
			.param("FCGI_DATA_LAST_MOD", "1700000000"));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString())
			.isEqualTo("role=FILTER body=the body length=14 lastModified=1700000000 data=FILE TO FILTER");
	}

	@Test
	void largeFilterDataStreams() throws Exception {
		byte[] data = "abcdefghij".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
		FastCgiResponse response = this.client
			.execute(FastCgiRequest.post("/filter", "text/plain", "b").role(Role.FILTER).data(data));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).startsWith("role=FILTER body=b length=2000000 lastModified=null data=ABCDEFGHIJ")
			.hasSize("role=FILTER body=b length=2000000 lastModified=null data=".length() + data.length);
	}

	@Test
	void responderHasNoDataStream() throws Exception {
		FastCgiResponse response = this.client.execute(FastCgiRequest.get("/filter/none"));
		assertThat(response.bodyAsString()).isEqualTo("data=null helper=0 length=-1");
	}

	@Test
	void stderrWriterSendsStderrRecords() throws Exception {
		FastCgiResponse response = this.client.execute(FastCgiRequest.get("/stderr"));
		assertThat(response.bodyAsString()).isEqualTo("logged");
		assertThat(response.stderr())
			.isEqualTo("modes-test: hello from the application\nmodes-test: unterminated");
		FastCgiResponse raw = this.client.execute(FastCgiRequest.get("/stderr/raw"));
		assertThat(raw.stderr()).isEqualTo("modes-test: raw bytes\n");
	}

}
