package dev.fastcgi.servlet;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fastcgi.server.RequestAbortedException;
import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Servlet async ({@link AsyncContext}) on plain servlets through the container and an in-memory exchange.
 */
class AsyncServletTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final ContainerSettings settings = new ContainerSettings();

	private final FastCgiServletContainer container = new FastCgiServletContainer(this.settings);

	private final List<String> events = new CopyOnWriteArrayList<>();

	@AfterEach
	void stop() {
		this.container.stop();
		await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
			.noneMatch((thread) -> thread.getName().startsWith("fastcgi-async")));
	}

	private ServletRegistration.Dynamic servlet(String mapping, boolean async, FastCgiServletContainerTests.Handler handler) {
		ServletRegistration.Dynamic registration = this.container.getServletContext()
			.addServlet("s" + mapping.hashCode(), new HttpServlet() {
				@Override
				protected void service(HttpServletRequest request, HttpServletResponse response)
						throws ServletException, IOException {
					handler.handle(request, response);
				}
			});
		registration.addMapping(mapping);
		registration.setAsyncSupported(async);
		return registration;
	}

	private AsyncListener recorder() {
		return new AsyncListener() {
			@Override
			public void onComplete(AsyncEvent event) {
				AsyncServletTests.this.events.add("complete");
			}

			@Override
			public void onTimeout(AsyncEvent event) {
				AsyncServletTests.this.events.add("timeout");
			}

			@Override
			public void onError(AsyncEvent event) {
				AsyncServletTests.this.events.add("error " + event.getThrowable().getClass().getSimpleName());
			}

			@Override
			public void onStartAsync(AsyncEvent event) {
				AsyncServletTests.this.events.add("start");
			}
		};
	}

	@Test
	void completeFromAnotherThread() throws Exception {
		AtomicReference<AsyncContext> context = new AtomicReference<>();
		servlet("/a", true, (request, response) -> {
			AsyncContext async = request.startAsync();
			async.addListener(recorder());
			this.events.add("started " + request.isAsyncStarted());
			context.set(async);
		});
		this.container.start();
		FakeExchange exchange = TestRequests.get("/a").exchange().run(this.container);
		assertThat(exchange.isDeferred()).isTrue();
		assertThat(exchange.isCompleted()).isFalse();
		Thread worker = new Thread(() -> {
			try {
				context.get().getResponse().getWriter().write("late hello");
				context.get().complete();
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		});
		worker.start();
		CgiResponse response = exchange.await(WAIT).response();
		worker.join();
		assertThat(response.bodyText()).isEqualTo("late hello");
		assertThat(response.header("Content-Length")).isEqualTo("10");
		assertThat(this.events).containsExactly("started true", "complete");
	}

	@Test
	void dispatchToPathRunsAsyncDispatch() throws Exception {
		servlet("/start", true, (request, response) -> {
			AsyncContext async = request.startAsync();
			async.start(() -> async.dispatch("/target?x=1"));
		});
		servlet("/target", true, (request, response) -> response.getWriter()
			.write(request.getDispatcherType() + " " + request.getRequestURI() + " " + request.getParameter("x") + " "
					+ request.getAttribute(AsyncContext.ASYNC_REQUEST_URI) + " " + request.isAsyncStarted()));
		this.container.start();
		CgiResponse response = TestRequests.get("/start").exchange().run(this.container).await(WAIT).response();
		assertThat(response.bodyText()).isEqualTo("ASYNC /target 1 /start false");
	}

	@Test
	void dispatchWithoutPathReturnsToOriginalServletAndCanRestart() throws Exception {
		servlet("/again", true, (request, response) -> {
			if (request.getDispatcherType() == DispatcherType.REQUEST) {
				AsyncContext async = request.startAsync();
				async.addListener(recorder());
				async.dispatch();
			}
			else if (request.getAttribute("second") == null) {
				request.setAttribute("second", true);
				AsyncContext async = request.startAsync();
				async.addListener(recorder());
				async.start(async::dispatch);
			}
			else {
				response.getWriter().write("third " + request.getDispatcherType());
			}
		});
		this.container.start();
		CgiResponse response = TestRequests.get("/again").exchange().run(this.container).await(WAIT).response();
		assertThat(response.bodyText()).isEqualTo("third ASYNC");
		// the first cycle's listener hears the restart; only the second cycle's listener hears completion
		assertThat(this.events).containsExactly("start", "complete");
	}

	@Test
	void timeoutWithoutHandlingIsAnErrorPage() throws Exception {
		this.settings.setAsyncTimeout(Duration.ofMillis(50));
		this.settings.getErrorPages().add(new ErrorPageMapping(500, null, "/oops"));
		servlet("/slow", true, (request, response) -> request.startAsync().addListener(recorder()));
		servlet("/oops", true, (request, response) -> response.getWriter()
			.write("oops " + request.getDispatcherType() + " "
					+ request.getAttribute(jakarta.servlet.RequestDispatcher.ERROR_STATUS_CODE)));
		this.container.start();
		CgiResponse response = TestRequests.get("/slow").exchange().run(this.container).await(WAIT).response();
		assertThat(response.status()).isEqualTo(500);
		assertThat(response.bodyText()).isEqualTo("oops ERROR 500");
		assertThat(this.events).containsExactly("timeout", "complete");
	}

	@Test
	void timeoutHandledByListener() throws Exception {
		servlet("/slow", true, (request, response) -> {
			AsyncContext async = request.startAsync();
			async.setTimeout(30);
			async.addListener(new AsyncListener() {
				@Override
				public void onTimeout(AsyncEvent event) throws IOException {
					event.getAsyncContext().getResponse().getWriter().write("handled timeout");
					event.getAsyncContext().complete();
				}

				@Override
				public void onComplete(AsyncEvent event) {
				}

				@Override
				public void onError(AsyncEvent event) {
				}

				@Override
				public void onStartAsync(AsyncEvent event) {
				}
			});
		});
		this.container.start();
		CgiResponse response = TestRequests.get("/slow").exchange().run(this.container).await(WAIT).response();
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyText()).isEqualTo("handled timeout");
	}

	@Test
	void abortReachesListenersAndLaterWritesFail() throws Exception {
		AtomicReference<HttpServletResponse> captured = new AtomicReference<>();
		servlet("/stream", true, (request, response) -> {
			AsyncContext async = request.startAsync();
			async.addListener(recorder());
			response.getWriter().write("first");
			response.flushBuffer();
			captured.set(response);
		});
		this.container.start();
		FakeExchange exchange = TestRequests.get("/stream").exchange().run(this.container);
		exchange.abort();
		exchange.await(WAIT);
		assertThat(exchange.appStatus()).isNotZero();
		assertThat(this.events).containsExactly("error " + RequestAbortedException.class.getSimpleName(), "complete");
		org.assertj.core.api.Assertions.assertThatIOException()
			.isThrownBy(() -> captured.get().flushBuffer());
	}

	@Test
	void startAsyncRefusedWhenChainDoesNotSupportIt() throws Exception {
		servlet("/sync", false, (request, response) -> {
			try {
				request.startAsync();
			}
			catch (IllegalStateException ex) {
				response.getWriter().write("refused " + request.isAsyncSupported());
			}
		});
		this.container.start();
		assertThat(TestRequests.get("/sync").run(this.container).bodyText()).isEqualTo("refused false");
	}

	@Test
	void exceptionAfterStartAsyncGoesToErrorPageAndCompletes() throws Exception {
		servlet("/fail", true, (request, response) -> {
			request.startAsync().addListener(recorder());
			throw new IllegalStateException("failed after startAsync");
		});
		this.container.start();
		FakeExchange exchange = TestRequests.get("/fail").exchange().run(this.container).await(WAIT);
		assertThat(exchange.response().status()).isEqualTo(500);
		assertThat(this.events).containsExactly("error IllegalStateException", "complete");
	}

	@Test
	void startRunsOnAnotherThread() throws Exception {
		servlet("/run", true, (request, response) -> {
			AsyncContext async = request.startAsync();
			String caller = Thread.currentThread().getName();
			async.start(() -> {
				try {
					async.getResponse().getWriter().write(String.valueOf(!Thread.currentThread().getName().equals(caller)));
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
				async.complete();
			});
		});
		this.container.start();
		assertThat(TestRequests.get("/run").exchange().run(this.container).await(WAIT).response().bodyText())
			.isEqualTo("true");
	}

}
