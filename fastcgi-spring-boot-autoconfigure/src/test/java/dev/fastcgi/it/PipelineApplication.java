package dev.fastcgi.it;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A Spring Boot application with one endpoint per servlet-pipeline feature, served by the starter in the
 * end-to-end tests.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ PipelineApplication.ApiController.class, PipelineApplication.PageController.class })
public class PipelineApplication {

	/** Appends its name to the X-Filter-Order header: the order filters ran in. */
	static final class OrderFilter extends OncePerRequestFilter {

		private final String name;

		OrderFilter(String name) {
			this.name = name;
		}

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			String before = response.getHeader("X-Filter-Order");
			response.setHeader("X-Filter-Order", (before == null) ? this.name : before + "," + this.name);
			chain.doFilter(request, response);
		}

	}

	@Bean
	FilterRegistrationBean<OrderFilter> secondFilter() {
		FilterRegistrationBean<OrderFilter> registration = new FilterRegistrationBean<>(new OrderFilter("second"));
		registration.setOrder(20);
		registration.addUrlPatterns("/api/*");
		return registration;
	}

	@Bean
	FilterRegistrationBean<OrderFilter> firstFilter() {
		FilterRegistrationBean<OrderFilter> registration = new FilterRegistrationBean<>(new OrderFilter("first"));
		registration.setOrder(10);
		registration.addUrlPatterns("/api/*");
		return registration;
	}

	@RestController
	static class ApiController {

		@GetMapping(path = "/api/json", produces = MediaType.APPLICATION_JSON_VALUE)
		Map<String, Object> json(@RequestParam(defaultValue = "world") String name, HttpServletRequest request) {
			Map<String, Object> body = new TreeMap<>();
			body.put("greeting", "hello " + name);
			body.put("secure", request.isSecure());
			return body;
		}

		@GetMapping("/api/paths/**")
		String paths(HttpServletRequest request) {
			return request.getContextPath() + "|" + request.getServletPath() + "|" + request.getPathInfo() + "|"
					+ request.getRequestURI() + "|" + request.getQueryString();
		}

		@PostMapping(path = "/api/form", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
		String form(@RequestParam Map<String, String> params) {
			return new TreeMap<>(params).toString();
		}

		@GetMapping("/api/boom")
		String boom() {
			throw new IllegalStateException("boom");
		}

		@GetMapping("/api/teapot")
		ResponseEntity<String> teapot() {
			return ResponseEntity.status(418).header("X-Multi", "a").header("X-Multi", "b").body("short and stout");
		}

	}

	@Controller
	static class PageController {

		@GetMapping("/redirect")
		String redirect() {
			return "redirect:/api/json?name=redirected";
		}

		@GetMapping("/forward")
		String forward() {
			return "forward:/api/json?name=forwarded";
		}

		@GetMapping("/plain")
		@ResponseBody
		String plain() {
			return "plain text";
		}

	}

}
