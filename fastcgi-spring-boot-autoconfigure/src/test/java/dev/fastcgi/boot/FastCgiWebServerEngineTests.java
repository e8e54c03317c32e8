package dev.fastcgi.boot;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.Shutdown;

import dev.fastcgi.boot.metrics.FastCgiMetrics;
import dev.fastcgi.client.ClientExchange;
import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.FastCgiServletContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;

/**
 * {@link FastCgiWebServer} and {@link FastCgiMetrics} on the real engine, with a stand-in container that answers
 * every request (the servlet container itself is tested elsewhere), driven by the real FastCGI client.
 */
class FastCgiWebServerEngineTests {

	private final FastCgiServletContainer container = mock(FastCgiServletContainer.class);

	private final CountDownLatch entered = new CountDownLatch(1);

	private final CountDownLatch release = new CountDownLatch(1);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, new MockClock());

	private FastCgiWebServer webServer;

	FastCgiWebServerEngineTests() throws Exception {
		ServletContext servletContext = mock(ServletContext.class);
		given(servletContext.getContextPath()).willReturn("");
		given(this.container.getServletContext()).willReturn(servletContext);
		willAnswer((invocation) -> {
			FastCgiExchange exchange = invocation.getArgument(0);
			String uri = exchange.params().getOrDefault("REQUEST_URI", "/");
			if (uri.startsWith("/slow")) {
				this.entered.countDown();
				this.release.await(10, TimeUnit.SECONDS);
			}
			exchange.stdout()
				.write(("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello " + uri)
					.getBytes(StandardCharsets.ISO_8859_1));
			return null;
		}).given(this.container).handle(any());
	}

	@AfterEach
	void destroy() {
		this.release.countDown();
		if (this.webServer != null) {
			this.webServer.destroy();
		}
	}

	private FastCgiWebServer start(Shutdown shutdown) {
		ServerConfig config = ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build();
		this.webServer = new FastCgiWebServer(config, this.container, shutdown);
		FastCgiMetrics metrics = new FastCgiMetrics(this.webServer::activeRequests, this.webServer::activeConnections,
				Tags.empty());
		metrics.bindTo(this.registry);
		this.webServer.start();
		this.webServer.addListener(metrics);
		return this.webServer;
	}

	private FastCgiClient client() {
		return FastCgiClient.create(new InetSocketAddress("127.0.0.1", this.webServer.getPort()));
	}

	@Test
	void servesOnTheEphemeralPortItReports() throws IOException {
		start(Shutdown.IMMEDIATE);
		assertThat(this.webServer.getPort()).isPositive();
		assertThat(this.webServer.isAccepting()).isTrue();
		try (FastCgiClient client = client()) {
			FastCgiResponse response = client.execute(FastCgiRequest.get("/hello"));
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("hello /hello");
		}
	}

	@Test
	void recordCountersMatchTheRecordsExchanged() throws IOException {
		start(Shutdown.IMMEDIATE);
		FastCgiResponse response;
		try (FastCgiClient client = client()) {
			response = client.execute(FastCgiRequest.get("/records"));
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> records(RecordType.END_REQUEST, "out") == 1);
		assertThat(records(RecordType.STDOUT, "out")).isEqualTo(response.recordCount(RecordType.STDOUT));
		assertThat(records(RecordType.STDERR, "out")).isEqualTo(response.recordCount(RecordType.STDERR));
		assertThat(records(RecordType.BEGIN_REQUEST, "in")).isEqualTo(1);
		assertThat(records(RecordType.PARAMS, "in")).isGreaterThanOrEqualTo(2);
		assertThat(records(RecordType.STDIN, "in")).isGreaterThanOrEqualTo(1);
		long recordsOut = response.records().size();
		assertThat(records(RecordType.STDOUT, "out") + records(RecordType.STDERR, "out")
				+ records(RecordType.END_REQUEST, "out")).isEqualTo(recordsOut);
		assertThat(this.registry.get("fastcgi.bytes").tag("direction", "out").counter().count())
			.isGreaterThanOrEqualTo(response.stdout().length);
		assertThat(this.registry.get("fastcgi.bytes").tag("direction", "in").counter().count()).isPositive();
		assertThat(this.registry.get("fastcgi.requests")
			.tags("role", "RESPONDER", "status", "REQUEST_COMPLETE", "outcome", "SUCCESS")
			.timer()
			.count()).isEqualTo(1);
	}

	@Test
	void activeGaugesRiseDuringASlowRequestAndFallAfter() throws Exception {
		start(Shutdown.IMMEDIATE);
		try (FastCgiClient client = client(); ClientExchange exchange = client.open(FastCgiRequest.get("/slow"))) {
			assertThat(this.entered.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(this.registry.get("fastcgi.requests.active").gauge().value()).isEqualTo(1);
			assertThat(this.registry.get("fastcgi.connections.active").gauge().value()).isEqualTo(1);
			this.release.countDown();
			assertThat(exchange.awaitEnd().bodyAsString()).isEqualTo("hello /slow");
		}
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.registry.get("fastcgi.requests.active").gauge().value() == 0
					&& this.registry.get("fastcgi.connections.active").gauge().value() == 0);
	}

	@Test
	void gracefulShutdownWaitsForTheActiveRequest() throws Exception {
		start(Shutdown.GRACEFUL);
		try (FastCgiClient client = client(); ClientExchange exchange = client.open(FastCgiRequest.get("/slow"))) {
			assertThat(this.entered.await(10, TimeUnit.SECONDS)).isTrue();
			AtomicReference<GracefulShutdownResult> result = new AtomicReference<>();
			this.webServer.shutDownGracefully(result::set);
			assertThat(this.webServer.isAccepting()).isFalse();
			assertThat(result).hasValue(null);
			this.release.countDown();
			assertThat(exchange.awaitEnd().bodyAsString()).isEqualTo("hello /slow");
			await().atMost(Duration.ofSeconds(5))
				.untilAtomic(result, org.hamcrest.Matchers.is(GracefulShutdownResult.IDLE));
		}
		this.webServer.stop();
	}

	@Test
	void portInUseIsReportedAsPortInUseException() throws IOException {
		try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			ServerConfig config = ServerConfig.builder()
				.bindAddress(new BindAddress.Tcp("127.0.0.1", taken.getLocalPort()))
				.build();
			this.webServer = new FastCgiWebServer(config, this.container, Shutdown.IMMEDIATE);
			assertThatExceptionOfType(PortInUseException.class).isThrownBy(this.webServer::start)
				.isInstanceOf(FastCgiPortInUseException.class)
				.satisfies((ex) -> assertThat(ex.getPort()).isEqualTo(taken.getLocalPort()));
		}
	}

	@Test
	void canBeStartedAgainAfterStop() throws IOException {
		start(Shutdown.IMMEDIATE);
		this.webServer.stop();
		assertThat(this.webServer.isAccepting()).isFalse();
		this.webServer.start();
		try (FastCgiClient client = client()) {
			assertThat(client.execute(FastCgiRequest.get("/again")).bodyAsString()).isEqualTo("hello /again");
		}
	}

	private double records(RecordType type, String direction) {
		return this.registry.get("fastcgi.records").tags("type", type.name(), "direction", direction).counter().count();
	}

}
