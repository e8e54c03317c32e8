package dev.fastcgi.boot.modes;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.fastcgi.servlet.FastCgiRequests;

/**
 * A plain Spring Boot application with the starter: no bind address configured, so it serves on fd 0 when a web
 * server spawned it, in CGI mode when launched as a CGI program, and on {@code server.port} otherwise.
 */
@SpringBootApplication
public class ModesBootApplication {

	public static void main(String[] args) {
		SpringApplication.run(ModesBootApplication.class, args);
	}

	@RestController
	static class ModesBootController {

		@GetMapping(path = "/hello", produces = "text/plain;charset=UTF-8")
		String hello(@RequestParam(defaultValue = "world") String name) {
			System.out.println("a stray System.out line");
			return "Hello, " + name + " from Boot";
		}

		@PostMapping(path = "/echo", produces = "text/plain;charset=UTF-8")
		String echo(@RequestBody String body) {
			return "echo:" + body;
		}

		@GetMapping("/slow")
		String slow(@RequestParam long ms) throws InterruptedException {
			System.err.println("slow request started");
			Thread.sleep(ms);
			return "slow done after " + ms + " ms";
		}

		@GetMapping("/pid")
		String pid() {
			return Long.toString(ProcessHandle.current().pid());
		}

		@RequestMapping("/fastcgi/authorize")
		ResponseEntity<String> authorize(HttpServletRequest request, HttpServletResponse response) {
			if ("let-me-in".equals(request.getHeader("X-Token"))) {
				FastCgiRequests.setAuthorizerVariable(response, "USER", "alice");
				return ResponseEntity.ok("ok");
			}
			return ResponseEntity.status(HttpStatus.FORBIDDEN)
				.body("denied " + FastCgiRequests.originalRequestUri(request));
		}

	}

}
