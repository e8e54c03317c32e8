package dev.fastcgi.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.fastcgi.boot.test.FastCgiTestClient;
import dev.fastcgi.client.FastCgiResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Actuator on its own port ({@code management.server.port}), served over FastCGI by a second server.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
class SampleManagementPortTests {

	@Autowired
	private FastCgiTestClient client;

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@Test
	void actuatorIsServedOnTheManagementPortOnly() {
		assertThat(this.managementPort).isPositive().isNotEqualTo(this.port);
		try (FastCgiTestClient management = FastCgiTestClient.forPort(this.managementPort)) {
			FastCgiResponse health = management.get("/actuator/health");
			assertThat(health.status()).isEqualTo(200);
			assertThat(health.bodyAsString()).contains("\"status\":\"UP\"");
		}
		assertThat(this.client.get("/api/hello").status()).isEqualTo(200);
		assertThat(this.client.get("/actuator/health").status()).isEqualTo(404);
	}

}
