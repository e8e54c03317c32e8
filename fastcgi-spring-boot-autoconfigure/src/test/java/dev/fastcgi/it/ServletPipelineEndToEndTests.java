package dev.fastcgi.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import dev.fastcgi.boot.test.FastCgiTestClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.interop.support.NginxProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring Boot application on the starter, driven over real FastCGI: each servlet-pipeline feature through the
 * project's client, the core flows also through a real nginx, and, where MockMvc can run the same request (no error
 * dispatch, no static-resource range handling differences), the same status, headers and body as Spring's own
 * MockMvc.
 */
@SpringBootTest(classes = PipelineApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.web.resources.static-locations=classpath:/it-static/", "fastcgi.bind-address=" })
// stop the server after the class: a cached context would keep its threads alive for the leak checks of
// the engine tests that run later in the same JVM
@DirtiesContext
class ServletPipelineEndToEndTests {

	private static NginxProcess nginx;

	@TempDir
	static Path nginxDir;

	@Autowired
	FastCgiTestClient client;

	@Autowired
	WebApplicationContext context;

	@LocalServerPort
	int port;

	@BeforeAll
	static void noNginxYet() {
		nginx = null;
	}

	@AfterAll
	static void stopNginx() {
		if (nginx != null) {
			nginx.stop();
		}
	}

	private HttpResponse viaNginx(String method, String path, Map<String, String> headers, byte[] body)
			throws Exception {
		org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Peers.NGINX), "nginx is not installed");
		if (nginx == null) {
			nginx = NginxProcess.builder(nginxDir, "127.0.0.1:" + this.port).keepConn(true).keepalive(4).start();
		}
		return RawHttpClient.request(nginx.port(), method, path, headers, body);
	}

	private MvcResult viaMockMvc(MockHttpServletRequestBuilder request) throws Exception {
		MockMvc mvc = MockMvcBuilders.webAppContextSetup(this.context).build();
		return mvc.perform(request).andReturn();
	}

	@Test
	void jsonGet() throws Exception {
		FastCgiResponse response = this.client.get("/api/json?name=fcgi");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("Content-Type")).isEqualTo("application/json");
		assertThat(response.bodyAsString())
			.isEqualTo("{\"greeting\":\"hello fcgi\",\"secure\":false}");
		assertThat(response.header("X-Filter-Order")).isEqualTo("first,second");
		MvcResult mock = viaMockMvc(MockMvcRequestBuilders.get("/api/json?name=fcgi"));
		assertThat(mock.getResponse().getStatus()).isEqualTo(response.status());
		assertThat(mock.getResponse().getContentType()).isEqualTo(response.header("Content-Type"));
		assertThat(mock.getResponse().getContentAsString()).isEqualTo(response.bodyAsString());

		HttpResponse http = viaNginx("GET", "/api/json?name=fcgi", Map.of(), null);
		assertThat(http.status()).isEqualTo(200);
		assertThat(http.bodyAsString()).isEqualTo(response.bodyAsString());
		assertThat(http.header("X-Filter-Order")).isEqualTo("first,second");
	}

	@Test
	void pathsFollowTheDefaultServletMappingAndKeepTheRawUri() throws Exception {
		// DispatcherServlet is mapped to "/": servlet path = the whole path, no path info (as on Tomcat)
		assertThat(this.client.get("/api/paths/a%20b/c?x=1&y=%2F").bodyAsString())
			.isEqualTo("|/api/paths/a b/c|null|/api/paths/a%20b/c|x=1&y=%2F");
		assertThat(viaNginx("GET", "/api/paths/a%20b/c?x=1", Map.of(), null).bodyAsString())
			.isEqualTo("|/api/paths/a b/c|null|/api/paths/a%20b/c|x=1");
	}

	@Test
	void httpsParamMakesTheRequestSecure() {
		FastCgiResponse response = this.client.execute(FastCgiRequest.get("/api/json").param("HTTPS", "on"));
		assertThat(response.bodyAsString()).contains("\"secure\":true");
		response = this.client.execute(FastCgiRequest.get("/api/json").param("HTTPS", "off"));
		assertThat(response.bodyAsString()).contains("\"secure\":false");
	}

	@Test
	void formPost() throws Exception {
		Map<String, String> form = new LinkedHashMap<>();
		form.put("a", "1");
		form.put("b", "zwei drei");
		form.put("c", "\u00e9t\u00e9");
		FastCgiResponse response = this.client.postForm("/api/form?q=x", form);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("{a=1, b=zwei drei, c=\u00e9t\u00e9, q=x}");
		MvcResult mock = viaMockMvc(MockMvcRequestBuilders.post("/api/form?q=x")
			.contentType("application/x-www-form-urlencoded")
			.content("a=1&b=zwei+drei&c=%C3%A9t%C3%A9"));
		assertThat(mock.getResponse().getContentAsString()).isEqualTo(response.bodyAsString());

		HttpResponse http = viaNginx("POST", "/api/form?q=x",
				Map.of("Content-Type", "application/x-www-form-urlencoded"),
				"a=1&b=zwei+drei&c=%C3%A9t%C3%A9".getBytes(StandardCharsets.US_ASCII));
		assertThat(http.status()).isEqualTo(200);
		assertThat(http.bodyAsString()).isEqualTo(response.bodyAsString());
	}

	@Test
	void redirect() throws Exception {
		FastCgiResponse response = this.client.get("/redirect");
		assertThat(response.status()).isEqualTo(302);
		assertThat(response.header("Location")).endsWith("/api/json?name=redirected");
		MvcResult mock = viaMockMvc(MockMvcRequestBuilders.get("/redirect"));
		assertThat(mock.getResponse().getStatus()).isEqualTo(302);
		assertThat(mock.getResponse().getRedirectedUrl()).isEqualTo("/api/json?name=redirected");

		HttpResponse http = viaNginx("GET", "/redirect", Map.of(), null);
		assertThat(http.status()).isEqualTo(302);
		assertThat(http.header("Location")).endsWith("/api/json?name=redirected");
	}

	@Test
	void forward() throws Exception {
		FastCgiResponse response = this.client.get("/forward");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("{\"greeting\":\"hello forwarded\",\"secure\":false}");
		HttpResponse http = viaNginx("GET", "/forward", Map.of(), null);
		assertThat(http.bodyAsString()).isEqualTo(response.bodyAsString());
	}

	@Test
	void errorPageAsJsonForApiClients() throws Exception {
		FastCgiResponse response = this.client.get("/api/boom", Map.of("Accept", "application/json"));
		assertThat(response.status()).isEqualTo(500);
		assertThat(response.header("Content-Type")).startsWith("application/json");
		assertThat(response.bodyAsString()).contains("\"status\":500").contains("\"path\":\"/api/boom\"")
			.doesNotContain("IllegalStateException");
		assertThat(response.appStatus()).isZero();

		HttpResponse http = viaNginx("GET", "/api/boom", Map.of("Accept", "application/json"), null);
		assertThat(http.status()).isEqualTo(500);
		assertThat(http.bodyAsString()).contains("\"status\":500");
	}

	@Test
	void errorPageAsHtmlForBrowsers() throws Exception {
		FastCgiResponse response = this.client.get("/missing", Map.of("Accept", "text/html"));
		assertThat(response.status()).isEqualTo(404);
		assertThat(response.header("Content-Type")).startsWith("text/html");
		assertThat(response.bodyAsString()).contains("Whitelabel Error Page").contains("status=404");

		HttpResponse http = viaNginx("GET", "/missing", Map.of("Accept", "text/html"), null);
		assertThat(http.status()).isEqualTo(404);
		assertThat(http.bodyAsString()).contains("Whitelabel Error Page");
	}

	@Test
	void statusReasonAndMultiValuedHeaders() throws Exception {
		FastCgiResponse response = this.client.get("/api/teapot");
		assertThat(response.status()).isEqualTo(418);
		assertThat(response.headers().getAll("X-Multi")).containsExactly("a", "b");
		MvcResult mock = viaMockMvc(MockMvcRequestBuilders.get("/api/teapot"));
		assertThat(mock.getResponse().getHeaders("X-Multi")).isEqualTo(response.headers().getAll("X-Multi"));
		assertThat(mock.getResponse().getContentAsString()).isEqualTo(response.bodyAsString());
	}

	@Test
	void staticFileWithEtagAndConditionalGet() throws Exception {
		byte[] file = new org.springframework.core.io.ClassPathResource("it-static/data.txt").getContentAsByteArray();
		FastCgiResponse response = this.client.get("/data.txt");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(file);
		assertThat(response.header("Content-Type")).startsWith("text/plain");
		String lastModified = response.header("Last-Modified");
		assertThat(lastModified).isNotNull();
		FastCgiResponse notModified = this.client.get("/data.txt", Map.of("If-Modified-Since", lastModified));
		assertThat(notModified.status()).isEqualTo(304);
		assertThat(notModified.body()).isEmpty();

		HttpResponse http = viaNginx("GET", "/data.txt", Map.of(), null);
		assertThat(http.status()).isEqualTo(200);
		assertThat(http.body()).isEqualTo(file);
		HttpResponse http304 = viaNginx("GET", "/data.txt", Map.of("If-Modified-Since", lastModified), null);
		assertThat(http304.status()).isEqualTo(304);
	}

	@Test
	void staticFileRange() throws Exception {
		byte[] file = new org.springframework.core.io.ClassPathResource("it-static/data.txt").getContentAsByteArray();
		FastCgiResponse response = this.client.get("/data.txt", Map.of("Range", "bytes=10-19"));
		assertThat(response.status()).isEqualTo(206);
		assertThat(response.header("Content-Range")).isEqualTo("bytes 10-19/" + file.length);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(file, 10, 20));
		MvcResult mock = viaMockMvc(MockMvcRequestBuilders.get("/data.txt").header("Range", "bytes=10-19"));
		assertThat(mock.getResponse().getStatus()).isEqualTo(206);
		assertThat(mock.getResponse().getContentAsByteArray()).isEqualTo(response.body());

		HttpResponse http = viaNginx("GET", "/data.txt", Map.of("Range", "bytes=10-19"), null);
		assertThat(http.status()).isEqualTo(206);
		assertThat(http.body()).isEqualTo(Arrays.copyOfRange(file, 10, 20));
	}

	@Test
	void headSendsHeadersOnly() throws Exception {
		FastCgiResponse response = this.client.execute(FastCgiRequest.of("HEAD", "/plain"));
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.body()).isEmpty();
		assertThat(response.header("Content-Length")).isEqualTo("10");
	}

	@Test
	void sameResponseAsMockMvcForTheSimpleEndpoints() throws Exception {
		for (String path : List.of("/plain", "/api/json", "/api/json?name=%C3%BC")) {
			FastCgiResponse response = this.client.get(path);
			MvcResult mock = viaMockMvc(MockMvcRequestBuilders.request(HttpMethod.GET, java.net.URI.create(path)));
			assertThat(response.status()).as(path).isEqualTo(mock.getResponse().getStatus());
			assertThat(response.header("Content-Type")).as(path).isEqualTo(mock.getResponse().getContentType());
			assertThat(response.bodyAsString()).as(path).isEqualTo(mock.getResponse().getContentAsString());
		}
	}

}
