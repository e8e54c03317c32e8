package dev.fastcgi.boot.autoconfigure;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.fastcgi.boot.FastCgiWebServer;
import dev.fastcgi.boot.autoconfigure.metrics.FastCgiMetricsAutoConfiguration;
import dev.fastcgi.client.ClientExchange;
import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.protocol.RecordType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The auto-configured FastCGI server for real: a servlet web server application context on port 0, Spring MVC,
 * metrics, requests sent with {@link FastCgiClient}.
 */
class FastCgiServletWebServerIntegrationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner(
			AnnotationConfigServletWebServerApplicationContext::new)
		.withConfiguration(AutoConfigurations.of(FastCgiServletWebServerAutoConfiguration.class,
				DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class,
				FastCgiMetricsAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withUserConfiguration(TestController.class)
		.withPropertyValues("server.port=0");

	@Test
	void servesSpringMvcOnARandomPort() {
		this.contextRunner.run((context) -> {
			int port = port(context);
			assertThat(port).isPositive();
			FastCgiResponse response = execute(port, FastCgiRequest.get("/hello?name=x"));
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("hello x");
		});
	}

	@Test
	void servesOnAUnixSocket(@TempDir Path temp) {
		Path socket = temp.resolve("app.sock");
		this.contextRunner.withPropertyValues("fastcgi.bind-address=unix:" + socket).run((context) -> {
			assertThat(port(context)).isEqualTo(-1);
			try (FastCgiClient client = FastCgiClient.create(socket)) {
				assertThat(client.execute(FastCgiRequest.get("/hello?name=unix")).bodyAsString())
					.isEqualTo("hello unix");
			}
		});
	}

	@Test
	void recordCountersMatchTheRecordsExchanged() {
		this.contextRunner.run((context) -> {
			started(context);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			FastCgiResponse response = execute(port(context), FastCgiRequest.get("/hello?name=metrics"));
			await().atMost(Duration.ofSeconds(5))
				.until(() -> records(registry, RecordType.END_REQUEST, "out") == 1);
			assertThat(records(registry, RecordType.STDOUT, "out"))
				.isEqualTo(response.recordCount(RecordType.STDOUT));
			assertThat(records(registry, RecordType.STDERR, "out"))
				.isEqualTo(response.recordCount(RecordType.STDERR));
			assertThat(records(registry, RecordType.BEGIN_REQUEST, "in")).isEqualTo(1);
			assertThat(records(registry, RecordType.PARAMS, "in")).isGreaterThanOrEqualTo(2);
			assertThat(records(registry, RecordType.STDIN, "in")).isGreaterThanOrEqualTo(1);
			assertThat(registry.get("fastcgi.bytes").tag("direction", "out").counter().count())
				.isGreaterThanOrEqualTo(response.stdout().length);
			assertThat(registry.get("fastcgi.requests")
				.tags("role", "RESPONDER", "status", "REQUEST_COMPLETE", "outcome", "SUCCESS")
				.timer()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void activeRequestsGaugeRisesDuringASlowRequestAndFallsAfter() {
		this.contextRunner.run((context) -> {
			started(context);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			TestController controller = context.getBean(TestController.class);
			try (FastCgiClient client = FastCgiClient.create(new InetSocketAddress("127.0.0.1", port(context)));
					ClientExchange exchange = client.open(FastCgiRequest.get("/slow"))) {
				assertThat(controller.entered.await(10, TimeUnit.SECONDS)).isTrue();
				assertThat(registry.get("fastcgi.requests.active").gauge().value()).isEqualTo(1);
				assertThat(registry.get("fastcgi.connections.active").gauge().value()).isEqualTo(1);
				controller.release.countDown();
				assertThat(exchange.awaitEnd().bodyAsString()).isEqualTo("slow");
			}
			await().atMost(Duration.ofSeconds(5))
				.until(() -> registry.get("fastcgi.requests.active").gauge().value() == 0);
		});
	}

	@Test
	void gracefulShutdownLetsTheActiveRequestFinish() throws Exception {
		this.contextRunner.withPropertyValues("server.shutdown=graceful").run((context) -> {
			TestController controller = context.getBean(TestController.class);
			try (FastCgiClient client = FastCgiClient.create(new InetSocketAddress("127.0.0.1", port(context)));
					ClientExchange exchange = client.open(FastCgiRequest.get("/slow"))) {
				assertThat(controller.entered.await(10, TimeUnit.SECONDS)).isTrue();
				Thread closer = new Thread(context::close);
				closer.start();
				FastCgiWebServer webServer = FastCgiWebServer.from(context.getSourceApplicationContext());
				await().atMost(Duration.ofSeconds(5)).until(() -> !webServer.isAccepting());
				controller.release.countDown();
				assertThat(exchange.awaitEnd().bodyAsString()).isEqualTo("slow");
				closer.join(10_000);
			}
		});
	}

	@Test
	void portInUseFailsWithFastCgiAnalysis() throws IOException {
		try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			this.contextRunner.withPropertyValues("server.port=" + taken.getLocalPort()).run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new FastCgiPortInUseFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("127.0.0.1:" + taken.getLocalPort());
			});
		}
	}

	private static void started(AssertableWebApplicationContext context) {
		ConfigurableApplicationContext source = (ConfigurableApplicationContext) context.getSourceApplicationContext();
		source.publishEvent(new ApplicationStartedEvent(new SpringApplication(), null, source, Duration.ZERO));
	}

	private static double records(MeterRegistry registry, RecordType type, String direction) {
		return registry.get("fastcgi.records").tags("type", type.name(), "direction", direction).counter().count();
	}

	private static int port(AssertableWebApplicationContext context) {
		return ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
	}

	private static FastCgiResponse execute(int port, FastCgiRequest request) throws IOException {
		try (FastCgiClient client = FastCgiClient.create(new InetSocketAddress("127.0.0.1", port))) {
			return client.execute(request);
		}
	}

	@RestController
	@Configuration(proxyBeanMethods = false)
	static class TestController {

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		@GetMapping("/hello")
		String hello(@org.springframework.web.bind.annotation.RequestParam String name) {
			return "hello " + name;
		}

		@GetMapping("/slow")
		String slow() throws InterruptedException {
			this.entered.countDown();
			this.release.await(10, TimeUnit.SECONDS);
			return "slow";
		}

	}

}
