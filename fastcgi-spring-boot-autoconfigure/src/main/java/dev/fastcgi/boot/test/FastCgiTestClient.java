package dev.fastcgi.boot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationContext;
import org.springframework.util.Assert;
import org.springframework.web.util.UriUtils;

import dev.fastcgi.boot.FastCgiWebServer;
import dev.fastcgi.client.ClientExchange;
import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;

/**
 * A FastCGI client for integration tests, in the style of {@code TestRestTemplate}: it talks to the application's
 * running FastCGI server the way nginx does, and its methods throw unchecked exceptions.
 * <p>
 * In a {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} (or {@code DEFINED_PORT}) test it is a bean, bound to
 * the server's real address (the random port, or the Unix socket):
 * <pre class="code">
 * &#64;SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
 * class GreetingTests {
 *
 *     &#64;Autowired
 *     FastCgiTestClient client;
 *
 *     &#64;Test
 *     void hello() {
 *         FastCgiResponse response = client.get("/api/hello?name=FastCGI");
 *         assertThat(response.status()).isEqualTo(200);
 *         assertThat(response.bodyAsString()).contains("Hello, FastCGI!");
 *     }
 *
 * }
 * </pre>
 * Outside Spring tests, create one with {@link #forPort(int)} or {@link #forAddress(SocketAddress)}. Every request
 * uses a new connection unless built with keep-alive; {@link #getClient()} gives the underlying
 * {@link FastCgiClient} for multiplexing, management records or streaming.
 */
public class FastCgiTestClient implements AutoCloseable {

	private final Supplier<SocketAddress> address;

	private final boolean keepConn;

	private @Nullable FastCgiClient client;

	/**
	 * Create a client for an address resolved when the first request is sent.
	 * @param address supplies the server's address (TCP or Unix domain socket)
	 * @param keepConn whether to keep the connection open between requests (FCGI_KEEP_CONN)
	 */
	public FastCgiTestClient(Supplier<SocketAddress> address, boolean keepConn) {
		Assert.notNull(address, "'address' must not be null");
		this.address = address;
		this.keepConn = keepConn;
	}

	/**
	 * A client for the loopback interface's {@code port}.
	 * @param port the TCP port
	 * @return the client
	 */
	public static FastCgiTestClient forPort(int port) {
		return forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
	}

	/**
	 * A client for a TCP or Unix domain socket address.
	 * @param address the address
	 * @return the client
	 */
	public static FastCgiTestClient forAddress(SocketAddress address) {
		return new FastCgiTestClient(() -> address, false);
	}

	/**
	 * A client for the FastCGI server of a running application context, resolved on first use.
	 * @param context the application context
	 * @return the client
	 */
	public static FastCgiTestClient forApplicationContext(ApplicationContext context) {
		return new FastCgiTestClient(() -> boundAddress(context), false);
	}

	static SocketAddress boundAddress(ApplicationContext context) {
		FastCgiWebServer webServer = FastCgiWebServer.from(context);
		Assert.state(webServer != null, "The application context runs no FastCGI web server");
		Assert.state(webServer.isStarted(), "The FastCGI web server is not started");
		SocketAddress bound = webServer.getServer().boundAddress();
		Assert.state(bound != null, "The FastCGI web server is not bound");
		if (bound instanceof InetSocketAddress inet && inet.getAddress().isAnyLocalAddress()) {
			return new InetSocketAddress(InetAddress.getLoopbackAddress(), inet.getPort());
		}
		return bound;
	}

	/**
	 * The server address.
	 * @return the address requests go to
	 */
	public SocketAddress getAddress() {
		return this.address.get();
	}

	/**
	 * The underlying client, created on first use.
	 * @return the client
	 */
	public synchronized FastCgiClient getClient() {
		if (this.client == null) {
			this.client = FastCgiClient.builder(this.address.get()).keepConn(this.keepConn).build();
		}
		return this.client;
	}

	/**
	 * Send a GET.
	 * @param uri path and optional query, e.g. {@code /api/hello?name=x}
	 * @return the response
	 */
	public FastCgiResponse get(String uri) {
		return execute(FastCgiRequest.get(uri));
	}

	/**
	 * Send a GET with request headers.
	 * @param uri path and optional query
	 * @param headers header names and values
	 * @return the response
	 */
	public FastCgiResponse get(String uri, Map<String, String> headers) {
		FastCgiRequest request = FastCgiRequest.get(uri);
		for (Map.Entry<String, String> header : headers.entrySet()) {
			request = request.header(header.getKey(), header.getValue());
		}
		return execute(request);
	}

	/**
	 * Send a POST with a UTF-8 body.
	 * @param uri path and optional query
	 * @param contentType the content type, e.g. {@code application/json}
	 * @param body the body
	 * @return the response
	 */
	public FastCgiResponse post(String uri, String contentType, String body) {
		return execute(FastCgiRequest.post(uri, contentType, body));
	}

	/**
	 * Send a JSON POST.
	 * @param uri path and optional query
	 * @param json the JSON body
	 * @return the response
	 */
	public FastCgiResponse postJson(String uri, String json) {
		return execute(FastCgiRequest.post(uri, "application/json", json).header("Accept", "application/json"));
	}

	/**
	 * Send a form POST ({@code application/x-www-form-urlencoded}, UTF-8).
	 * @param uri path and optional query
	 * @param form field names and values
	 * @return the response
	 */
	public FastCgiResponse postForm(String uri, Map<String, String> form) {
		StringJoiner body = new StringJoiner("&");
		form.forEach((name, value) -> body.add(UriUtils.encode(name, StandardCharsets.UTF_8) + "="
				+ UriUtils.encode(value, StandardCharsets.UTF_8)));
		return post(uri, "application/x-www-form-urlencoded", body.toString());
	}

	/**
	 * Send any request and wait for its end.
	 * @param request the request
	 * @return the response
	 */
	public FastCgiResponse execute(FastCgiRequest request) {
		try {
			return getClient().execute(request);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("FastCGI request to " + getAddress() + " failed", ex);
		}
	}

	/**
	 * Send a request and return at once, to read a streamed response (server-sent events) as it arrives. Close the
	 * exchange before sending another request.
	 * @param request the request
	 * @return the open exchange
	 */
	public ClientExchange open(FastCgiRequest request) {
		try {
			return getClient().open(request);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("FastCGI request to " + getAddress() + " failed", ex);
		}
	}

	@Override
	public synchronized void close() {
		if (this.client != null) {
			this.client.close();
			this.client = null;
		}
	}

}
