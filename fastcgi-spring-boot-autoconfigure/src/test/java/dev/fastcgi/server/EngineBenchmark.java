package dev.fastcgi.server;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A rough throughput check (not a unit test): {@code connections} keep-alive connections each sending small GET
 * requests back to back for {@code seconds}. Run with
 * {@code java -cp target/classes:target/test-classes dev.fastcgi.server.EngineBenchmark [connections] [seconds]
 * [virtual]}.
 */
public final class EngineBenchmark {

	private EngineBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int connections = (args.length > 0) ? Integer.parseInt(args[0]) : 8;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
		boolean virtual = args.length > 2 && Boolean.parseBoolean(args[2]);
		byte[] body = EngineTestSupport.bytes("Status: 200\r\nContent-Type: text/plain\r\n\r\nHello, World!");
		FastCgiServer server = new FastCgiServer(ServerConfig.builder()
			.bindAddress(new BindAddress.Tcp("127.0.0.1", 0))
			.virtualThreads(virtual)
			.build(), (exchange) -> exchange.stdout().write(body));
		server.start();
		byte[] request = RawClient.concat(RawClient.begin(1, 1, true),
				RawClient.params(1, EngineTestSupport.params("REQUEST_METHOD", "GET", "REQUEST_URI", "/hello",
						"SERVER_PROTOCOL", "HTTP/1.1", "HTTP_HOST", "localhost", "HTTP_USER_AGENT", "bench",
						"REMOTE_ADDR", "127.0.0.1", "CONTENT_LENGTH", "", "QUERY_STRING", "")),
				RawClient.empty(dev.fastcgi.protocol.RecordType.STDIN, 1));
		int responseLength = 8 + body.length + (-body.length & 7) + 8 + 16;
		AtomicLong done = new AtomicLong();
		long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
		List<Thread> threads = new ArrayList<>();
		for (int c = 0; c < connections; c++) {
			Thread thread = new Thread(() -> {
				try (Socket socket = new Socket("127.0.0.1", server.port())) {
					socket.setTcpNoDelay(true);
					OutputStream out = socket.getOutputStream();
					InputStream in = socket.getInputStream();
					byte[] buffer = new byte[responseLength];
					while (System.nanoTime() < end) {
						out.write(request);
						int read = 0;
						while (read < responseLength) {
							int n = in.read(buffer, read, responseLength - read);
							if (n < 0) {
								throw new IllegalStateException("closed");
							}
							read += n;
						}
						done.incrementAndGet();
					}
				}
				catch (Exception ex) {
					ex.printStackTrace();
				}
			});
			threads.add(thread);
			thread.start();
		}
		for (Thread thread : threads) {
			thread.join();
		}
		System.out.printf("%d connections, %d s: %d requests, %.0f req/s%n", connections, seconds, done.get(),
				done.get() / (double) seconds);
		server.stop(Duration.ofSeconds(1));
	}

}
