package dev.fastcgi.servlet;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletRegistration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.filter.DelegatingFilterProxy;
import org.springframework.web.servlet.DispatcherServlet;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Security unchanged on the container: form login with CSRF, session fixation protection, a protected page,
 * logout; through {@link FastCgiServletContainer#handle} and over the real engine with the project client.
 */
class SpringSecurityContainerTests {

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

	private FastCgiServletContainer container;

	private AnnotationConfigWebApplicationContext webContext;

	/** One HTTP exchange as the test sees it: status, Location, the session cookie set (if any), body. */
	record Reply(int status, String location, String sessionCookie, String body) {
	}

	/** Sends requests with an optional Cookie header. */
	interface Browser {

		Reply get(String path, String session) throws Exception;

		Reply postForm(String path, String session, String form) throws Exception;

	}

	@BeforeEach
	void start() throws Exception {
		ContainerSettings settings = new ContainerSettings();
		settings.getErrorPages().add(new ErrorPageMapping(0, null, "/error"));
		this.container = new FastCgiServletContainer(settings);
		this.webContext = new AnnotationConfigWebApplicationContext();
		this.webContext.register(SpringMvcTestApp.class, SecurityTestConfig.class);
		this.webContext.setServletContext(this.container.getServletContext());
		FilterRegistration.Dynamic security = this.container.getServletContext()
			.addFilter("springSecurityFilterChain", new DelegatingFilterProxy("springSecurityFilterChain", this.webContext));
		security.setAsyncSupported(true);
		security.addMappingForUrlPatterns(
				EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR, DispatcherType.ASYNC), false, "/*");
		ServletRegistration.Dynamic dispatcher = this.container.getServletContext()
			.addServlet("dispatcherServlet", new DispatcherServlet(this.webContext));
		dispatcher.addMapping("/");
		dispatcher.setAsyncSupported(true);
		dispatcher.setLoadOnStartup(1);
		this.container.start();
	}

	@AfterEach
	void stop() {
		this.container.stop();
		this.webContext.close();
	}

	@Test
	void loginWithCsrfThroughTheContainer() throws Exception {
		loginFlow(new Browser() {
			@Override
			public Reply get(String path, String session) {
				TestRequests request = TestRequests.get(path);
				return reply(((session != null) ? request.header("Cookie", session) : request).run(container()));
			}

			@Override
			public Reply postForm(String path, String session, String form) {
				TestRequests request = TestRequests.request("POST", path)
					.body("application/x-www-form-urlencoded", form);
				return reply(((session != null) ? request.header("Cookie", session) : request).run(container()));
			}

			private Reply reply(CgiResponse response) {
				return new Reply(response.status(), response.header("Location"), sessionCookie(response.header("Set-Cookie")),
						response.bodyText());
			}
		});
	}

	@Test
	void loginWithCsrfOverTheEngine() throws Exception {
		FastCgiServer server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.container);
		server.start();
		try (FastCgiClient client = FastCgiClient.create(new InetSocketAddress("127.0.0.1", server.port()))) {
			loginFlow(new Browser() {
				@Override
				public Reply get(String path, String session) throws Exception {
					FastCgiRequest request = FastCgiRequest.get(path);
					return reply(client.execute((session != null) ? request.header("Cookie", session) : request));
				}

				@Override
				public Reply postForm(String path, String session, String form) throws Exception {
					FastCgiRequest request = FastCgiRequest.post(path, "application/x-www-form-urlencoded", form);
					return reply(client.execute((session != null) ? request.header("Cookie", session) : request));
				}

				private Reply reply(FastCgiResponse response) {
					return new Reply(response.status(), response.header("Location"),
							sessionCookie(response.header("Set-Cookie")), response.bodyAsString());
				}
			});
		}
		finally {
			server.stop(Duration.ofSeconds(2));
		}
	}

	@Test
	void loginWithCsrfThroughNginx() throws Exception {
		org.assertj.core.api.Assumptions.assumeThat(NginxProcess.isInstalled()).as("nginx installed").isTrue();
		FastCgiServer server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.container);
		server.start();
		java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
			.version(java.net.http.HttpClient.Version.HTTP_1_1)
			.followRedirects(java.net.http.HttpClient.Redirect.NEVER)
			.build();
		try (NginxProcess nginx = NginxProcess.start(server.port())) {
			loginFlow(new Browser() {
				@Override
				public Reply get(String path, String session) throws Exception {
					return send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(nginx.url(path))).GET(), session);
				}

				@Override
				public Reply postForm(String path, String session, String form) throws Exception {
					return send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(nginx.url(path)))
						.header("Content-Type", "application/x-www-form-urlencoded")
						.POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)), session);
				}

				private Reply send(java.net.http.HttpRequest.Builder request, String session) throws Exception {
					if (session != null) {
						request.header("Cookie", session);
					}
					java.net.http.HttpResponse<String> response = http.send(request.build(),
							java.net.http.HttpResponse.BodyHandlers.ofString());
					return new Reply(response.statusCode(), response.headers().firstValue("Location").orElse(null),
							sessionCookie(response.headers().firstValue("Set-Cookie").orElse(null)), response.body());
				}
			});
		}
		finally {
			server.stop(Duration.ofSeconds(2));
		}
	}

	private FastCgiServletContainer container() {
		return this.container;
	}

	private static String sessionCookie(String setCookie) {
		if (setCookie == null || !setCookie.startsWith("JSESSIONID=")) {
			return null;
		}
		return setCookie.substring(0, setCookie.indexOf(';'));
	}

	private void loginFlow(Browser browser) throws Exception {
		Reply protectedPage = browser.get("/secret", null);
		assertThat(protectedPage.status()).isEqualTo(302);
		assertThat(protectedPage.location()).endsWith("/login");
		String session = protectedPage.sessionCookie();
		assertThat(session).isNotNull();
		Reply loginPage = browser.get("/login", session);
		assertThat(loginPage.status()).isEqualTo(200);
		Matcher csrf = CSRF.matcher(loginPage.body());
		assertThat(csrf.find()).as(loginPage.body()).isTrue();
		String token = csrf.group(1);
		Reply forged = browser.postForm("/login", session, "username=user&password=secret");
		assertThat(forged.status()).as("login without CSRF token").isEqualTo(403);
		Reply wrongPassword = browser.postForm("/login", session, "username=user&password=wrong&_csrf=" + token);
		assertThat(wrongPassword.status()).isEqualTo(302);
		assertThat(wrongPassword.location()).endsWith("/login?error");
		Reply login = browser.postForm("/login", session, "username=user&password=secret&_csrf=" + token);
		assertThat(login.status()).isEqualTo(302);
		assertThat(login.location()).contains("/secret");
		String newSession = login.sessionCookie();
		assertThat(newSession).as("session fixation protection changes the id").isNotNull().isNotEqualTo(session);
		assertThat(browser.get("/secret", session).status()).as("old session id").isEqualTo(302);
		Reply secret = browser.get("/secret", newSession);
		assertThat(secret.status()).isEqualTo(200);
		assertThat(secret.body()).isEqualTo("secret for user");
		Reply logoutWithoutToken = browser.postForm("/logout", newSession, "");
		assertThat(logoutWithoutToken.status()).isEqualTo(403);
		Reply logoutPage = browser.get("/logout", newSession);
		Matcher logoutCsrf = CSRF.matcher(logoutPage.body());
		assertThat(logoutCsrf.find()).as(logoutPage.body()).isTrue();
		Reply logout = browser.postForm("/logout", newSession, "_csrf=" + logoutCsrf.group(1));
		assertThat(logout.status()).isEqualTo(302);
		assertThat(logout.location()).endsWith("/login?logout");
		assertThat(browser.get("/secret", newSession).status()).as("after logout").isEqualTo(302);
	}

}
