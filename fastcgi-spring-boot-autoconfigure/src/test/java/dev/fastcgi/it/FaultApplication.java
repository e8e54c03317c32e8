package dev.fastcgi.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * A Spring MVC application whose endpoints fail in every phase of a request (filter, controller, async, after the
 * response was committed, never returning), served by the starter in {@link ApplicationFaultTests}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(FaultApplication.FaultController.class)
public class FaultApplication {

	/** Never counted down while a test runs: what a handler that never returns waits on. */
	static volatile CountDownLatch never = new CountDownLatch(1);

	/** What a timed-out async task waits for after its interrupt, counted down by the test. */
	static volatile CountDownLatch release = new CountDownLatch(1);

	/** Application code currently blocked (in {@link #never} or a body read): must be 0 after every test. */
	static final AtomicInteger blocked = new AtomicInteger();

	/** Where blocked application code was interrupted or failed, one entry per event. */
	static final Queue<String> unblocked = new ConcurrentLinkedQueue<>();

	/** What the streaming endpoint writes before it fails: more than the response buffer. */
	static final byte[] STREAMED = "x".repeat(40_000).getBytes(StandardCharsets.US_ASCII);

	/** Fails before or after the chain, depending on the request URI. */
	static final class FaultFilter extends OncePerRequestFilter {

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			String uri = request.getRequestURI();
			if (uri.equals("/filter/before-runtime")) {
				throw new IllegalStateException("filter failed before the chain");
			}
			if (uri.equals("/filter/before-servlet")) {
				throw new ServletException("filter refused the request before the chain");
			}
			chain.doFilter(request, response);
			if (uri.equals("/filter/after-uncommitted")) {
				throw new IllegalStateException("filter failed after the chain, nothing committed");
			}
			if (uri.equals("/filter/after-committed")) {
				response.flushBuffer();
				throw new IllegalStateException("filter failed after the chain and a flush");
			}
		}

	}

	@Bean
	FilterRegistrationBean<FaultFilter> faultFilter() {
		FilterRegistrationBean<FaultFilter> registration = new FilterRegistrationBean<>(new FaultFilter());
		registration.addUrlPatterns("/filter/*");
		return registration;
	}

	/** A failure the application maps to a status itself. */
	static final class AppException extends RuntimeException {

		AppException(String message) {
			super(message);
		}

	}

	/** An {@link Error} thrown by application code. */
	static final class AppError extends Error {

		AppError(String message) {
			super(message);
		}

	}

	@RestController
	static class FaultController {

		@GetMapping("/healthy")
		String healthy() {
			return "healthy";
		}

		@GetMapping("/filter/{name}")
		void filtered(HttpServletResponse response) throws IOException {
			// written to the buffer without a flush: the response stays uncommitted until the container finishes it
			response.setContentType("text/plain");
			response.getWriter().write("body from the controller");
		}

		@GetMapping("/fault/before")
		String before() {
			throw new IllegalStateException("controller failed before writing");
		}

		@GetMapping("/fault/handled")
		String handled() {
			throw new AppException("handled by the application");
		}

		@ExceptionHandler(AppException.class)
		ResponseEntity<Map<String, String>> onAppException(AppException ex) {
			return ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", ex.getMessage()));
		}

		@GetMapping("/fault/status")
		String status() {
			throw new ResponseStatusException(HttpStatus.GONE, "that resource is gone");
		}

		@GetMapping("/fault/committed")
		void committed(HttpServletResponse response) throws IOException {
			response.setContentType("text/plain");
			response.getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
			response.flushBuffer();
			throw new IllegalStateException("controller failed after committing the response");
		}

		@GetMapping("/fault/stream")
		ResponseEntity<StreamingResponseBody> stream() {
			return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body((out) -> {
				// Spring hands the body a non-flushing stream: only passing the response buffer (8 KiB) commits
				out.write(STREAMED);
				throw new IllegalStateException("stream failed mid-body");
			});
		}

		@GetMapping("/fault/error")
		String error() {
			throw new AppError("application error");
		}

		@GetMapping("/fault/stack-overflow")
		String stackOverflow() {
			return "depth " + recurse(0);
		}

		private static int recurse(int depth) {
			return recurse(depth + 1) + 1;
		}

		@GetMapping("/async/callable")
		Callable<String> callable() {
			return () -> {
				throw new IllegalStateException("callable failed");
			};
		}

		@GetMapping("/async/deferred")
		DeferredResult<String> deferred() {
			DeferredResult<String> result = new DeferredResult<>();
			CompletableFuture.runAsync(() -> result.setErrorResult(new IllegalStateException("deferred failed")));
			return result;
		}

		@GetMapping("/async/deferred-timeout")
		DeferredResult<String> deferredTimeout() {
			// never set, no timeout of its own: spring.mvc.async.request-timeout applies
			return new DeferredResult<>();
		}

		@GetMapping("/async/task-timeout")
		WebAsyncTask<String> taskTimeout() {
			return new WebAsyncTask<>(() -> {
				blocked.incrementAndGet();
				try {
					never.await();
				}
				catch (InterruptedException ex) {
					unblocked.add("async task interrupted");
					// a task that stops at once races Spring's own time-out result (see the test); this one
					// finishes only when the test lets it
					awaitUninterruptibly(release);
				}
				finally {
					blocked.decrementAndGet();
				}
				return "late";
			});
		}

		private static void awaitUninterruptibly(CountDownLatch latch) {
			boolean interrupted = false;
			while (true) {
				try {
					latch.await();
					break;
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}

		@GetMapping(path = "/async/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		SseEmitter sse() {
			SseEmitter emitter = new SseEmitter();
			CompletableFuture.runAsync(() -> {
				try {
					emitter.send("one");
					emitter.send("two");
				}
				catch (IOException ex) {
					unblocked.add("sse send failed: " + ex);
				}
				emitter.completeWithError(new IllegalStateException("event source failed"));
			});
			return emitter;
		}

		@GetMapping("/hang")
		String hang() throws InterruptedException {
			blockUntilInterrupted("hang");
			return "never";
		}

		@PostMapping("/body")
		String body(HttpServletRequest request) throws IOException {
			blocked.incrementAndGet();
			try {
				return "read " + request.getInputStream().readAllBytes().length;
			}
			catch (IOException ex) {
				unblocked.add("body read failed: " + ex.getClass().getSimpleName());
				throw ex;
			}
			finally {
				blocked.decrementAndGet();
			}
		}

		private static void blockUntilInterrupted(String name) throws InterruptedException {
			blocked.incrementAndGet();
			try {
				never.await();
			}
			catch (InterruptedException ex) {
				unblocked.add(name + " interrupted");
				throw ex;
			}
			finally {
				blocked.decrementAndGet();
			}
		}

	}

}
