package dev.fastcgi.servlet;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRegistration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.fastcgi.client.ClientExchange;
import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Spring MVC test application behind the real engine on a loopback port, driven by the project's FastCGI
 * client: the container over real records, including streaming and ABORT_REQUEST.
 */
class ServletOverFastCgiSocketTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private FastCgiServletContainer container;

	private AnnotationConfigWebApplicationContext webContext;

	private FastCgiServer server;

	private FastCgiClient client;

	private java.nio.file.Path uploads;

	@BeforeEach
	void start() throws Exception {
		ContainerSettings settings = new ContainerSettings();
		settings.getErrorPages().add(new ErrorPageMapping(0, null, "/error"));
		this.uploads = java.nio.file.Files.createTempDirectory("fastcgi-uploads-");
		settings.setTempDirectory(this.uploads);
		this.container = new FastCgiServletContainer(settings);
		this.webContext = new AnnotationConfigWebApplicationContext();
		this.webContext.register(SpringMvcTestApp.class);
		ServletRegistration.Dynamic dispatcher = this.container.getServletContext()
			.addServlet("dispatcherServlet", new DispatcherServlet(this.webContext));
		dispatcher.addMapping("/");
		dispatcher.setAsyncSupported(true);
		dispatcher.setLoadOnStartup(1);
		dispatcher.setMultipartConfig(new jakarta.servlet.MultipartConfigElement("", -1, -1, 64 * 1024));
		var filter = this.container.getServletContext().addFilter("first", new SpringMvcTestApp.OrderFilter("first"));
		filter.setAsyncSupported(true);
		filter.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), false, "/*");
		this.container.start();
		this.server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.container);
		this.server.start();
		this.client = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", this.server.port()))
			.keepConn(true)
			.build();
		SpringMvcTestApp.events.clear();
	}

	@AfterEach
	void stop() throws Exception {
		if (this.client != null) {
			this.client.close();
		}
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(2));
		}
		this.container.stop();
		this.webContext.close();
		await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
			.noneMatch((thread) -> thread.getName().startsWith("fastcgi-async")));
		assertThat(this.container.activeSessions()).isZero();
		try (var files = java.nio.file.Files.list(this.uploads)) {
			assertThat(files).as("temp files left").isEmpty();
		}
		org.springframework.util.FileSystemUtils.deleteRecursively(this.uploads);
	}

	@Test
	void concurrentAsyncAndSyncRequests() throws Exception {
		int threads = 6;
		int perThread = 40;
		java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
		try {
			java.util.List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
			for (int t = 0; t < threads; t++) {
				results.add(pool.submit(() -> {
					int ok = 0;
					try (FastCgiClient own = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", this.server.port()))
						.keepConn(true)
						.build()) {
						for (int i = 0; i < perThread; i++) {
							String path = (i % 2 == 0) ? "/async/callable" : "/api/greeting?name=" + i;
							FastCgiResponse response = own.execute(FastCgiRequest.get(path));
							String expected = (i % 2 == 0) ? "called on mvc" : "{\"greeting\":\"hello " + i + "\"}";
							if (response.status() == 200 && response.bodyAsString().equals(expected)) {
								ok++;
							}
						}
					}
					return ok;
				}));
			}
			for (java.util.concurrent.Future<Integer> result : results) {
				assertThat(result.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(perThread);
			}
		}
		finally {
			pool.shutdownNow();
		}
		await().atMost(WAIT).until(() -> this.server.activeRequests() == 0);
	}

	@Test
	void fiftyMebibyteUploadStreamsToDisk() throws Exception {
		long size = 50L * 1024 * 1024;
		FastCgiResponse response = this.client.execute(FastCgiRequest.post("/upload", MultipartBodies.CONTENT_TYPE,
				MultipartBodies.length("big", "big.bin", size), () -> MultipartBodies.body("big", "big.bin", size)));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("big big.bin " + size + " " + size);
	}

	@Test
	void jsonGetFormPostAndErrorPage() throws Exception {
		FastCgiResponse json = this.client.execute(FastCgiRequest.get("/api/greeting?name=socket"));
		assertThat(json.status()).isEqualTo(200);
		assertThat(json.header("Content-Type")).isEqualTo("application/json");
		assertThat(json.header("Content-Length")).isEqualTo("27");
		assertThat(json.bodyAsString()).isEqualTo("{\"greeting\":\"hello socket\"}");
		assertThat(json.appStatus()).isZero();
		FastCgiResponse form = this.client
			.execute(FastCgiRequest.post("/form", "application/x-www-form-urlencoded", "name=A%C3%A9&city=B"));
		assertThat(new String(form.body(), StandardCharsets.UTF_8)).isEqualTo("Hello Aé from B");
		FastCgiResponse error = this.client.execute(FastCgiRequest.get("/api/boom"));
		assertThat(error.status()).isEqualTo(500);
		assertThat(error.bodyAsString()).contains("IllegalStateException: Boom!");
		FastCgiResponse head = this.client.execute(FastCgiRequest.of("HEAD", "/api/greeting"));
		assertThat(head.body()).isEmpty();
		assertThat(head.header("Content-Length")).isEqualTo("26");
	}

	@Test
	void deferredResultOverTheWire() throws Exception {
		SpringMvcTestApp.deferred.set(null);
		try (ClientExchange exchange = this.client.open(FastCgiRequest.get("/async/deferred"))) {
			await().atMost(WAIT).until(() -> SpringMvcTestApp.deferred.get() != null);
			new Thread(() -> SpringMvcTestApp.deferred.get().setResult("over the wire")).start();
			FastCgiResponse response = exchange.awaitEnd();
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.bodyAsString()).isEqualTo("over the wire");
		}
	}

	@Test
	void sseEventsArriveOneByOneAndAbortReachesTheEmitter() throws Exception {
		SpringMvcTestApp.sse.set(null);
		try (ClientExchange exchange = this.client.open(FastCgiRequest.get("/async/sse"))) {
			await().atMost(WAIT).until(() -> SpringMvcTestApp.sse.get() != null);
			SseEmitter emitter = SpringMvcTestApp.sse.get();
			emitter.send(SseEmitter.event().data("one"));
			var head = exchange.readHead();
			assertThat(head.status()).isEqualTo(200);
			String first = readUntil(exchange, "data:one\n\n");
			assertThat(first).endsWith("data:one\n\n");
			emitter.send(SseEmitter.event().data("two"));
			assertThat(readUntil(exchange, "data:two\n\n")).isEqualTo("data:two\n\n");
			exchange.abort();
			await().atMost(WAIT).until(() -> SpringMvcTestApp.events.contains("completion"));
		}
		await().atMost(WAIT).until(() -> this.server.activeRequests() == 0);
	}

	private static String readUntil(ClientExchange exchange, String end) throws Exception {
		StringBuilder text = new StringBuilder();
		var in = exchange.stdout();
		while (!text.toString().endsWith(end)) {
			int b = in.read();
			if (b < 0) {
				throw new IllegalStateException("stream ended before " + end + ": " + text);
			}
			text.append((char) b);
		}
		return text.toString();
	}

}
