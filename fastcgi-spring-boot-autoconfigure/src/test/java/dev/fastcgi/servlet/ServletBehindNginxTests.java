package dev.fastcgi.servlet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRegistration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The core flows of the Spring MVC test application through a real nginx ({@code fastcgi_pass} to the engine on
 * loopback, {@code fastcgi_buffering off}). Skipped when {@code /usr/sbin/nginx} is absent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServletBehindNginxTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private Path uploads;

	private FastCgiServletContainer container;

	private AnnotationConfigWebApplicationContext webContext;

	private FastCgiServer server;

	private NginxProcess nginx;

	private int port;

	private final HttpClient http = HttpClient.newBuilder()
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(WAIT)
		.build();

	@BeforeAll
	void start() throws Exception {
		assumeThat(NginxProcess.isInstalled()).as("nginx installed").isTrue();
		this.uploads = Files.createTempDirectory("fastcgi-uploads-");
		ContainerSettings settings = new ContainerSettings();
		settings.getErrorPages().add(new ErrorPageMapping(0, null, "/error"));
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
		for (String name : new String[] { "first", "second" }) {
			var filter = this.container.getServletContext().addFilter(name, new SpringMvcTestApp.OrderFilter(name));
			filter.setAsyncSupported(true);
			filter.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), false, "/*");
		}
		this.container.start();
		this.server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.container);
		this.server.start();
		this.nginx = NginxProcess.start(this.server.port());
		this.port = this.nginx.port();
	}

	@AfterAll
	void stop() throws Exception {
		if (this.nginx != null) {
			this.nginx.close();
		}
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(2));
		}
		if (this.container != null) {
			this.container.stop();
			this.webContext.close();
		}
		if (this.uploads != null) {
			org.springframework.util.FileSystemUtils.deleteRecursively(this.uploads);
		}
	}

	private HttpResponse<String> get(String path, String... headers) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(WAIT);
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	@Test
	void jsonGet() throws Exception {
		HttpResponse<String> response = get("/api/greeting?name=nginx");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(response.headers().firstValue("Transfer-Encoding")).isEmpty();
		assertThat(response.body()).isEqualTo("{\"greeting\":\"hello nginx\"}");
	}

	@Test
	void formPost() throws Exception {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/form"))
					.header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString("name=J%C3%BCrgen&city=Bonn"))
					.build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		assertThat(response.body()).isEqualTo("Hello Jürgen from Bonn");
	}

	@Test
	void redirectIsAbsoluteForTheClientsHost() throws Exception {
		HttpResponse<String> response = get("/old");
		assertThat(response.statusCode()).isEqualTo(302);
		assertThat(response.headers().firstValue("Location"))
			.hasValue("http://127.0.0.1:" + this.port + "/api/greeting?name=redirected");
	}

	@Test
	void errorPages() throws Exception {
		HttpResponse<String> missing = get("/api/missing/7");
		assertThat(missing.statusCode()).isEqualTo(404);
		assertThat(missing.body()).isEqualTo("{\"status\":404,\"message\":\"No item 7\",\"path\":\"/api/missing/7\"}");
		HttpResponse<String> boom = get("/api/boom");
		assertThat(boom.statusCode()).isEqualTo(500);
		assertThat(boom.body()).contains("IllegalStateException: Boom!");
	}

	@Test
	void forwardAndFilterOrder() throws Exception {
		assertThat(get("/fwd").body()).isEqualTo("{\"greeting\":\"hello forwarded\"}");
		HttpResponse<String> order = get("/api/order");
		assertThat(order.body()).isEqualTo("first,second");
		assertThat(order.headers().allValues("X-Filter")).containsExactly("first", "second");
	}

	@Test
	void staticResourceEtagAndRange() throws Exception {
		HttpResponse<String> full = get("/static/hello.txt");
		assertThat(full.statusCode()).isEqualTo(200);
		assertThat(full.body()).isEqualTo("Hello static world!\n");
		String etag = full.headers().firstValue("ETag").orElseThrow();
		assertThat(get("/static/hello.txt", "If-None-Match", etag).statusCode()).isEqualTo(304);
		HttpResponse<String> range = get("/static/hello.txt", "Range", "bytes=6-11");
		assertThat(range.statusCode()).isEqualTo(206);
		assertThat(range.body()).isEqualTo("static");
		assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 6-11/20");
	}

	@Test
	void sseEventsArriveOneByOne() throws Exception {
		SpringMvcTestApp.sse.set(null);
		// the response head leaves with the first event, so the request is sent asynchronously
		var pending = this.http.sendAsync(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/async/sse"))
					.header("Accept", "text/event-stream")
					.build(),
				HttpResponse.BodyHandlers.ofInputStream());
		await().atMost(WAIT).until(() -> SpringMvcTestApp.sse.get() != null);
		SseEmitter emitter = SpringMvcTestApp.sse.get();
		emitter.send(SseEmitter.event().data("one"));
		HttpResponse<InputStream> response = pending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			assertThat(reader.readLine()).isEqualTo("data:one");
			assertThat(reader.readLine()).isEmpty();
			emitter.send(SseEmitter.event().data("two"));
			assertThat(reader.readLine()).isEqualTo("data:two");
			assertThat(reader.readLine()).isEmpty();
			emitter.complete();
			assertThat(reader.readLine()).isNull();
		}
	}

	@Test
	void clientDisconnectDuringSseReachesTheEmitterAndLeavesNoRequest() throws Exception {
		SpringMvcTestApp.sse.set(null);
		SpringMvcTestApp.events.clear();
		var pending = this.http.sendAsync(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/async/sse"))
					.header("Accept", "text/event-stream")
					.build(),
				HttpResponse.BodyHandlers.ofInputStream());
		await().atMost(WAIT).until(() -> SpringMvcTestApp.sse.get() != null);
		SseEmitter emitter = SpringMvcTestApp.sse.get();
		emitter.send(SseEmitter.event().data("only"));
		HttpResponse<InputStream> response = pending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
		BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
		assertThat(reader.readLine()).isEqualTo("data:only");
		reader.close();
		// nginx closes the FastCGI connection; keep sending until the engine notices and the emitter fails
		await().atMost(WAIT).until(() -> {
			try {
				emitter.send(SseEmitter.event().comment("ping"));
			}
			catch (IOException | IllegalStateException ex) {
				// expected once the client is gone
			}
			return SpringMvcTestApp.events.contains("completion");
		});
		await().atMost(WAIT).until(() -> this.server.activeRequests() == 0);
	}

	@Test
	void fiftyMebibyteUpload() throws Exception {
		long size = 50L * 1024 * 1024;
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/upload"))
					.version(HttpClient.Version.HTTP_1_1)
					.header("Content-Type", MultipartBodies.CONTENT_TYPE)
					.POST(HttpRequest.BodyPublishers.fromPublisher(
							HttpRequest.BodyPublishers.ofInputStream(() -> MultipartBodies.body("big", "big.bin", size)),
							MultipartBodies.length("big", "big.bin", size)))
					.build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("big big.bin " + size + " " + size);
		assertNoUploadLeft();
	}

	@Test
	void clientDisconnectDuringUploadLeavesNoTempFileOrRequest() throws Exception {
		long size = 50L * 1024 * 1024;
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", this.port)) {
			var out = socket.getOutputStream();
			out.write(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1:" + this.port + "\r\nContent-Type: "
					+ MultipartBodies.CONTENT_TYPE + "\r\nContent-Length: " + MultipartBodies.length("cut", "cut.bin", size)
					+ "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.write(MultipartBodies.head("cut", "cut.bin"));
			MultipartBodies.generated(5L * 1024 * 1024).transferTo(out);
			out.flush();
			// the part spills to disk once past the threshold
			await().atMost(WAIT).until(() -> {
				try (var files = Files.list(this.uploads)) {
					return files.findAny().isPresent();
				}
			});
		}
		assertNoUploadLeft();
	}

	private void assertNoUploadLeft() {
		await().atMost(WAIT).until(() -> this.server.activeRequests() == 0);
		await().atMost(WAIT).untilAsserted(() -> {
			try (var files = Files.list(this.uploads)) {
				assertThat(files).isEmpty();
			}
		});
	}

}
