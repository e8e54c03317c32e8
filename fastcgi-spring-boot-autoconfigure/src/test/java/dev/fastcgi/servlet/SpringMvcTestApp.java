package dev.fastcgi.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * A small Spring MVC application (no Boot) with a controller per container feature.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebMvc
class SpringMvcTestApp implements WebMvcConfigurer {

	/** Emitters and deferred results handed to the test, completed from the test thread. */
	static final AtomicReference<SseEmitter> sse = new AtomicReference<>();

	static final AtomicReference<DeferredResult<String>> deferred = new AtomicReference<>();

	static final CopyOnWriteArrayList<String> events = new CopyOnWriteArrayList<>();

	@org.springframework.context.annotation.Bean
	org.springframework.web.multipart.support.StandardServletMultipartResolver multipartResolver() {
		return new org.springframework.web.multipart.support.StandardServletMultipartResolver();
	}

	@Override
	public void addResourceHandlers(ResourceHandlerRegistry registry) {
		registry.addResourceHandler("/static/**")
			.addResourceLocations("classpath:/dev/fastcgi/servlet/static/")
			.setEtagGenerator((resource) -> "\"v1-" + resource.getFilename() + "\"");
	}

	@Override
	public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
		configurer.setTaskExecutor(new org.springframework.core.task.SimpleAsyncTaskExecutor("mvc-async-"));
	}

	@RestController
	static class ApiController {

		@GetMapping(path = "/api/greeting", produces = MediaType.APPLICATION_JSON_VALUE)
		String greeting(@RequestParam(defaultValue = "world") String name) {
			return "{\"greeting\":\"hello " + name + "\"}";
		}

		@PostMapping(path = "/form", produces = "text/plain;charset=UTF-8")
		String form(@RequestParam String name, @RequestParam(required = false) String city) {
			return "Hello " + name + " from " + city;
		}

		@GetMapping("/api/missing/{id}")
		String missing(@PathVariable String id) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No item " + id);
		}

		@GetMapping("/api/boom")
		String boom() {
			throw new IllegalStateException("Boom!");
		}

		@GetMapping("/api/teapot")
		ResponseEntity<String> teapot() {
			return ResponseEntity.status(418).header("X-Tea", "earl grey").body("short and stout");
		}

		@GetMapping("/api/order")
		String order(HttpServletRequest request) {
			return String.valueOf(request.getAttribute("order"));
		}

		@RequestMapping(path = "/error", produces = MediaType.APPLICATION_JSON_VALUE)
		ResponseEntity<String> error(HttpServletRequest request) {
			Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
			Object exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
			String message = String.valueOf(request.getAttribute(RequestDispatcher.ERROR_MESSAGE));
			if (exception instanceof Throwable throwable) {
				message = throwable.getClass().getSimpleName() + ": " + throwable.getMessage();
			}
			int code = (status instanceof Integer i) ? i : 500;
			return ResponseEntity.status(code).body("{\"status\":" + code + ",\"message\":\"" + message
					+ "\",\"path\":\"" + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) + "\"}");
		}

		@PostMapping(path = "/upload", produces = "text/plain;charset=UTF-8")
		String upload(@RequestParam String title,
				@RequestParam org.springframework.web.multipart.MultipartFile file) throws IOException {
			long size = 0;
			try (java.io.InputStream in = file.getInputStream()) {
				byte[] chunk = new byte[8192];
				int n;
				while ((n = in.read(chunk)) >= 0) {
					size += n;
				}
			}
			return title + " " + file.getOriginalFilename() + " " + file.getSize() + " " + size;
		}

		@GetMapping("/fragment")
		String fragment() {
			return "fragment";
		}

	}

	@Controller
	static class PageController {

		@GetMapping("/old")
		String old() {
			return "redirect:/api/greeting?name=redirected";
		}

		@GetMapping("/fwd")
		String forward() {
			return "forward:/api/greeting?name=forwarded";
		}

		@GetMapping("/page")
		void page(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
			response.setContentType("text/plain;charset=UTF-8");
			response.getOutputStream().write('<');
			request.getRequestDispatcher("/fragment").include(request, response);
			response.getOutputStream().write('>');
		}

	}

	@RestController
	static class AsyncController {

		@GetMapping("/async/deferred")
		DeferredResult<String> deferred() {
			DeferredResult<String> result = new DeferredResult<>();
			SpringMvcTestApp.deferred.set(result);
			return result;
		}

		@GetMapping("/async/deferred-timeout")
		DeferredResult<String> deferredTimeout() {
			return new DeferredResult<>(100L);
		}

		@GetMapping("/async/callable")
		Callable<String> callable() {
			return () -> "called on " + (Thread.currentThread().getName().startsWith("mvc-async-") ? "mvc" : "?");
		}

		@GetMapping("/async/task")
		WebAsyncTask<String> task() {
			return new WebAsyncTask<>(5000L, () -> "task done");
		}

		@GetMapping("/async/stream")
		StreamingResponseBody stream() {
			return (out) -> {
				for (int i = 0; i < 3; i++) {
					out.write(("chunk" + i + "\n").getBytes(StandardCharsets.UTF_8));
					out.flush();
				}
			};
		}

		@GetMapping("/async/emitter")
		ResponseBodyEmitter emitter() {
			ResponseBodyEmitter emitter = new ResponseBodyEmitter();
			new Thread(() -> {
				try {
					emitter.send("a", MediaType.TEXT_PLAIN);
					emitter.send("b", MediaType.TEXT_PLAIN);
					emitter.complete();
				}
				catch (IOException ex) {
					emitter.completeWithError(ex);
				}
			}).start();
			return emitter;
		}

		@GetMapping(path = "/async/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		SseEmitter sse() {
			SseEmitter emitter = new SseEmitter(60_000L);
			emitter.onCompletion(() -> events.add("completion"));
			emitter.onError((ex) -> events.add("error " + ex.getClass().getSimpleName()));
			SpringMvcTestApp.sse.set(emitter);
			return emitter;
		}

	}

	/** Records filter order into a request attribute and a response header. */
	static class OrderFilter extends OncePerRequestFilter {

		private final String name;

		OrderFilter(String name) {
			this.name = name;
		}

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			Object order = request.getAttribute("order");
			request.setAttribute("order", (order != null) ? order + "," + this.name : this.name);
			response.addHeader("X-Filter", this.name);
			chain.doFilter(request, response);
		}

	}

}
