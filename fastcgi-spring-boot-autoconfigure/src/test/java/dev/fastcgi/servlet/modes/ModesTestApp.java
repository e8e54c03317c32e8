package dev.fastcgi.servlet.modes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import dev.fastcgi.protocol.Role;
import dev.fastcgi.servlet.FastCgiRequests;

/**
 * A Spring MVC application (no Boot) using the role APIs: an authorizer mapping, a FILTER endpoint and a STDERR
 * endpoint.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebMvc
public class ModesTestApp {

	/** Latches of {@code /gather}, by size. */
	static final java.util.Map<Integer, java.util.concurrent.CountDownLatch> GATHER = new java.util.concurrent.ConcurrentHashMap<>();

	/** The bearer token the authorizer accepts. */
	public static final String GOOD_TOKEN = "Bearer let-me-in";

	/** Registered as a member class of this configuration. */
	@RestController
	static class ModesController {

		@RequestMapping("/fastcgi/authorize")
		ResponseEntity<String> authorize(HttpServletRequest request, HttpServletResponse response) {
			String uri = FastCgiRequests.originalRequestUri(request);
			String filter = (String) request.getAttribute(AuditFilter.ATTRIBUTE);
			if (GOOD_TOKEN.equals(request.getHeader("Authorization")) || "alice".equals(request.getRemoteUser())) {
				FastCgiRequests.setAuthorizerVariable(response, "USER", "alice");
				FastCgiRequests.setAuthorizerVariable(response, "ROLE_SEEN", String.valueOf(FastCgiRequests.role(request)));
				return ResponseEntity.ok("authorized body (the web server ignores it)");
			}
			return ResponseEntity.status(HttpStatus.FORBIDDEN)
				.header("X-Filter", String.valueOf(filter))
				.body("denied " + request.getMethod() + " " + uri + " role=" + request.getAttribute(FastCgiRequests.ROLE_ATTRIBUTE));
		}

		@GetMapping("/role")
		String role(HttpServletRequest request) {
			Role role = (Role) request.getAttribute(FastCgiRequests.ROLE_ATTRIBUTE);
			return role + " " + request.getRequestURI() + " " + FastCgiRequests.originalRequestUri(request);
		}

		@PostMapping("/filter")
		String filter(HttpServletRequest request) throws IOException {
			String body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			InputStream data = (InputStream) request.getAttribute(FastCgiRequests.DATA_ATTRIBUTE);
			String text = new String(data.readAllBytes(), StandardCharsets.UTF_8);
			Instant lastModified = FastCgiRequests.dataLastModified(request);
			return "role=" + FastCgiRequests.role(request) + " body=" + body + " length="
					+ request.getAttribute(FastCgiRequests.DATA_LENGTH_ATTRIBUTE) + " lastModified="
					+ ((lastModified != null) ? lastModified.getEpochSecond() : null) + " data=" + text.toUpperCase();
		}

		@GetMapping("/filter/none")
		String noData(HttpServletRequest request) throws IOException {
			return "data=" + request.getAttribute(FastCgiRequests.DATA_ATTRIBUTE) + " helper="
					+ FastCgiRequests.data(request).readAllBytes().length + " length=" + FastCgiRequests.dataLength(request);
		}

		@GetMapping("/slow")
		String slow(@org.springframework.web.bind.annotation.RequestParam long ms) throws InterruptedException {
			System.out.println("slow request started");
			System.out.flush();
			Thread.sleep(ms);
			return "slow done after " + ms + " ms";
		}

		@PostMapping("/echo")
		String echo(@org.springframework.web.bind.annotation.RequestBody String body) {
			return "echo:" + body;
		}

		/** Answers once {@code n} requests are in flight together (or after 20 s), so they must run concurrently. */
		@GetMapping("/gather")
		String gather(@org.springframework.web.bind.annotation.RequestParam int n, @org.springframework.web.bind.annotation.RequestParam int i)
				throws InterruptedException {
			java.util.concurrent.CountDownLatch latch = GATHER.computeIfAbsent(n, (k) -> new java.util.concurrent.CountDownLatch(k));
			latch.countDown();
			boolean together = latch.await(20, java.util.concurrent.TimeUnit.SECONDS);
			return "gathered " + i + " together=" + together;
		}

		@GetMapping("/pid")
		String pid() {
			return Long.toString(ProcessHandle.current().pid());
		}

		@GetMapping("/stderr")
		String stderr(HttpServletRequest request) throws IOException {
			FastCgiRequests.stderr(request).println("modes-test: hello from the application");
			FastCgiRequests.stderr(request).print("modes-test: unterminated");
			return "logged";
		}

		@GetMapping("/stderr/raw")
		String stderrRaw(HttpServletRequest request) throws IOException {
			java.io.OutputStream stderr = (java.io.OutputStream) request.getAttribute(FastCgiRequests.STDERR_ATTRIBUTE);
			stderr.write("modes-test: raw bytes\n".getBytes(StandardCharsets.UTF_8));
			return "raw";
		}

	}

	/** A servlet filter in front of everything, to show that AUTHORIZER requests go through the pipeline. */
	public static class AuditFilter extends OncePerRequestFilter {

		static final String ATTRIBUTE = "audit";

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			request.setAttribute(ATTRIBUTE, "audited " + request.getRequestURI());
			chain.doFilter(request, response);
		}

	}

}
