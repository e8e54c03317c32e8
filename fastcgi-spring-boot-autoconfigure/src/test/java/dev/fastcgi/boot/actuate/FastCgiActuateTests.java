package dev.fastcgi.boot.actuate;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.fastcgi.boot.FastCgiWebServer;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerSnapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link FastCgiHealthIndicator} and {@link FastCgiEndpoint} against a mocked web server.
 */
class FastCgiActuateTests {

	private final FastCgiWebServer webServer = mock(FastCgiWebServer.class);

	private final ServerConfig config = ServerConfig.builder()
		.bindAddress(new BindAddress.Tcp("127.0.0.1", 9000))
		.maxConnections(7)
		.build();

	FastCgiActuateTests() {
		given(this.webServer.getConfig()).willReturn(this.config);
		given(this.webServer.activeConnections()).willReturn(2);
		given(this.webServer.activeRequests()).willReturn(1);
	}

	@Test
	void upWhileAccepting() {
		given(this.webServer.isAccepting()).willReturn(true);
		Health health = new FastCgiHealthIndicator(() -> this.webServer).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("bindAddress", "127.0.0.1:9000")
			.containsEntry("activeConnections", 2)
			.containsEntry("activeRequests", 1);
	}

	@Test
	void downWhenStartedButNotAccepting() {
		given(this.webServer.isStarted()).willReturn(true);
		Health health = new FastCgiHealthIndicator(() -> this.webServer).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails().get("reason").toString()).contains("not accepting");
	}

	@Test
	void downWhenStopped() {
		Health health = new FastCgiHealthIndicator(() -> this.webServer).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("reason", "not started");
	}

	@Test
	void unknownWithoutFastCgiServer() {
		assertThat(new FastCgiHealthIndicator(() -> null).health().getStatus()).isEqualTo(Status.UNKNOWN);
	}

	@Test
	void endpointDescribesTheServer() {
		FastCgiServer server = mock(FastCgiServer.class);
		given(this.webServer.getServer()).willReturn(server);
		ServerSnapshot.ConnectionSnapshot connection = new ServerSnapshot.ConnectionSnapshot(3, "127.0.0.1:5000",
				1000, 1, 4);
		given(server.snapshot()).willReturn(
				new ServerSnapshot("127.0.0.1:0", "127.0.0.1:45678", true, 1, 1, 10, 40, List.of(connection)));
		FastCgiEndpoint.FastCgiDescriptor descriptor = new FastCgiEndpoint(() -> this.webServer).fastcgi();
		assertThat(descriptor).isNotNull();
		assertThat(descriptor.boundAddress()).isEqualTo("127.0.0.1:45678");
		assertThat(descriptor.accepting()).isTrue();
		assertThat(descriptor.mode().description()).isEqualTo("tcp, not multiplexed, 200 threads, event loops");
		assertThat(descriptor.roles()).containsExactly("RESPONDER", "AUTHORIZER", "FILTER");
		assertThat(descriptor.limits().maxConnections()).isEqualTo(7);
		assertThat(descriptor.limits().maxWrite()).isEqualTo(ServerConfig.DEFAULT_MAX_WRITE);
		assertThat(descriptor.totalRequests()).isEqualTo(40);
		assertThat(descriptor.connections()).containsExactly(connection);
	}

	@Test
	void endpointIsEmptyWithoutFastCgiServer() {
		assertThat(new FastCgiEndpoint(() -> null).fastcgi()).isNull();
	}

}
