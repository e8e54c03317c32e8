package dev.fastcgi.it.scaleout;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.fastcgi.interop.support.HaproxyProcess;
import dev.fastcgi.interop.support.NginxProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.PostgresProcess;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scale-out: two instances of one Boot application behind one web server upstream (nginx round robin, HAProxy
 * {@code balance roundrobin}), sessions in Spring Session JDBC on a real PostgreSQL. A login made through one instance
 * is valid on the other, and a rolling restart (graceful stop, start on the same port, one instance at a time) loses
 * no request.
 */
class ScaleOutTests {

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

	@TempDir
	static Path directory;

	private static PostgresProcess postgres;

	private static final ConfigurableApplicationContext[] instances = new ConfigurableApplicationContext[2];

	@BeforeAll
	static void startDatabaseAndInstances() throws IOException {
		Peers.require(Peers.NGINX);
		postgres = PostgresProcess.start(directory.resolve("postgres"));
		try (InputStream schema = ScaleOutTests.class
			.getResourceAsStream("/org/springframework/session/jdbc/schema-postgresql.sql")) {
			postgres.psql(new String(schema.readAllBytes(), StandardCharsets.UTF_8));
		}
		instances[0] = startInstance("A", 0);
		instances[1] = startInstance("B", 0);
	}

	@AfterAll
	static void stopAll() {
		for (ConfigurableApplicationContext instance : instances) {
			if (instance != null) {
				instance.close();
			}
		}
		if (postgres != null) {
			postgres.stop();
		}
	}

	@Test
	void loginThroughNginxIsValidOnBothInstances() throws IOException {
		try (NginxProcess nginx = nginx("nginx-shared")) {
			String session = login(nginx.port());
			Set<String> served = new TreeSet<>();
			for (int i = 0; i < 8; i++) {
				served.add(whoami(nginx.port(), session));
			}
			assertThat(served).containsExactly("A user", "B user");
			// the logged-in session lives in PostgreSQL
			assertThat(postgres.psql("SELECT count(*) FROM spring_session WHERE principal_name = 'user'"))
				.isNotEqualTo("0");
		}
	}

	@Test
	void loginThroughHaproxyIsValidOnBothInstances() throws IOException {
		Peers.require(Peers.HAPROXY);
		String servers = "127.0.0.1:" + port(0) + " proto fcgi\n  server app2 127.0.0.1:" + port(1);
		try (HaproxyProcess haproxy = HaproxyProcess.builder(directory.resolve("haproxy"), servers)
			.backendDirective("balance roundrobin")
			.start()) {
			String session = login(haproxy.port());
			Set<String> served = new TreeSet<>();
			for (int i = 0; i < 8; i++) {
				served.add(whoami(haproxy.port(), session));
			}
			// the instances may have been restarted (A2, B2) by the rolling restart test
			assertThat(served).hasSize(2).allMatch((body) -> body.endsWith(" user"));
		}
	}

	@Test
	void rollingRestartLosesNoRequest() throws Exception {
		try (NginxProcess nginx = nginx("nginx-rolling")) {
			String session = login(nginx.port());
			RequestLoop loop = new RequestLoop(nginx.port(), session);
			long started = System.nanoTime();
			// no request budget: a slow graceful stop (0.02-3.6 s seen) must not let the loop end before B2 serves
			loop.start(2, Integer.MAX_VALUE);
			try {
				await().atMost(Duration.ofSeconds(10)).until(() -> loop.served.keySet().containsAll(List.of("A", "B")));
				restart(0, "A2");
				await().atMost(Duration.ofSeconds(15)).until(() -> loop.served.containsKey("A2"));
				restart(1, "B2");
				await().atMost(Duration.ofSeconds(15)).until(() -> loop.served.containsKey("B2"));
				// a few hundred requests in all, some of them after both restarts
				int afterRestarts = loop.requests.get() + 50;
				await().atMost(Duration.ofSeconds(30))
					.until(() -> loop.requests.get() >= Math.max(300, afterRestarts) || !loop.running.get());
				assertThat(loop.running.get()).as("the loop was still running when the restarts ended").isTrue();
			}
			finally {
				loop.stop();
			}
			System.out.println("rolling restart: " + loop.requests.get() + " requests in "
					+ Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms, " + loop.failures.size()
					+ " failed, served by " + loop.served);
			assertThat(loop.failures).isEmpty();
			assertThat(loop.requests.get()).isGreaterThanOrEqualTo(300);
			assertThat(loop.served).containsKeys("A", "B", "A2", "B2");
		}
	}

	private static void restart(int index, String name) {
		int port = port(index);
		long closing = System.nanoTime();
		instances[index].close();
		instances[index] = null;
		long starting = System.nanoTime();
		instances[index] = startInstance(name, port);
		System.out.println("restart " + name + ": stopped in " + Duration.ofNanos(starting - closing).toMillis()
				+ " ms, started in " + Duration.ofNanos(System.nanoTime() - starting).toMillis() + " ms");
	}

