package dev.fastcgi.it;

import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.fastcgi.boot.test.FastCgiTestClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Security boundaries a FastCGI container must keep: path tricks in the raw REQUEST_URI cannot reach a page a
 * Spring Security URL mapping protects, and forwarded headers from the client are not trusted (REMOTE_ADDR and
 * HTTPS, set by the web server, are the source of truth) unless the application opts in.
 */
@SpringBootTest(classes = SecurityBoundaryTests.SecuredApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "fastcgi.bind-address=")
@DirtiesContext
class SecurityBoundaryTests {

	@Autowired
	FastCgiTestClient client;

	@Test
	void publicPageIsServedAndAdminPageNeedsALogin() {
		assertThat(this.client.get("/public/hello").bodyAsString()).isEqualTo("public");
		FastCgiResponse admin = this.client.get("/admin/secret");
		assertThat(admin.status()).isIn(302, 401, 403);
		assertThat(admin.bodyAsString()).doesNotContain("admin secret");
	}

	@Test
	void pathTricksCannotReachTheProtectedPage() {
		List<String> tricks = List.of("/public/../admin/secret", "/public/%2e%2e/admin/secret",
				"/public/%2E%2E/admin/secret", "/public/..%2fadmin/secret", "/public%2f..%2fadmin/secret",
				"//admin/secret", "/admin//secret", "/./admin/secret", "/admin/./secret", "/admin;x=y/secret",
				"/admin/secret;jsessionid=abc", "/ADMIN/secret", "/admin/secret/", "/public/..\\admin/secret",
				"/public/%5c../admin/secret", "/admin%2fsecret", "/%61dmin/secret", "/public/%00/../admin/secret");
		for (String trick : tricks) {
			FastCgiResponse response = this.client.get(trick);
			assertThat(response.bodyAsString()).as(trick + " -> " + response.status()).doesNotContain("admin secret");
			assertThat(response.status()).as(trick).isNotEqualTo(200);
		}
	}

	@Test
	void forwardedHeadersAreNotTrustedByDefault() {
		FastCgiResponse response = this.client.execute(FastCgiRequest.get("/public/whoami")
			.param("REMOTE_ADDR", "10.1.2.3")
			.header("X-Forwarded-For", "203.0.113.9")
			.header("X-Forwarded-Proto", "https")
			.header("X-Forwarded-Host", "evil.example")
			.header("Forwarded", "for=198.51.100.1;proto=https;host=evil.example"));
		assertThat(response.bodyAsString()).isEqualTo("10.1.2.3 http false localhost");
	}

	@Test
	void httpsFromTheWebServerIsTheSourceOfTruth() {
		FastCgiResponse response = this.client.execute(FastCgiRequest.get("/public/whoami")
			.param("REMOTE_ADDR", "10.1.2.3")
			.param("HTTPS", "on")
			.param("REQUEST_SCHEME", "https"));
		assertThat(response.bodyAsString()).isEqualTo("10.1.2.3 https true localhost");
	}

	@Test
	void responseHeadersCannotBeSplit() {
		FastCgiResponse response = this.client.get("/public/split?value=" + "a%0d%0aSet-Cookie:%20evil=1");
		assertThat(response.headers().getAll("Set-Cookie")).noneMatch((cookie) -> cookie.startsWith("evil"));
		assertThat(response.stdoutAsString()).doesNotContain("\r\nSet-Cookie: evil=1");
	}

	@Test
	void sessionIdIsNotAcceptedFromTheUrl() {
		FastCgiResponse first = this.client.get("/public/session");
		String id = first.bodyAsString();
		FastCgiResponse viaUrl = this.client.get("/public/session;jsessionid=" + id, Map.of());
		assertThat(viaUrl.bodyAsString()).isNotEqualTo(id);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableWebSecurity
	@Import(Pages.class)
	static class SecuredApplication {

		@Bean
		SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
			http.authorizeHttpRequests((requests) -> requests.requestMatchers("/public/**", "/error")
				.permitAll()
				.anyRequest()
				.authenticated()).httpBasic(Customizer.withDefaults()).csrf((csrf) -> csrf.disable());
			return http.build();
		}

	}

	@RestController
	static class Pages {

		@GetMapping("/public/hello")
		String hello() {
			return "public";
		}

		@GetMapping("/public/whoami")
		String whoami(HttpServletRequest request) {
			return request.getRemoteAddr() + " " + request.getScheme() + " " + request.isSecure() + " "
					+ request.getServerName();
		}

		@GetMapping("/public/split")
		String split(jakarta.servlet.http.HttpServletResponse response, @org.springframework.web.bind.annotation.RequestParam String value) {
			try {
				response.setHeader("X-Echo", value);
			}
			catch (IllegalArgumentException ex) {
				return "refused";
			}
			return "set";
		}

		@GetMapping("/public/session")
		String session(HttpServletRequest request) {
			return request.getSession().getId();
		}

		@GetMapping("/admin/secret")
		String secret() {
			return "admin secret";
		}

	}

}
