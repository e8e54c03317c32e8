package dev.fastcgi.servlet;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A body that reaches its Content-Length in a write that goes straight to the engine ends the request with it: the
 * web server has the whole response (one write) while filters and listeners unwind, as Tomcat's HTTP client would.
 * Not when the request body is unread, nor for async requests; either way the response is whole and the
 * application's code after the body still runs.
 */
class ContentLengthEndTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final int SIZE = 64 * 1024;

	private final List<String> events = new CopyOnWriteArrayList<>();

	/** Counted down by the test once its client has the whole response; the filter waits on it after the chain. */
	private volatile CountDownLatch responseRead = new CountDownLatch(1);

	/** How long the filter waits for {@link #responseRead}: long where the response is expected before it returns. */
	private volatile long filterWaitMillis = 10_000;

	private FastCgiServletContainer container;

	private FastCgiServer server;

	private FastCgiClient client;

	private static byte[] body() {
		byte[] body = new byte[SIZE];
		for (int i = 0; i < SIZE; i++) {
			body[i] = (byte) ('0' + i % 10);
		}
		return body;
	}

	@BeforeEach
	void start() throws Exception {
		this.container = new FastCgiServletContainer(new ContainerSettings());
		var context = this.container.getServletContext();
		var servlet = context.addServlet("body", new HttpServlet() {
			@Override
			protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
				String uri = request.getRequestURI();
				if (uri.equals("/async")) {
					AsyncContext async = request.startAsync();
					async.addListener(new AsyncListener() {
						@Override
						public void onComplete(AsyncEvent event) {
							ContentLengthEndTests.this.events.add("async complete");
						}

						@Override
						public void onTimeout(AsyncEvent event) {
						}

						@Override
						public void onError(AsyncEvent event) {
						}

						@Override
						public void onStartAsync(AsyncEvent event) {
						}
					});
					async.start(() -> {
						try {
							write(response);
						}
						catch (IOException ex) {
							ContentLengthEndTests.this.events.add("async failed " + ex);
						}
						async.complete();
					});
					return;
				}
				if (uri.equals("/read")) {
					request.getInputStream().readAllBytes();
				}
				write(response);
				if (uri.equals("/fail")) {
					throw new IllegalStateException("after the body");
				}
			}

			private void write(HttpServletResponse response) throws IOException {
				response.setContentType("application/octet-stream");
				response.setContentLength(SIZE);
				response.getOutputStream().write(body());
				// a write beyond the Content-Length is dropped, after the end as before it
				response.getOutputStream().write(1);
				ContentLengthEndTests.this.events.add("written");
			}
		});
		servlet.addMapping("/*");
		servlet.setAsyncSupported(true);
		var filter = context.addFilter("after", (Filter) (request, response, chain) -> {
			chain.doFilter(request, response);
			boolean released;
			try {
				released = this.responseRead.await(this.filterWaitMillis, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				released = false;
			}
			this.events.add(released ? "filter after, response already read" : "filter after, response not read yet");
		});
		filter.setAsyncSupported(true);
		filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
		context.addListener(new ServletRequestListener() {
			@Override
			public void requestDestroyed(ServletRequestEvent event) {
				ContentLengthEndTests.this.events.add("destroyed");
			}
		});
		this.container.start();
		this.server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.container);
		this.server.start();
		this.client = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", this.server.port()))
			.keepConn(true)
			.build();
	}

	@AfterEach
	void stop() throws Exception {
		this.client.close();
		this.server.stop(Duration.ofSeconds(2));
		this.container.stop();
	}

	private FastCgiResponse execute(FastCgiRequest request) throws IOException {
		this.responseRead = new CountDownLatch(1);
		this.events.clear();
		FastCgiResponse response = this.client.execute(request);
		this.responseRead.countDown();
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(SIZE));
		assertThat(response.body()).isEqualTo(body());
		assertThat(response.appStatus()).isZero();
		return response;
	}

	@Test
	void responseEndsWithItsBodyWhileFiltersUnwind() throws Exception {
		execute(FastCgiRequest.get("/get"));
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(this.events).containsExactly("written",
					"filter after, response already read", "destroyed"));
		// the connection serves the next request
		execute(FastCgiRequest.get("/again"));
	}

	@Test
	void aBodyReadToItsEndAlsoEndsEarly() throws Exception {
		execute(FastCgiRequest.post("/read", "text/plain", "0123456789"));
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(this.events).containsExactly("written",
					"filter after, response already read", "destroyed"));
	}

	@Test
	void anUnreadBodyKeepsTheRequestOpenUntilTheApplicationReturns() throws Exception {
		// the response cannot arrive while the filter waits: it gives up after 300 ms, then the request ends
		this.filterWaitMillis = 300;
		execute(FastCgiRequest.post("/unread", "text/plain", "0123456789"));
		assertThat(this.events).containsExactly("written", "filter after, response not read yet", "destroyed");
	}

	@Test
	void asyncRequestsEndWhenTheyComplete() throws Exception {
		// an async request completes once its dispatch has returned (Servlet spec), so not while the filter waits
		this.filterWaitMillis = 300;
		execute(FastCgiRequest.get("/async"));
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.events).contains("written", "async complete"));
		assertThat(this.events).contains("filter after, response not read yet");
	}

	@Test
	void aFailureAfterTheBodyLeavesTheResponseWhole() throws Exception {
		execute(FastCgiRequest.get("/fail"));
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.events).containsExactly("written", "destroyed"));
		execute(FastCgiRequest.get("/again"));
	}

}