	private static ConfigurableApplicationContext startInstance(String name, int port) {
		return new SpringApplicationBuilder(ScaleOutApplication.class)
			.properties("server.port=" + port, "fastcgi.bind-address=", "instance=" + name,
					"scaleout.jdbc-url=" + postgres.jdbcUrl(), "scaleout.jdbc-username=" + postgres.username(),
					"spring.main.banner-mode=off", "logging.level.root=warn")
			.run();
	}

	private static int port(int index) {
		return ((WebServerApplicationContext) instances[index]).getWebServer().getPort();
	}

	/**
	 * nginx with both instances in its upstream, round robin, kept connections; {@code max_fails=0} so that a
	 * restarted instance is tried again at once (a refused connection passes the request to the next server).
	 */
	private static NginxProcess nginx(String name) {
		String upstream = "127.0.0.1:" + port(0) + " max_fails=0;\n    server 127.0.0.1:" + port(1) + " max_fails=0";
		return NginxProcess.builder(directory.resolve(name), upstream)
			.keepConn(true)
			.keepalive(4)
			.locationDirective("fastcgi_next_upstream error timeout")
			.start();
	}

	/** GET the login page (session + CSRF token), POST the form; returns the logged-in session's cookie. */
	private static String login(int port) throws IOException {
		HttpResponse page = RawHttpClient.get(port, "/login");
		assertThat(page.status()).as(page.toString()).isEqualTo(200);
		String anonymous = sessionCookie(page);
		assertThat(anonymous).as(page.toString()).isNotNull();
		Matcher token = CSRF.matcher(page.bodyAsString());
		assertThat(token.find()).as(page.bodyAsString()).isTrue();
		String form = "username=user&password=secret&_csrf=" + URLEncoder.encode(token.group(1), StandardCharsets.UTF_8);
		HttpResponse posted = RawHttpClient.request(port, "POST", "/login",
				Map.of("Cookie", anonymous, "Content-Type", "application/x-www-form-urlencoded"),
				form.getBytes(StandardCharsets.US_ASCII));
		assertThat(posted.status()).as(posted.toString()).isEqualTo(302);
		assertThat(posted.header("Location")).as(posted.toString()).doesNotContain("error");
		// session fixation protection: the login changes the session id
		String session = sessionCookie(posted);
		assertThat(session).isNotNull().isNotEqualTo(anonymous);
		return session;
	}

	private static String whoami(int port, String session) throws IOException {
		HttpResponse response = RawHttpClient.request(port, "GET", "/whoami", Map.of("Cookie", session), null);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return response.bodyAsString();
	}

	private static String sessionCookie(HttpResponse response) {
		for (String setCookie : response.headers().getOrDefault("set-cookie", List.of())) {
			// Spring Session's cookie (base64 id), named SESSION or after server.servlet.session.cookie.name
			if (setCookie.startsWith("SESSION=") || setCookie.startsWith("JSESSIONID=")) {
				return setCookie.substring(0, setCookie.indexOf(';'));
			}
		}
		return null;
	}

	/** Threads sending GET /whoami with one session until stopped or a bound is reached, recording every failure. */
	private static final class RequestLoop {

		private final int port;

		private final String session;

		final AtomicBoolean running = new AtomicBoolean(true);

		final AtomicInteger requests = new AtomicInteger();

		final List<String> failures = Collections.synchronizedList(new ArrayList<>());

		final Map<String, Integer> served = new ConcurrentHashMap<>();

		private final List<Thread> threads = new ArrayList<>();

		RequestLoop(int port, String session) {
			this.port = port;
			this.session = session;
		}

		void start(int threadCount, int maxRequestsPerThread) {
			for (int i = 0; i < threadCount; i++) {
				Thread thread = new Thread(() -> run(maxRequestsPerThread), "scale-out-loop-" + i);
				this.threads.add(thread);
				thread.start();
			}
		}

		private void run(int maxRequests) {
			for (int i = 0; i < maxRequests && this.running.get(); i++) {
				this.requests.incrementAndGet();
				try {
					HttpResponse response = RawHttpClient.request(this.port, "GET", "/whoami",
							Map.of("Cookie", this.session), null);
					String body = response.bodyAsString();
					if (response.status() != 200 || !body.endsWith(" user")) {
						this.failures.add(response.status() + " " + body);
					}
					else {
						this.served.merge(body.substring(0, body.indexOf(' ')), 1, Integer::sum);
					}
				}
				catch (IOException ex) {
					this.failures.add(ex.toString());
				}
			}
			this.running.set(false);
		}

		void stop() throws InterruptedException {
			this.running.set(false);
			for (Thread thread : this.threads) {
				thread.join(10_000);
			}
		}

	}

}
