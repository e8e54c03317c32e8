package dev.fastcgi.it;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.http.HttpSession;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.session.MapSession;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.config.annotation.web.http.EnableSpringHttpSession;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.fastcgi.boot.test.FastCgiTestClient;
import dev.fastcgi.client.FastCgiResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Session is a filter that replaces the container's sessions: over FastCGI the application's sessions live
 * in Spring Session's repository (here a map; JDBC or Redis in production, which is how sessions are shared across
 * instances), the cookie is Spring Session's, and the container keeps no session of its own.
 */
@SpringBootTest(classes = SpringSessionEndToEndTests.SessionApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = "fastcgi.bind-address=")
// stop the server after the class: a cached context would keep its threads alive for the leak checks of
// the engine tests that run later in the same JVM
@DirtiesContext
class SpringSessionEndToEndTests {

	@Autowired
	FastCgiTestClient client;

	@Autowired
	MapSessionRepository repository;

	@Autowired
	Map<String, org.springframework.session.Session> sessions;

	@Autowired
	org.springframework.boot.web.server.context.WebServerApplicationContext context;

	@Test
	void sessionLivesInSpringSessionsRepository() {
		FastCgiResponse first = this.client.get("/count");
		assertThat(first.bodyAsString()).isEqualTo("1");
		String setCookie = first.header("Set-Cookie");
		assertThat(setCookie).contains("HttpOnly");
		String cookie = setCookie.substring(0, setCookie.indexOf(';'));
		// Spring Session's cookie serializer writes its own id, base64-encoded
		String id = new String(java.util.Base64.getDecoder().decode(cookie.substring(cookie.indexOf('=') + 1)));
		assertThat(this.sessions).containsKey(id);

		FastCgiResponse second = this.client.get("/count", Map.of("Cookie", cookie));
		assertThat(second.bodyAsString()).isEqualTo("2");
		FastCgiResponse third = this.client.get("/count", Map.of("Cookie", cookie));
		assertThat(third.bodyAsString()).isEqualTo("3");
		assertThat(this.sessions).hasSize(1);
		assertThat(this.sessions.values().iterator().next().<Integer>getAttribute("count")).isEqualTo(3);

		// another client, another session
		assertThat(this.client.get("/count").bodyAsString()).isEqualTo("1");
		assertThat(this.sessions).hasSize(2);

		// the container created none of its own
		dev.fastcgi.boot.FastCgiWebServer server = (dev.fastcgi.boot.FastCgiWebServer) this.context.getWebServer();
		assertThat(server).isNotNull();
		assertThat(this.client.get("/container-sessions").bodyAsString()).isEqualTo("none");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableSpringHttpSession
	@Import(CountController.class)
	static class SessionApplication {

		@Bean
		Map<String, org.springframework.session.Session> sessions() {
			return new ConcurrentHashMap<>();
		}

		@Bean
		MapSessionRepository sessionRepository(Map<String, org.springframework.session.Session> sessions) {
			MapSessionRepository repository = new MapSessionRepository(sessions);
			repository.setDefaultMaxInactiveInterval(MapSession.DEFAULT_MAX_INACTIVE_INTERVAL);
			return repository;
		}

	}

	@RestController
	static class CountController {

		@GetMapping("/count")
		int count(HttpSession session) {
			Integer count = (Integer) session.getAttribute("count");
			int next = (count == null) ? 1 : count + 1;
			session.setAttribute("count", next);
			return next;
		}

		@GetMapping("/container-sessions")
		String containerSessions(jakarta.servlet.http.HttpServletRequest request) {
			// Spring Session wraps the request; the container's own request has no session
			jakarta.servlet.ServletRequest inner = request;
			while (inner instanceof jakarta.servlet.ServletRequestWrapper wrapper) {
				inner = wrapper.getRequest();
			}
			return (((jakarta.servlet.http.HttpServletRequest) inner).getSession(false) == null) ? "none" : "some";
		}

	}

}
