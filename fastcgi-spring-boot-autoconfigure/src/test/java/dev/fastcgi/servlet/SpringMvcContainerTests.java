package dev.fastcgi.servlet;

import java.time.Duration;
import java.util.EnumSet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRegistration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockServletContext;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;

import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Spring MVC application behind a {@link DispatcherServlet} registered in the container, driven through
 * {@link FastCgiServletContainer#handle}; where practical the same request also runs on {@link MockMvc} and the
 * status, content type and body must be identical.
 */
class SpringMvcContainerTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final ContainerSettings settings = new ContainerSettings();

	private FastCgiServletContainer container;

	private AnnotationConfigWebApplicationContext webContext;

	private AnnotationConfigWebApplicationContext mockContext;

	private MockMvc mockMvc;

	@BeforeEach
	void start() throws Exception {
		this.settings.getErrorPages().add(new ErrorPageMapping(0, null, "/error"));
		this.container = new FastCgiServletContainer(this.settings);
		this.webContext = new AnnotationConfigWebApplicationContext();
		this.webContext.register(SpringMvcTestApp.class);
		ServletRegistration.Dynamic dispatcher = this.container.getServletContext()
			.addServlet("dispatcherServlet", new DispatcherServlet(this.webContext));
		dispatcher.addMapping("/");
		dispatcher.setAsyncSupported(true);
		dispatcher.setLoadOnStartup(1);
		addFilter("first");
		addFilter("second");
		this.container.start();
		this.mockContext = new AnnotationConfigWebApplicationContext();
		this.mockContext.register(SpringMvcTestApp.class);
		this.mockContext.setServletContext(new MockServletContext());
		this.mockContext.refresh();
		this.mockMvc = MockMvcBuilders.webAppContextSetup(this.mockContext)
			.addFilters(new SpringMvcTestApp.OrderFilter("first"), new SpringMvcTestApp.OrderFilter("second"))
			.build();
		SpringMvcTestApp.events.clear();
	}

	private void addFilter(String name) {
		var registration = this.container.getServletContext().addFilter(name, new SpringMvcTestApp.OrderFilter(name));
		registration.setAsyncSupported(true);
		registration.addMappingForUrlPatterns(
				EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR), false, "/*");
	}

	@AfterEach
	void stop() {
		this.container.stop();
		this.webContext.close();
		if (this.mockContext != null) {
			this.mockContext.close();
		}
	}

	private CgiResponse run(TestRequests request) {
		return request.run(this.container);
	}

	/** Runs the request on MockMvc too and asserts status, Content-Type and body match. */
	private CgiResponse runAndCompare(TestRequests request, MockHttpServletRequestBuilder mock) throws Exception {
		CgiResponse response = run(request);
		MvcResult result = this.mockMvc.perform(mock).andReturn();
		assertThat(response.status()).as("status").isEqualTo(result.getResponse().getStatus());
		assertThat(response.header("Content-Type")).as("Content-Type")
			.isEqualTo(result.getResponse().getContentType());
		assertThat(response.bodyText()).as("body").isEqualTo(result.getResponse().getContentAsString());
		return response;
	}

	@Test
	void jsonGet() throws Exception {
		CgiResponse response = runAndCompare(TestRequests.get("/api/greeting?name=fcgi").header("Accept",
				"application/json"), MockMvcRequestBuilders.get("/api/greeting?name=fcgi").header("Accept",
						"application/json"));
		assertThat(response.bodyText()).isEqualTo("{\"greeting\":\"hello fcgi\"}");
		assertThat(response.header("Content-Length")).isEqualTo("25");
	}

	@Test
	void responseEntityWithCustomStatusAndHeader() throws Exception {
		CgiResponse response = runAndCompare(TestRequests.get("/api/teapot"),
				MockMvcRequestBuilders.get("/api/teapot"));
		assertThat(response.statusLine()).isEqualTo("418 I'm a teapot");
		assertThat(response.header("X-Tea")).isEqualTo("earl grey");
	}

	@Test
	void formPost() throws Exception {
		String body = "name=J%C3%BCrgen&city=K%C3%B6ln";
		CgiResponse response = runAndCompare(
				TestRequests.request("POST", "/form").body("application/x-www-form-urlencoded", body),
				MockMvcRequestBuilders.post("/form")
					.contentType("application/x-www-form-urlencoded")
					.content(body));
		assertThat(response.bodyText()).isEqualTo("Hello Jürgen from Köln");
	}

	@Test
	void redirect() throws Exception {
		CgiResponse response = run(TestRequests.get("/old"));
		MvcResult mock = this.mockMvc.perform(MockMvcRequestBuilders.get("/old")).andReturn();
		assertThat(response.status()).isEqualTo(mock.getResponse().getStatus()).isEqualTo(302);
		assertThat(response.header("Location")).isEqualTo("http://localhost:8080/api/greeting?name=redirected")
			.endsWith(mock.getResponse().getRedirectedUrl());
	}

	@Test
	void sendErrorRendersErrorPage() {
		CgiResponse response = run(TestRequests.get("/api/missing/42"));
		assertThat(response.status()).isEqualTo(404);
		assertThat(response.header("Content-Type")).isEqualTo("application/json");
		assertThat(response.bodyText())
			.isEqualTo("{\"status\":404,\"message\":\"No item 42\",\"path\":\"/api/missing/42\"}");
	}

	@Test
	void exceptionRendersErrorPage() {
		CgiResponse response = run(TestRequests.get("/api/boom"));
		assertThat(response.status()).isEqualTo(500);
		assertThat(response.bodyText())
			.isEqualTo("{\"status\":500,\"message\":\"IllegalStateException: Boom!\",\"path\":\"/api/boom\"}");
		// OncePerRequestFilter skips the ERROR dispatch by default; its headers survive the error page
		assertThat(response.headers("X-Filter")).containsExactly("first", "second");
	}

	@Test
	void unknownPathIs404FromErrorPage() {
		CgiResponse response = run(TestRequests.get("/no/such/thing"));
		assertThat(response.status()).isEqualTo(404);
		assertThat(response.bodyText()).contains("\"status\":404", "\"path\":\"/no/such/thing\"");
	}

	@Test
	void forward() throws Exception {
		// MockMvc only records the forwarded URL; the container really forwards
		CgiResponse response = run(TestRequests.get("/fwd"));
		MvcResult mock = this.mockMvc.perform(MockMvcRequestBuilders.get("/fwd")).andReturn();
		assertThat(mock.getResponse().getForwardedUrl()).isEqualTo("/api/greeting?name=forwarded");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("Content-Type")).isEqualTo("application/json");
		assertThat(response.bodyText()).isEqualTo("{\"greeting\":\"hello forwarded\"}");
	}

	@Test
	void include() {
		CgiResponse response = run(TestRequests.get("/page"));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyText()).isEqualTo("<fragment>");
	}

	@Test
	void filterOrder() throws Exception {
		// not compared with MockMvc: it never calls Filter.init, so two OncePerRequestFilters of one class share
		// the "already filtered" attribute there and the second one is skipped
		CgiResponse response = run(TestRequests.get("/api/order"));
		assertThat(response.bodyText()).isEqualTo("first,second");
		assertThat(response.headers("X-Filter")).containsExactly("first", "second");
	}

	@Test
	void staticResourceWithEtagAndConditionalGet() throws Exception {
		CgiResponse response = runAndCompare(TestRequests.get("/static/hello.txt"),
				MockMvcRequestBuilders.get("/static/hello.txt"));
		assertThat(response.bodyText()).isEqualTo("Hello static world!\n");
		assertThat(response.header("ETag")).isEqualTo("\"v1-hello.txt\"");
		assertThat(response.header("Last-Modified")).isNotNull();
		assertThat(response.header("Accept-Ranges")).isEqualTo("bytes");
		CgiResponse notModified = run(TestRequests.get("/static/hello.txt").header("If-None-Match", "\"v1-hello.txt\""));
		assertThat(notModified.status()).isEqualTo(304);
		assertThat(notModified.body()).isEmpty();
		assertThat(notModified.header("Content-Length")).isNull();
		CgiResponse sinceModified = run(
				TestRequests.get("/static/hello.txt").header("If-Modified-Since", response.header("Last-Modified")));
		assertThat(sinceModified.status()).isEqualTo(304);
	}

	@Test
	void rangeRequest() throws Exception {
		CgiResponse response = runAndCompare(TestRequests.get("/static/hello.txt").header("Range", "bytes=6-11"),
				MockMvcRequestBuilders.get("/static/hello.txt").header("Range", "bytes=6-11"));
		assertThat(response.status()).isEqualTo(206);
		assertThat(response.bodyText()).isEqualTo("static");
		assertThat(response.header("Content-Range")).isEqualTo("bytes 6-11/20");
		assertThat(response.header("Content-Length")).isEqualTo("6");
		CgiResponse unsatisfiable = run(TestRequests.get("/static/hello.txt").header("Range", "bytes=100-200"));
		assertThat(unsatisfiable.status()).isEqualTo(416);
	}

	@Test
	void headHasHeadersOfGetWithoutBody() {
		CgiResponse get = run(TestRequests.get("/api/greeting"));
		CgiResponse head = run(TestRequests.request("HEAD", "/api/greeting"));
		assertThat(head.status()).isEqualTo(200);
		assertThat(head.body()).isEmpty();
		assertThat(head.header("Content-Length")).isEqualTo(get.header("Content-Length"));
		assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
		CgiResponse staticHead = run(TestRequests.request("HEAD", "/static/hello.txt"));
		assertThat(staticHead.header("Content-Length")).isEqualTo("20");
		assertThat(staticHead.body()).isEmpty();
	}

	@Test
	void deferredResultCompletedFromAnotherThread() {
		SpringMvcTestApp.deferred.set(null);
		FakeExchange exchange = TestRequests.get("/async/deferred").exchange().run(this.container);
		assertThat(exchange.isDeferred()).isTrue();
		assertThat(exchange.isCompleted()).isFalse();
		await().atMost(WAIT).until(() -> SpringMvcTestApp.deferred.get() != null);
		Thread completer = new Thread(() -> SpringMvcTestApp.deferred.get().setResult("deferred done"));
		completer.start();
		CgiResponse response = exchange.await(WAIT).response();
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyText()).isEqualTo("deferred done");
		assertThat(response.headers("X-Filter")).containsExactly("first", "second");
	}

	/** Repeated: a fast Callable dispatches before the REQUEST dispatch returns (async must still count as started). */
	@org.junit.jupiter.api.RepeatedTest(10)
	void callable() throws Exception {
		CgiResponse response = TestRequests.get("/async/callable").exchange().run(this.container).await(WAIT)
			.response();
		assertThat(response.status()).as(response.raw()).isEqualTo(200);
		assertThat(response.bodyText()).isEqualTo("called on mvc");
	}

	@Test
	void webAsyncTask() {
		CgiResponse response = TestRequests.get("/async/task").exchange().run(this.container).await(WAIT).response();
		assertThat(response.bodyText()).isEqualTo("task done");
	}

	@Test
	void streamingResponseBody() {
		FakeExchange exchange = TestRequests.get("/async/stream").exchange().run(this.container).await(WAIT);
		assertThat(exchange.response().bodyText()).isEqualTo("chunk0\nchunk1\nchunk2\n");
		assertThat(exchange.response().header("Content-Length")).isNull();
	}

	@Test
	void responseBodyEmitter() {
		CgiResponse response = TestRequests.get("/async/emitter").exchange().run(this.container).await(WAIT)
			.response();
		assertThat(response.bodyText()).isEqualTo("ab");
	}

	@Test
	void asyncTimeoutIs503() {
		CgiResponse response = TestRequests.get("/async/deferred-timeout").exchange().run(this.container).await(WAIT)
			.response();
		assertThat(response.status()).isEqualTo(503);
	}

	@Test
	void sseEventsAreFlushedOneByOne() throws Exception {
		SpringMvcTestApp.sse.set(null);
		FakeExchange exchange = TestRequests.get("/async/sse").header("Accept", "text/event-stream").exchange()
			.run(this.container);
		await().atMost(WAIT).until(() -> SpringMvcTestApp.sse.get() != null);
		var emitter = SpringMvcTestApp.sse.get();
		emitter.send(org.springframework.web.servlet.mvc.method.annotation.SseEmitter.event().name("tick").data("1"));
		await().atMost(WAIT).until(() -> exchange.flushedChunks().size() == 1);
		assertThat(exchange.flushedChunks().get(0)).startsWith("Status: 200 OK\r\n")
			.contains("Content-Type: text/event-stream")
			.endsWith("event:tick\ndata:1\n\n");
		emitter.send(org.springframework.web.servlet.mvc.method.annotation.SseEmitter.event().data("2"));
		await().atMost(WAIT).until(() -> exchange.flushedChunks().size() == 2);
		assertThat(exchange.flushedChunks().get(1)).isEqualTo("data:2\n\n");
		assertThat(exchange.isCompleted()).isFalse();
		emitter.complete();
		exchange.await(WAIT);
		assertThat(exchange.response().header("Content-Length")).isNull();
		assertThat(exchange.appStatus()).isZero();
		await().atMost(WAIT).until(() -> SpringMvcTestApp.events.contains("completion"));
	}

	@Test
	void abortDuringSseReachesListenersAndCompletes() throws Exception {
		SpringMvcTestApp.sse.set(null);
		FakeExchange exchange = TestRequests.get("/async/sse").exchange().run(this.container);
		await().atMost(WAIT).until(() -> SpringMvcTestApp.sse.get() != null);
		var emitter = SpringMvcTestApp.sse.get();
		emitter.send("before");
		exchange.abort();
		exchange.await(WAIT);
		assertThat(exchange.appStatus()).isNotZero();
		await().atMost(WAIT).until(() -> SpringMvcTestApp.events.contains("completion"));
		assertThat(SpringMvcTestApp.events).anyMatch((event) -> event.startsWith("error"));
		org.assertj.core.api.Assertions.assertThatException().isThrownBy(() -> emitter.send("after"));
	}

}
