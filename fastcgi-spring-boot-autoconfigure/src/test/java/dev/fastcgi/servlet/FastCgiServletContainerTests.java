package dev.fastcgi.servlet;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.Part;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Request and response behaviour through {@link FastCgiServletContainer#handle} with plain servlets and an
 * in-memory exchange.
 */
class FastCgiServletContainerTests {

	private final ContainerSettings settings = new ContainerSettings();

	private FastCgiServletContainer container = new FastCgiServletContainer(this.settings);

	@AfterEach
	void stop() {
		this.container.stop();
	}

	private void servlet(String mapping, Handler handler) {
		this.container.getServletContext().addServlet("s" + mapping.hashCode(), new HttpServlet() {
			@Override
			protected void service(HttpServletRequest request, HttpServletResponse response)
					throws ServletException, IOException {
				handler.handle(request, response);
			}
		}).addMapping(mapping);
	}

	private void start() throws ServletException {
		this.container.start();
	}

	@FunctionalInterface
	interface Handler {

		void handle(HttpServletRequest request, HttpServletResponse response) throws IOException, ServletException;

	}

	@Test
	void requestLineHeadersAndParams() throws Exception {
		servlet("/echo/*", (request, response) -> {
			response.setCharacterEncoding("UTF-8");
			PrintWriter out = response.getWriter();
			out.println(request.getMethod() + " " + request.getRequestURI() + " " + request.getQueryString());
			out.println(request.getContextPath() + "|" + request.getServletPath() + "|" + request.getPathInfo());
			out.println(request.getRequestURL());
			out.println(request.getHeader("accept") + "|" + request.getHeader("X-Custom") + "|"
					+ request.getIntHeader("X-Num") + "|" + request.getHeader("Missing"));
			out.println(request.getParameter("a") + "|" + String.join(",", request.getParameterValues("b")) + "|"
					+ request.getParameter("u"));
			out.println(request.getRemoteAddr() + ":" + request.getRemotePort() + " " + request.getLocalAddr() + ":"
					+ request.getLocalPort() + " " + request.getServerName() + ":" + request.getServerPort());
			out.println(request.getLocale() + " " + Collections.list(request.getLocales()));
			out.println(request.getCookies()[1].getName() + "=" + request.getCookies()[1].getValue());
			out.println(Collections.list(request.getHeaderNames()).contains("X-Custom"));
			out.println(request.getAttribute(FastCgiServletContainer.PARAMS_ATTRIBUTE) instanceof Map<?, ?> map
					&& map.get("REMOTE_ADDR").equals("192.0.2.10"));
			out.println(request.getHttpServletMapping().getPattern() + " " + request.isSecure() + " "
					+ request.getProtocol() + " " + request.getDispatcherType());
		});
		start();
		CgiResponse response = TestRequests.get("/echo/p%20q?a=1&b=x&b=y&u=%C3%A9")
			.header("Accept", "text/html")
			.header("X-Custom", "v")
			.header("X-Num", "42")
			.header("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8")
			.header("Cookie", "a=1; theme=\"dark\"")
			.run(this.container);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyText()).isEqualTo("""
				GET /echo/p%20q a=1&b=x&b=y&u=%C3%A9
				|/echo|/p q
				http://localhost:8080/echo/p%20q
				text/html|v|42|null
				1|x,y|é
				192.0.2.10:51234 192.0.2.1:8080 localhost:8080
				fr_CH [fr_CH, fr, en]
				theme=dark
				true
				true
				/echo/* false HTTP/1.1 REQUEST
				""");
	}

	@Test
	void contentTypeSplitsIntoTypeParametersAndCharset() throws Exception {
		servlet("/ct", (request, response) -> {
			StringBuilder seen = new StringBuilder();
			for (String type : new String[] { " text/html ", "text/plain;charset=UTF-8",
					"multipart/mixed; boundary=x ;; charset=\"ISO-8859-1\"; q=1;", "application/json;",
					";charset=UTF-8" }) {
				response.setContentType(type);
				seen.append(response.getContentType()).append('|').append(response.getCharacterEncoding())
					.append('\n');
			}
			response.setContentType("text/csv ; Charset=UTF-16 ; header=present");
			response.getOutputStream().write(seen.toString().getBytes(StandardCharsets.ISO_8859_1));
		});
		start();
		CgiResponse response = TestRequests.get("/ct").run(this.container);
		assertThat(response.bodyText()).isEqualTo("""
				text/html|ISO-8859-1
				text/plain;charset=UTF-8|UTF-8
				multipart/mixed;boundary=x;q=1;charset=ISO-8859-1|ISO-8859-1
				application/json;charset=ISO-8859-1|ISO-8859-1
				;charset=UTF-8|UTF-8
				""");
		assertThat(response.header("Content-Type")).isEqualTo("text/csv;header=present;charset=UTF-16");
	}

	@Test
	void responseIsCgiWithStatusFirstAndContentLength() throws Exception {
		servlet("/r", (request, response) -> {
			response.setStatus(201);
			response.setContentType("application/json");
			response.setCharacterEncoding("UTF-8");
			response.addHeader("X-Multi", "1");
			response.addHeader("X-Multi", "2");
			response.setHeader("Transfer-Encoding", "chunked");
			response.addCookie(new Cookie("c", "v"));
			response.getOutputStream().write("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
		});
		this.settings.setCookieSameSite((cookie) -> "Lax");
		start();
		CgiResponse response = TestRequests.get("/r").run(this.container);
		assertThat(response.raw()).startsWith("Status: 201 Created\r\n");
		assertThat(response.header("Content-Type")).isEqualTo("application/json;charset=UTF-8");
		assertThat(response.header("Content-Length")).isEqualTo("7");
		assertThat(response.headers("X-Multi")).containsExactly("1", "2");
		assertThat(response.header("Transfer-Encoding")).isNull();
		assertThat(response.header("Set-Cookie")).isEqualTo("c=v; SameSite=Lax");
		assertThat(response.bodyText()).isEqualTo("{\"a\":1}");
	}

	@Test
	void headerValuesWithCrOrLfAreRefused() throws Exception {
		List<String> failures = new ArrayList<>();
		servlet("/split", (request, response) -> {
			for (String value : List.of("a\r\nSet-Cookie: x=y", "a\nb", "a\rb")) {
				try {
					response.setHeader("X-Test", value);
				}
				catch (IllegalArgumentException ex) {
					failures.add(value);
				}
			}
			try {
				response.addHeader("Bad\r\nName", "v");
			}
			catch (IllegalArgumentException ex) {
				failures.add("name");
			}
			try {
				response.sendRedirect("/x\r\nSet-Cookie: a=b");
			}
			catch (IllegalArgumentException ex) {
				failures.add("redirect");
			}
		});
		start();
		CgiResponse response = TestRequests.get("/split").run(this.container);
		assertThat(failures).hasSize(5);
		assertThat(response.raw()).doesNotContain("Set-Cookie");
	}

	@Test
	void largeBodyIsStreamedWithoutContentLength() throws Exception {
		byte[] big = new byte[100_000];
		java.util.Arrays.fill(big, (byte) 'x');
		servlet("/big", (request, response) -> response.getOutputStream().write(big));
		start();
		CgiResponse response = TestRequests.get("/big").run(this.container);
		assertThat(response.header("Content-Length")).isNull();
		assertThat(response.body()).hasSize(100_000);
	}

	@Test
	void bufferGrowsForSmallWritesAndCommitsWhenFull() throws Exception {
		servlet("/small", (request, response) -> {
			for (int i = 0; i < 500; i++) {
				response.getOutputStream().write("0123456789".getBytes(StandardCharsets.US_ASCII));
			}
		});
		servlet("/sized", (request, response) -> {
			response.setBufferSize(100);
			for (int i = 0; i < 30; i++) {
				response.getOutputStream().write("0123456789".getBytes(StandardCharsets.US_ASCII));
			}
			response.getOutputStream().write('!');
		});
		servlet("/declared", (request, response) -> {
			response.setContentLength(3);
			response.getOutputStream().write("abcdef".getBytes(StandardCharsets.US_ASCII));
		});
		servlet("/medium", (request, response) -> {
			// the default buffer is 32 KiB (as Jetty's): two 8 KiB writes still fit, so the length is known
			assertThat(response.getBufferSize()).isEqualTo(32 * 1024);
			byte[] chunk = new byte[8192];
			response.getOutputStream().write(chunk);
			response.getOutputStream().write(chunk);
			assertThat(response.isCommitted()).isFalse();
		});
		servlet("/declared-medium", (request, response) -> {
			// a declared length that fits the buffer is allocated at once; bytes beyond it are dropped
			response.setContentLength(20000);
			byte[] chunk = new byte[10000];
			java.util.Arrays.fill(chunk, (byte) 'a');
			response.getOutputStream().write(chunk);
			java.util.Arrays.fill(chunk, (byte) 'b');
			response.getOutputStream().write(chunk);
			response.getOutputStream().write("extra".getBytes(StandardCharsets.US_ASCII));
		});
		servlet("/declared-one-write", (request, response) -> {
			// one write that completes the declared length goes straight through, nothing to merge it with
			byte[] body = new byte[20000];
			java.util.Arrays.fill(body, (byte) 'c');
			response.setContentLength(body.length);
			response.getOutputStream().write(body);
			assertThat(response.isCommitted()).isTrue();
		});
		start();
		CgiResponse oneWrite = TestRequests.get("/declared-one-write").run(this.container);
		assertThat(oneWrite.status()).isEqualTo(200);
		assertThat(oneWrite.header("Content-Length")).isEqualTo("20000");
		assertThat(oneWrite.bodyText()).isEqualTo("c".repeat(20000));
		CgiResponse declaredMedium = TestRequests.get("/declared-medium").run(this.container);
		assertThat(declaredMedium.header("Content-Length")).isEqualTo("20000");
		assertThat(declaredMedium.bodyText()).isEqualTo("a".repeat(10000) + "b".repeat(10000));
		CgiResponse medium = TestRequests.get("/medium").run(this.container);
		assertThat(medium.status()).isEqualTo(200);
		assertThat(medium.header("Content-Length")).isEqualTo("16384");
		assertThat(medium.body()).hasSize(16384);
		CgiResponse small = TestRequests.get("/small").run(this.container);
		assertThat(small.header("Content-Length")).isEqualTo("5000");
		assertThat(small.body()).hasSize(5000);
		CgiResponse sized = TestRequests.get("/sized").run(this.container);
		assertThat(sized.header("Content-Length")).isNull();
		assertThat(sized.bodyText()).hasSize(301).endsWith("9!");
		CgiResponse declared = TestRequests.get("/declared").run(this.container);
		assertThat(declared.header("Content-Length")).isEqualTo("3");
		assertThat(declared.bodyText()).isEqualTo("abc");
	}

	@Test
	void headSendsHeadersOnlyWithContentLength() throws Exception {
		servlet("/h", (request, response) -> {
			response.setContentType("text/plain");
			response.getWriter().write("hello");
		});
		start();
		CgiResponse response = TestRequests.request("HEAD", "/h").run(this.container);
		assertThat(response.header("Content-Length")).isEqualTo("5");
		assertThat(response.body()).isEmpty();
	}

	@Test
	void flushCommitsAndResetAfterCommitFails() throws Exception {
		List<String> events = new ArrayList<>();
		servlet("/f", (request, response) -> {
			response.getWriter().write("one");
			response.flushBuffer();
			events.add("committed=" + response.isCommitted());
			try {
				response.reset();
			}
			catch (IllegalStateException ex) {
				events.add("reset refused");
			}
			response.setHeader("X-Late", "ignored");
			response.getWriter().write("two");
			try {
				response.getOutputStream();
			}
			catch (IllegalStateException ex) {
				events.add("exclusive");
			}
		});
		start();
		FakeExchange exchange = TestRequests.get("/f").exchange().run(this.container);
		assertThat(events).containsExactly("committed=true", "reset refused", "exclusive");
		assertThat(exchange.response().header("X-Late")).isNull();
		assertThat(exchange.response().bodyText()).isEqualTo("onetwo");
		assertThat(exchange.flushedChunks()).hasSize(1);
	}

	@Test
	void redirectIsAbsolute() throws Exception {
		servlet("/a/b", (request, response) -> response.sendRedirect("c?x=1"));
		servlet("/abs", (request, response) -> response.sendRedirect("/target"));
		start();
		assertThat(TestRequests.get("/a/b").run(this.container).header("Location"))
			.isEqualTo("http://localhost:8080/a/c?x=1");
		CgiResponse response = TestRequests.get("/abs").param("HTTPS", "on").header("Host", "example.org")
			.run(this.container);
		assertThat(response.status()).isEqualTo(302);
		assertThat(response.header("Location")).isEqualTo("https://example.org/target");
	}

	@Test
	void formPostParametersMergeAfterQuery() throws Exception {
		servlet("/form", (request, response) -> response.getOutputStream()
			.write((String.join(",", request.getParameterValues("a")) + "|" + request.getParameter("name"))
				.getBytes(StandardCharsets.UTF_8)));
		start();
		CgiResponse response = TestRequests.request("POST", "/form?a=q")
			.body("application/x-www-form-urlencoded; charset=UTF-8", "a=b&name=J%C3%BCrgen+M")
			.run(this.container);
		assertThat(response.bodyText()).isEqualTo("q,b|Jürgen M");
	}

	@Test
	void tooManyParametersIs400NamingTheLimit() throws Exception {
		this.settings.setMaxParameterCount(2);
		servlet("/p", (request, response) -> request.getParameter("a"));
		start();
		CgiResponse response = TestRequests.get("/p?a=1&b=2&c=3").run(this.container);
		assertThat(response.status()).isEqualTo(400);
	}

	@Test
	void unmappedPathIs404AndMalformedPathIs400() throws Exception {
		servlet("/only", (request, response) -> { });
		start();
		assertThat(TestRequests.get("/other").run(this.container).status()).isEqualTo(404);
		assertThat(TestRequests.get("/a/%2e%2e/%2e%2e/etc").run(this.container).status()).isEqualTo(400);
	}

	@Test
	void traversalIsNormalizedBeforeFiltersMatch() throws Exception {
		List<String> filtered = new ArrayList<>();
		servlet("/", (request, response) -> response.getWriter().write(request.getServletPath()));
		this.container.getServletContext().addFilter("guard", (Filter) (request, response, chain) -> {
			filtered.add(((HttpServletRequest) request).getServletPath());
			chain.doFilter(request, response);
		}).addMappingForUrlPatterns(null, false, "/admin/*");
		start();
		TestRequests.get("/public/..;/admin/secret").run(this.container);
		TestRequests.get("/public/%2e%2e/admin//secret").run(this.container);
		TestRequests.get("//admin/secret;jsessionid=x").run(this.container);
		assertThat(filtered).containsExactly("/admin/secret", "/admin/secret", "/admin/secret");
	}

	@Test
	void sendErrorDispatchesToErrorPageWithAttributes() throws Exception {
		servlet("/missing", (request, response) -> {
			response.setHeader("X-Kept", "yes");
			response.getWriter().write("discarded");
			response.sendError(404, "nothing here");
		});
		servlet("/error", (request, response) -> response.getWriter()
			.write(request.getDispatcherType() + " " + request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) + " "
					+ request.getAttribute(RequestDispatcher.ERROR_MESSAGE) + " "
					+ request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) + " " + request.getRequestURI()));
		this.settings.getErrorPages().add(new ErrorPageMapping(0, null, "/error"));
		start();
		CgiResponse response = TestRequests.get("/missing").run(this.container);
		assertThat(response.status()).isEqualTo(404);
		assertThat(response.header("X-Kept")).isEqualTo("yes");
		assertThat(response.bodyText()).isEqualTo("ERROR 404 nothing here /missing /error");
	}

	@Test
	void exceptionGoesToMostSpecificErrorPage() throws Exception {
		servlet("/boom", (request, response) -> {
			throw new ServletException(new IllegalArgumentException("bad arg"));
		});
		servlet("/iae", (request, response) -> response.getWriter()
			.write("iae " + ((Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION)).getMessage() + " "
					+ request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE)));
		servlet("/global", (request, response) -> response.getWriter().write("global"));
		this.settings.getErrorPages().add(new ErrorPageMapping(0, null, "/global"));
		this.settings.getErrorPages().add(new ErrorPageMapping(0, RuntimeException.class, "/iae"));
		start();
		CgiResponse response = TestRequests.get("/boom").run(this.container);
		assertThat(response.status()).isEqualTo(500);
		assertThat(response.bodyText()).isEqualTo("iae bad arg 500");
	}

	@Test
	void unhandledExceptionWithoutErrorPageIsMinimal500() throws Exception {
		servlet("/boom", (request, response) -> {
			throw new IllegalStateException("secret detail");
		});
		start();
		CgiResponse response = TestRequests.get("/boom").run(this.container);
		assertThat(response.status()).isEqualTo(500);
		assertThat(response.bodyText()).isEqualTo("500 Internal Server Error\n").doesNotContain("secret");
	}

	@Test
	void exceptionAfterCommitEndsCleanlyWithNonZeroAppStatus() throws Exception {
		servlet("/late", (request, response) -> {
			response.getWriter().write("partial");
			response.flushBuffer();
			throw new IllegalStateException("late failure");
		});
		start();
		FakeExchange exchange = TestRequests.get("/late").exchange().run(this.container);
		assertThat(exchange.isCompleted()).isTrue();
		assertThat(exchange.appStatus()).isEqualTo(1);
		assertThat(exchange.response().status()).isEqualTo(200);
		assertThat(exchange.response().bodyText()).isEqualTo("partial");
	}

	@Test
	void forwardAndIncludeWithAttributes() throws Exception {
		servlet("/from/*", (request, response) -> {
			response.getWriter().write("lost");
			request.getRequestDispatcher("/to/target?extra=1").forward(request, response);
			response.getWriter().write("ignored after forward");
		});
		servlet("/to/*", (request, response) -> response.getWriter()
			.write(request.getDispatcherType() + " " + request.getRequestURI() + " " + request.getServletPath() + " "
					+ request.getPathInfo() + " " + request.getParameter("extra") + " " + request.getParameter("q")
					+ " " + request.getAttribute(RequestDispatcher.FORWARD_REQUEST_URI) + " "
					+ request.getAttribute(RequestDispatcher.FORWARD_SERVLET_PATH)));
		servlet("/inc", (request, response) -> {
			response.getWriter().write("[");
			request.getRequestDispatcher("/part").include(request, response);
			response.getWriter().write("]");
		});
		servlet("/part", (request, response) -> {
			response.setStatus(500);
			response.setHeader("X-Included", "no");
			response.getWriter().write(request.getDispatcherType() + " " + request.getRequestURI() + " "
					+ request.getAttribute(RequestDispatcher.INCLUDE_REQUEST_URI) + " "
					+ request.getAttribute(RequestDispatcher.INCLUDE_SERVLET_PATH));
		});
		start();
		CgiResponse forward = TestRequests.get("/from/x?q=2").run(this.container);
		assertThat(forward.bodyText()).isEqualTo("FORWARD /to/target /to /target 1 2 /from/x /from");
		CgiResponse include = TestRequests.get("/inc").run(this.container);
		assertThat(include.status()).isEqualTo(200);
		assertThat(include.header("X-Included")).isNull();
		assertThat(include.bodyText()).isEqualTo("[INCLUDE /inc /part /part]");
	}

	@Test
	void namedDispatcherAndFiltersPerDispatcherType() throws Exception {
		List<String> seen = new CopyOnWriteArrayList<>();
		servlet("/a", (request, response) -> request.getServletContext().getNamedDispatcher("target")
			.forward(request, response));
		this.container.getServletContext().addServlet("target", new HttpServlet() {
			@Override
			protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
				response.getWriter().write("named " + request.getDispatcherType());
			}
		});
		this.container.getServletContext().addFilter("req", (Filter) (request, response, chain) -> {
			seen.add("req");
			chain.doFilter(request, response);
		}).addMappingForUrlPatterns(null, false, "/*");
		this.container.getServletContext().addFilter("fwd", (Filter) (request, response, chain) -> {
			seen.add("fwd");
			chain.doFilter(request, response);
		}).addMappingForServletNames(EnumSet.of(DispatcherType.FORWARD), false, "target");
		start();
		assertThat(TestRequests.get("/a").run(this.container).bodyText()).isEqualTo("named FORWARD");
		assertThat(seen).containsExactly("req", "fwd");
	}

	@Test
	void lifecycleOrderAndRegistrationAfterStartRefused() throws Exception {
		List<String> events = new ArrayList<>();
		this.container.getServletContext().addListener(new ServletContextListener() {
			@Override
			public void contextInitialized(ServletContextEvent sce) {
				events.add("init1");
			}

			@Override
			public void contextDestroyed(ServletContextEvent sce) {
				events.add("destroy1");
			}
		});
		this.container.getServletContext().addListener(new ServletContextListener() {
			@Override
			public void contextInitialized(ServletContextEvent sce) {
				events.add("init2");
			}

			@Override
			public void contextDestroyed(ServletContextEvent sce) {
				events.add("destroy2");
			}
		});
		this.container.getServletContext().addServlet("eager", new HttpServlet() {
			@Override
			public void init() {
				events.add("servlet init");
			}

			@Override
			public void destroy() {
				events.add("servlet destroy");
			}
		}).setLoadOnStartup(1);
		start();
		assertThatIllegalStateException()
			.isThrownBy(() -> this.container.getServletContext().addServlet("late", new HttpServlet() { }));
		assertThatIllegalStateException().isThrownBy(() -> this.container.getServletContext().setInitParameter("a", "b"));
		this.container.stop();
		assertThat(events).containsExactly("init1", "init2", "servlet init", "servlet destroy", "destroy2",
				"destroy1");
	}

	@Test
	void servletContextBasics(@TempDir Path root) throws Exception {
		Files.writeString(root.resolve("hello.txt"), "hi");
		Files.createDirectories(root.resolve("sub"));
		this.settings.setDocumentRoot(root);
		this.settings.getMimeMappings().put("foo", "application/x-foo");
		this.settings.getInitParameters().put("k", "v");
		var context = this.container.getServletContext();
		assertThat(context.getMajorVersion()).isEqualTo(6);
		assertThat(context.getMinorVersion()).isEqualTo(1);
		assertThat(context.getMimeType("a.css")).isEqualTo("text/css");
		assertThat(context.getMimeType("a.FOO")).isEqualTo("application/x-foo");
		assertThat(context.getMimeType("noext")).isNull();
		assertThat(context.getInitParameter("k")).isEqualTo("v");
		assertThat(context.getResource("/hello.txt")).isNotNull();
		assertThat(context.getResourceAsStream("/hello.txt").readAllBytes()).isEqualTo("hi".getBytes());
		assertThat(context.getResource("/../outside")).isNull();
		assertThat(context.getResourceAsStream("/sub/../../etc/passwd")).isNull();
		assertThat(context.getResourcePaths("/")).contains("/hello.txt", "/sub/");
		assertThat(context.getRealPath("/hello.txt")).isEqualTo(root.resolve("hello.txt").toString());
		assertThatIllegalArgumentException().isThrownBy(() -> context.getRequestDispatcher("relative"));
		context.getSessionCookieConfig().setName("SID");
		assertThat(this.settings.getSessionCookieName()).isEqualTo("SID");
		start();
		assertThatIllegalStateException().isThrownBy(() -> context.getSessionCookieConfig().setName("X"));
	}

	@Test
	void sessionCookieIsWrittenAndSessionFoundAgain() throws Exception {
		this.settings.setSessionCookieSameSite("Strict");
		servlet("/s", (request, response) -> {
			HttpSession session = request.getSession();
			Integer count = (Integer) session.getAttribute("count");
			session.setAttribute("count", (count != null) ? count + 1 : 1);
			response.getWriter().write(session.getAttribute("count") + " " + request.isRequestedSessionIdValid());
		});
		servlet("/change", (request, response) -> response.getWriter().write(request.changeSessionId()));
		start();
		CgiResponse first = TestRequests.get("/s").run(this.container);
		String cookie = first.header("Set-Cookie");
		assertThat(cookie).startsWith("JSESSIONID=").contains("; Path=/", "; HttpOnly", "; SameSite=Strict");
		assertThat(first.bodyText()).isEqualTo("1 false");
		String id = cookie.substring("JSESSIONID=".length(), cookie.indexOf(';'));
		CgiResponse second = TestRequests.get("/s").header("Cookie", "JSESSIONID=" + id).run(this.container);
		assertThat(second.bodyText()).isEqualTo("2 true");
		assertThat(second.header("Set-Cookie")).isNull();
		CgiResponse changed = TestRequests.get("/change").header("Cookie", "JSESSIONID=" + id).run(this.container);
		assertThat(changed.header("Set-Cookie")).startsWith("JSESSIONID=" + changed.bodyText() + ";");
		assertThat(this.container.activeSessions()).isEqualTo(1);
	}

	@Test
	void multipartPartsAreParametersAndTempFilesAreDeleted(@TempDir Path temp) throws Exception {
		this.settings.setTempDirectory(temp);
		List<Part> seen = new ArrayList<>();
		var registration = this.container.getServletContext().addServlet("upload", new HttpServlet() {
			@Override
			protected void service(HttpServletRequest request, HttpServletResponse response)
					throws IOException, ServletException {
				seen.addAll(request.getParts());
				response.getWriter().write(request.getParameter("title") + " "
						+ request.getPart("file").getSubmittedFileName() + " " + request.getPart("file").getSize());
			}
		});
		registration.addMapping("/upload");
		registration.setMultipartConfig(new jakarta.servlet.MultipartConfigElement("", -1, -1, 0));
		start();
		String body = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n"
				+ "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
				+ "Content-Type: text/plain\r\n\r\n0123456789\r\n--XyZ--\r\n";
		CgiResponse response = TestRequests.request("POST", "/upload")
			.body("multipart/form-data; boundary=XyZ", body)
			.run(this.container);
		assertThat(response.bodyText()).isEqualTo("Hello a.txt 10");
		try (var files = Files.list(temp)) {
			assertThat(files).isEmpty();
		}
	}

	@Test
	void multipartOverLimitReportsExceedsSize() throws Exception {
		List<String> messages = new ArrayList<>();
		var registration = this.container.getServletContext().addServlet("upload", new HttpServlet() {
			@Override
			protected void service(HttpServletRequest request, HttpServletResponse response)
					throws IOException, ServletException {
				try {
					request.getParts();
				}
				catch (IllegalStateException ex) {
					messages.add(ex.getMessage());
				}
			}
		});
		registration.addMapping("/upload");
		registration.setMultipartConfig(new jakarta.servlet.MultipartConfigElement("", 4, -1, 0));
		start();
		String body = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n0123456789\r\n--B--\r\n";
		TestRequests.request("POST", "/upload").body("multipart/form-data; boundary=B", body).run(this.container);
		assertThat(messages).singleElement().asString().contains("exceeds").contains("size");
	}

	@Test
	void webSocketUpgradeFailsClearly() throws Exception {
		List<String> messages = new ArrayList<>();
		servlet("/ws", (request, response) -> {
			try {
				request.upgrade(jakarta.servlet.http.HttpUpgradeHandler.class);
			}
			catch (ServletException ex) {
				messages.add(ex.getMessage());
			}
		});
		start();
		TestRequests.get("/ws").run(this.container);
		assertThat(messages).singleElement().asString().contains("not possible over FastCGI");
	}

	@Test
	void remoteUserBecomesPrincipal() throws Exception {
		servlet("/me", (request, response) -> response.getWriter()
			.write(request.getRemoteUser() + " " + request.getUserPrincipal().getName() + " " + request.getAuthType()));
		start();
		CgiResponse response = TestRequests.get("/me").param("REMOTE_USER", "alice").param("AUTH_TYPE", "Basic")
			.run(this.container);
		assertThat(response.bodyText()).isEqualTo("alice alice Basic");
	}

	@Test
	void contextPathIsStripped() throws Exception {
		this.settings.setContextPath("/app");
		servlet("/x", (request, response) -> response.getWriter()
			.write(request.getContextPath() + " " + request.getServletPath()));
		start();
		assertThat(TestRequests.get("/app/x").run(this.container).bodyText()).isEqualTo("/app /x");
		assertThat(TestRequests.get("/other/x").run(this.container).status()).isEqualTo(404);
		assertThat(TestRequests.get("/appx").run(this.container).status()).isEqualTo(404);
	}

	@Test
	void contentTypeFollowsEveryChangeAfterBeingRead() throws Exception {
		servlet("/ct2", (request, response) -> {
			StringBuilder seen = new StringBuilder();
			response.setContentType("text/plain");
			seen.append(response.getContentType()).append('\n');
			seen.append(response.getContentType()).append('\n');
			response.setCharacterEncoding("UTF-8");
			seen.append(response.getContentType()).append('\n');
			response.setContentType("text/html; level=1");
			seen.append(response.getContentType()).append('\n');
			response.setCharacterEncoding("UTF-16");
			seen.append(response.getContentType()).append('\n');
			// a new string with the same text as the last mime type: the same answer
			response.setContentType(new String("text/html; level=1".toCharArray()));
			seen.append(response.getContentType()).append('\n');
			response.setCharacterEncoding((String) null);
			seen.append(response.getContentType()).append('\n');
			response.setContentType("application/json");
			seen.append(response.getContentType()).append('\n');
			response.setCharacterEncoding("UTF-8");
			PrintWriter writer = response.getWriter();
			writer.write(seen.toString());
			writer.write(response.getContentType());
		});
		start();
		CgiResponse response = TestRequests.get("/ct2").run(this.container);
		assertThat(response.bodyText()).isEqualTo("""
				text/plain
				text/plain
				text/plain;charset=UTF-8
				text/html;level=1;charset=UTF-8
				text/html;level=1;charset=UTF-16
				text/html;level=1;charset=UTF-16
				text/html;level=1
				application/json
				application/json;charset=UTF-8""");
		assertThat(response.header("Content-Type")).isEqualTo("application/json;charset=UTF-8");
	}

	@Test
	void requestAttributesKeepMapSemanticsAndTellTheirListeners() throws Exception {
		List<String> events = new CopyOnWriteArrayList<>();
		this.container.getServletContext().addListener(new jakarta.servlet.ServletRequestAttributeListener() {
			@Override
			public void attributeAdded(jakarta.servlet.ServletRequestAttributeEvent event) {
				events.add("added " + event.getName() + "=" + event.getValue());
			}

			@Override
			public void attributeReplaced(jakarta.servlet.ServletRequestAttributeEvent event) {
				events.add("replaced " + event.getName() + "=" + event.getValue());
			}

			@Override
			public void attributeRemoved(jakarta.servlet.ServletRequestAttributeEvent event) {
				events.add("removed " + event.getName() + "=" + event.getValue());
			}
		});
		servlet("/attrs", (request, response) -> {
			for (int i = 0; i < 40; i++) {
				request.setAttribute("a" + i, i);
			}
			// names equal to, not the same strings as, the ones set
			request.setAttribute(new String("a7".toCharArray()), "seven");
			request.removeAttribute(new String("a3".toCharArray()));
			request.removeAttribute("a39");
			request.removeAttribute("absent");
			request.setAttribute("a5", null);
			// "Aa" and "BB" have the same hash: found by name, not by hash alone
			request.setAttribute("Aa", "first");
			request.setAttribute("BB", "second");
			request.removeAttribute("Aa");
			String collided = request.getAttribute("Aa") + " " + request.getAttribute("BB") + " ";
			request.removeAttribute("BB");
			StringBuilder seen = new StringBuilder(collided);
			seen.append(request.getAttribute("a7")).append(' ').append(request.getAttribute("a3")).append(' ')
				.append(request.getAttribute("a5")).append(' ').append(request.getAttribute("a38")).append(' ')
				.append(request.getAttribute("a0")).append(' ').append(request.getAttribute("absent")).append('\n');
			List<String> names = Collections.list(request.getAttributeNames());
			names.removeIf((name) -> !name.startsWith("a"));
			seen.append(names.size()).append(' ').append(names.subList(0, 6));
			response.getWriter().write(seen.toString());
		});
		start();
		CgiResponse response = TestRequests.get("/attrs").run(this.container);
		assertThat(response.bodyText()).isEqualTo("""
				null second seven null null 38 0 null
				37 [a0, a1, a2, a4, a6, a7]""");
		assertThat(events).hasSize(40 + 1 + 3 + 4);
		assertThat(events.subList(40, 44)).containsExactly("replaced a7=7", "removed a3=3", "removed a39=39",
				"removed a5=5");
	}

	@Test
	void listenersForRequestsAttributesAndSessions() throws Exception {
		List<String> events = new CopyOnWriteArrayList<>();
		var context = this.container.getServletContext();
		context.addListener(new jakarta.servlet.ServletRequestListener() {
			@Override
			public void requestInitialized(jakarta.servlet.ServletRequestEvent sre) {
				events.add("request init");
			}

			@Override
			public void requestDestroyed(jakarta.servlet.ServletRequestEvent sre) {
				events.add("request destroyed");
			}
		});
		context.addListener(new jakarta.servlet.ServletRequestAttributeListener() {
			@Override
			public void attributeAdded(jakarta.servlet.ServletRequestAttributeEvent srae) {
				events.add("attr " + srae.getName());
			}
		});
		context.addListener(new jakarta.servlet.http.HttpSessionListener() {
			@Override
			public void sessionCreated(jakarta.servlet.http.HttpSessionEvent se) {
				events.add("session created");
			}
		});
		context.addListener(new jakarta.servlet.ServletContextAttributeListener() {
			@Override
			public void attributeAdded(jakarta.servlet.ServletContextAttributeEvent event) {
				events.add("context attr " + event.getName());
			}
		});
		servlet("/l", (request, response) -> {
			request.setAttribute("x", 1);
			request.getSession();
			request.getServletContext().setAttribute("c", 2);
		});
		start();
		TestRequests.get("/l").run(this.container);
		assertThat(events).containsExactly("request init", "attr x", "session created", "context attr c",
				"request destroyed");
	}

	@Test
	void urlSessionTracking() throws Exception {
		this.settings.setSessionTrackingModes(java.util.Set.of(jakarta.servlet.SessionTrackingMode.URL));
		servlet("/u", (request, response) -> {
			HttpSession session = request.getSession();
			response.getWriter().write(response.encodeURL("/next?a=1") + " " + session.getId().length());
		});
		servlet("/v", (request, response) -> response.getWriter()
			.write(request.isRequestedSessionIdFromURL() + " " + request.isRequestedSessionIdValid()));
		start();
		CgiResponse response = TestRequests.get("/u").run(this.container);
		assertThat(response.header("Set-Cookie")).isNull();
		String url = response.bodyText().split(" ")[0];
		assertThat(url).startsWith("/next;jsessionid=").endsWith("?a=1");
		String id = url.substring("/next;jsessionid=".length(), url.indexOf('?'));
		assertThat(TestRequests.get("/v;jsessionid=" + id).run(this.container).bodyText()).isEqualTo("true true");
	}

	@Test
	void encodeUrlIsIdentityWithCookieTracking() throws Exception {
		servlet("/c", (request, response) -> {
			request.getSession();
			response.getWriter().write(response.encodeURL("/next"));
		});
		start();
		assertThat(TestRequests.get("/c").run(this.container).bodyText()).isEqualTo("/next");
	}

	@Test
	void requestsBeforeStartOrAfterStopAre503() throws Exception {
		servlet("/x", (request, response) -> { });
		assertThat(TestRequests.get("/x").run(this.container).status()).isEqualTo(503);
		start();
		assertThat(TestRequests.get("/x").run(this.container).status()).isEqualTo(200);
		this.container.stop();
		assertThat(TestRequests.get("/x").run(this.container).status()).isEqualTo(503);
	}

	@Test
	void classpathResourcesAndDefaultServlet() throws Exception {
		this.settings.setRegisterDefaultServlet(true);
		var context = this.container.getServletContext();
		assertThat(context.getResourceAsStream("/fastcgi-servlet-test/cp.txt").readAllBytes())
			.isEqualTo("from classpath".getBytes(StandardCharsets.UTF_8));
		assertThat(context.getResourcePaths("/fastcgi-servlet-test/")).containsExactlyInAnyOrder(
				"/fastcgi-servlet-test/cp.txt", "/fastcgi-servlet-test/sub/");
		start();
		CgiResponse css = TestRequests.get("/fastcgi-servlet-test/sub/site.css").run(this.container);
		assertThat(css.status()).isEqualTo(200);
		assertThat(css.header("Content-Type")).isEqualTo("text/css");
		assertThat(css.header("Content-Length")).isEqualTo("6");
		assertThat(css.bodyText()).isEqualTo("body{}");
		CgiResponse notModified = TestRequests.get("/fastcgi-servlet-test/sub/site.css")
			.header("If-Modified-Since", css.header("Last-Modified"))
			.run(this.container);
		assertThat(notModified.status()).isEqualTo(304);
		assertThat(TestRequests.get("/fastcgi-servlet-test/none.css").run(this.container).status()).isEqualTo(404);
		assertThat(TestRequests.get("/fastcgi-servlet-test/%2e%2e/%2e%2e/etc/passwd").run(this.container).status())
			.isEqualTo(400);
	}

	@Test
	void contentHeadersFromCgiVariablesOrNginxHttpCopies() throws Exception {
		servlet("/ct", (request, response) -> response.getWriter()
			.write(request.getContentType() + " " + request.getContentLengthLong() + " "
					+ Collections.list(request.getHeaderNames()).stream().filter((n) -> n.startsWith("Content")).toList()));
		start();
		// nginx: CONTENT_TYPE plus HTTP_CONTENT_TYPE
		assertThat(TestRequests.request("POST", "/ct").body("text/plain", "abc")
			.header("Content-Type", "text/plain")
			.param("HTTP_CONTENT_TYPE", "text/plain").param("HTTP_CONTENT_LENGTH", "3")
			.run(this.container).bodyText()).isEqualTo("text/plain 3 [Content-Type, Content-Length]");
		// a GET through nginx: both empty
		assertThat(TestRequests.get("/ct").run(this.container).bodyText()).isEqualTo("null -1 []");
		// only the HTTP_ copy (Jetty-style clients)
		assertThat(TestRequests.get("/ct").param("HTTP_CONTENT_TYPE", "a/b").run(this.container).bodyText())
			.isEqualTo("a/b -1 [Content-Type]");
	}

	@Test
	void largeUploadStreamsToDiskAndIsDeletedAfterTheRequest(@TempDir Path temp) throws Exception {
		this.settings.setTempDirectory(temp);
		long size = 50L * 1024 * 1024;
		List<String> seen = new ArrayList<>();
		var registration = this.container.getServletContext().addServlet("upload", new HttpServlet() {
			@Override
			protected void service(HttpServletRequest request, HttpServletResponse response)
					throws IOException, ServletException {
				Part file = request.getPart("file");
				try (var files = Files.list(temp)) {
					seen.add(file.getSize() + " " + files.count());
				}
				response.getWriter().write(request.getParameter("title"));
			}
		});
		registration.addMapping("/upload");
		registration.setMultipartConfig(new jakarta.servlet.MultipartConfigElement("", -1, -1, 1024));
		start();
		byte[] head = ("--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nbig\r\n"
				+ "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		byte[] tail = "\r\n--B--\r\n".getBytes(StandardCharsets.US_ASCII);
		java.io.InputStream body = new java.io.SequenceInputStream(java.util.Collections.enumeration(List.of(
				new java.io.ByteArrayInputStream(head), new GeneratedBytes(size), new java.io.ByteArrayInputStream(tail))));
		Map<String, String> params = TestRequests.request("POST", "/upload").params();
		params.put("CONTENT_TYPE", "multipart/form-data; boundary=B");
		params.put("CONTENT_LENGTH", Long.toString(head.length + size + tail.length));
		CgiResponse response = new FakeExchange(params, body).run(this.container).response();
		assertThat(response.bodyText()).isEqualTo("big");
		assertThat(seen).containsExactly(size + " 1");
		try (var files = Files.list(temp)) {
			assertThat(files).isEmpty();
		}
	}

	@Test
	void abortDuringUploadLeavesNoTempFiles(@TempDir Path temp) throws Exception {
		this.settings.setTempDirectory(temp);
		List<String> failures = new CopyOnWriteArrayList<>();
		var registration = this.container.getServletContext().addServlet("upload", new HttpServlet() {
			@Override
			protected void service(HttpServletRequest request, HttpServletResponse response)
					throws IOException, ServletException {
				try {
					request.getParts();
				}
				catch (IOException ex) {
					failures.add(ex.getClass().getSimpleName());
					throw ex;
				}
			}
		});
		registration.addMapping("/upload");
		registration.setMultipartConfig(new jakarta.servlet.MultipartConfigElement("", -1, -1, 0));
		start();
		byte[] head = ("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		AtomicReferenceHolder holder = new AtomicReferenceHolder();
		java.io.InputStream aborting = new java.io.InputStream() {
			private final java.io.InputStream data = new java.io.SequenceInputStream(
					new java.io.ByteArrayInputStream(head), new GeneratedBytes(5L * 1024 * 1024));

			@Override
			public int read() throws IOException {
				return read(new byte[1], 0, 1) < 0 ? -1 : 0;
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				int n = this.data.read(b, off, len);
				if (n < 0) {
					holder.exchange.abort();
					throw new dev.fastcgi.server.RequestAbortedException("aborted mid-upload");
				}
				return n;
			}
		};
		Map<String, String> params = TestRequests.request("POST", "/upload").params();
		params.put("CONTENT_TYPE", "multipart/form-data; boundary=B");
		params.put("CONTENT_LENGTH", Long.toString(10L * 1024 * 1024));
		holder.exchange = new FakeExchange(params, aborting);
		holder.exchange.run(this.container);
		assertThat(failures).containsExactly("RequestAbortedException");
		assertThat(holder.exchange.isCompleted()).isTrue();
		assertThat(holder.exchange.appStatus()).isNotZero();
		try (var files = Files.list(temp)) {
			assertThat(files).isEmpty();
		}
	}

	private static final class AtomicReferenceHolder {

		volatile FakeExchange exchange;

	}

	@Test
	void registrationApi() throws Exception {
		var context = this.container.getServletContext();
		var servlet = context.addServlet("one", new HttpServlet() {
			@Override
			protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
				response.getWriter().write(getInitParameter("greeting") + " " + getServletName());
			}
		});
		assertThat(context.addServlet("one", new HttpServlet() { })).as("duplicate name").isNull();
		assertThat(servlet.setInitParameter("greeting", "hi")).isTrue();
		assertThat(servlet.setInitParameter("greeting", "again")).isFalse();
		assertThat(servlet.setInitParameters(Map.of("greeting", "x", "other", "y"))).containsExactly("greeting");
		servlet.addMapping("/one", "*.one");
		assertThat(context.getServletRegistration("one").getMappings()).containsExactly("/one", "*.one");
		assertThat(context.getServletRegistrations()).containsOnlyKeys("one");
		var filter = context.addFilter("f", FastCgiServletContainerTests.HeaderFilter.class);
		filter.setInitParameter("header", "X-F");
		filter.addMappingForServletNames(null, true, "one");
		filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/one");
		assertThat(context.getFilterRegistration("f").getServletNameMappings()).containsExactly("one");
		assertThat(context.getFilterRegistration("f").getUrlPatternMappings()).containsExactly("/one");
		assertThat(context.addFilter("f", FastCgiServletContainerTests.HeaderFilter.class)).isNull();
		assertThatIllegalArgumentException().isThrownBy(() -> context.addListener(new java.util.EventListener() { }));
		assertThatIllegalArgumentException().isThrownBy(() -> context.addServlet("missing", "no.such.Servlet"));
		start();
		CgiResponse response = TestRequests.get("/x.one").run(this.container);
		assertThat(response.bodyText()).isEqualTo("hi one");
		assertThat(response.headers("X-F")).containsExactly("applied");
		assertThatIllegalStateException().isThrownBy(() -> servlet.addMapping("/late"));
		assertThatIllegalStateException().isThrownBy(() -> servlet.setLoadOnStartup(1));
		assertThatIllegalStateException().isThrownBy(
				() -> filter.addMappingForUrlPatterns(null, false, "/late"));
		assertThatIllegalStateException().isThrownBy(() -> context.addListener(new jakarta.servlet.ServletRequestListener() { }));
	}

	/** A filter created by the container from its class, configured by an init parameter. */
	public static class HeaderFilter implements Filter {

		private String header;

		@Override
		public void init(jakarta.servlet.FilterConfig config) {
			this.header = config.getInitParameter("header");
		}

		@Override
		public void doFilter(jakarta.servlet.ServletRequest request, jakarta.servlet.ServletResponse response,
				jakarta.servlet.FilterChain chain) throws IOException, ServletException {
			((HttpServletResponse) response).addHeader(this.header, "applied");
			chain.doFilter(request, response);
		}

	}

	/** An input stream of n generated bytes, without holding them. */
	private static final class GeneratedBytes extends java.io.InputStream {

		private long remaining;

		GeneratedBytes(long size) {
			this.remaining = size;
		}

		@Override
		public int read() {
			if (this.remaining <= 0) {
				return -1;
			}
			this.remaining--;
			return 'x';
		}

		@Override
		public int read(byte[] b, int off, int len) {
			if (this.remaining <= 0) {
				return -1;
			}
			int n = (int) Math.min(len, this.remaining);
			java.util.Arrays.fill(b, off, off + n, (byte) 'x');
			this.remaining -= n;
			return n;
		}

	}

}
