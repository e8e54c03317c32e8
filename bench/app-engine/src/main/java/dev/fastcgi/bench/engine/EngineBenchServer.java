package dev.fastcgi.bench.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.zip.CRC32;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.server.FastCgiHandler;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;

/**
 * The benchmark's endpoints ({@code GET /hello}, {@code GET /bytes/64k}, {@code POST /echo}, {@code POST /upload})
 * written directly against the engine's {@link FastCgiHandler}: no servlet bridge, no Spring. Its row is the floor
 * of the starter's row, so the difference between the two is the servlet bridge plus Spring MVC.
 * <p>
 * Arguments (the starter's property names, so bench/run.sh can start either):
 * {@code --fastcgi.bind-address=127.0.0.1:9000}, {@code --fastcgi.multiplexed=false}.
 */
public final class EngineBenchServer implements FastCgiHandler {

	private static final String BIND_ADDRESS = "--fastcgi.bind-address=";

	private static final String MULTIPLEXED = "--fastcgi.multiplexed=";

	private static final byte[] HELLO = response("text/plain", "hello".getBytes(StandardCharsets.US_ASCII));

	private static final byte[] BYTES_64K = response("application/octet-stream", body64k());

	private static final byte[] NOT_FOUND = "Status: 404 Not Found\r\nContent-Length: 0\r\n\r\n"
		.getBytes(StandardCharsets.US_ASCII);

	private EngineBenchServer() {
	}

	public static void main(String[] args) throws Exception {
		long start = System.nanoTime();
		String host = "127.0.0.1";
		int port = ServerConfig.DEFAULT_PORT;
		boolean multiplexed = false;
		for (String arg : args) {
			if (arg.startsWith(BIND_ADDRESS)) {
				String address = arg.substring(BIND_ADDRESS.length());
				int colon = address.lastIndexOf(':');
				host = address.substring(0, colon);
				port = Integer.parseInt(address.substring(colon + 1));
			}
			else if (arg.startsWith(MULTIPLEXED)) {
				multiplexed = Boolean.parseBoolean(arg.substring(MULTIPLEXED.length()));
			}
		}
		ServerConfig config = ServerConfig.builder()
			.bindAddress(new BindAddress.Tcp(host, port))
			.multiplexed(multiplexed)
			.build();
		FastCgiServer server = new FastCgiServer(config, new EngineBenchServer());
		server.start();
		System.out.printf("engine bench server on %s (multiplexed=%s) started in %d ms%n", server.boundAddress(),
				multiplexed, (System.nanoTime() - start) / 1_000_000);
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			server.stop(Duration.ofSeconds(5));
			stopped.countDown();
		}));
		stopped.await();
	}

	@Override
	public void handle(FastCgiExchange exchange) throws IOException {
		Map<String, String> params = exchange.params();
		String uri = params.getOrDefault("REQUEST_URI", "/");
		int query = uri.indexOf('?');
		String path = (query >= 0) ? uri.substring(0, query) : uri;
		OutputStream out = exchange.stdout();
		switch (path) {
			case "/hello" -> out.write(HELLO);
			case "/bytes/64k" -> out.write(BYTES_64K);
			case "/echo" -> echo(exchange, params, out);
			case "/upload" -> upload(exchange, out);
			default -> out.write(NOT_FOUND);
		}
	}

	private static void echo(FastCgiExchange exchange, Map<String, String> params, OutputStream out)
			throws IOException {
		String type = params.getOrDefault("CONTENT_TYPE", "");
		String length = params.getOrDefault("CONTENT_LENGTH", "");
		StringBuilder head = new StringBuilder("Status: 200 OK\r\nContent-Type: ")
			.append(type.isEmpty() ? "application/octet-stream" : type)
			.append("\r\n");
		if (!length.isEmpty()) {
			head.append("Content-Length: ").append(length).append("\r\n");
		}
		out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
		exchange.stdin().transferTo(out);
	}

	private static void upload(FastCgiExchange exchange, OutputStream out) throws IOException {
		byte[] buffer = new byte[64 * 1024];
		CRC32 crc = new CRC32();
		long total = 0;
		InputStream in = exchange.stdin();
		for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
			crc.update(buffer, 0, n);
			total += n;
		}
		byte[] body = ("bytes=" + total + " crc32=" + Long.toHexString(crc.getValue()) + "\n")
			.getBytes(StandardCharsets.US_ASCII);
		out.write(response("text/plain", body));
	}

	private static byte[] response(String contentType, byte[] body) {
		byte[] head = ("Status: 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
				+ "\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);
		byte[] all = new byte[head.length + body.length];
		System.arraycopy(head, 0, all, 0, head.length);
		System.arraycopy(body, 0, all, head.length, body.length);
		return all;
	}

	private static byte[] body64k() {
		byte[] body = new byte[64 * 1024];
		for (int i = 0; i < body.length; i++) {
			body[i] = (byte) ('a' + (i % 26));
		}
		return body;
	}

}
