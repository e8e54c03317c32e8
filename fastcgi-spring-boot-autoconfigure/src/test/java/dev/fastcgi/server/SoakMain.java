package dev.fastcgi.server;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.interop.support.FileDescriptors;

/**
 * The engine alone as a soak-test target (not a unit test; {@code bench/soak.sh} drives it through nginx). Listens on
 * 127.0.0.1:{@code port} and prints a stats line every {@code interval} seconds: heap used after a GC, live threads,
 * open file descriptors, connections, requests in flight and served. Paths: {@code /hello} (small answer),
 * {@code /upload} (reads the body), {@code /big} (64 KiB answer), {@code /slow} (50 ms), {@code /fail} (throws).
 * Run with {@code java -cp target/classes:target/test-classes dev.fastcgi.server.SoakMain <port> [interval]}.
 */
public final class SoakMain {

	private SoakMain() {
	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int interval = (args.length > 1) ? Integer.parseInt(args[1]) : 10;
		FastCgiServer server = new FastCgiServer(ServerConfig.builder()
			.bindAddress(new BindAddress.Tcp("127.0.0.1", port))
			.threads(64)
			.maxBodySize(1024 * 1024)
			.requestTimeout(Duration.ofSeconds(10))
			.build(), SoakMain::handle);
		server.start();
		System.out.println("time_s heap_after_gc_kib threads fds connections active_requests total_requests");
		long started = System.nanoTime();
		Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(Duration.ofSeconds(2))));
		while (true) {
			TimeUnit.SECONDS.sleep(interval);
			System.gc();
			long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
			System.out.println(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " " + heap + " "
					+ Thread.activeCount() + " " + FileDescriptors.open() + " " + server.activeConnections() + " "
					+ server.activeRequests() + " " + server.snapshot().totalRequests());
		}
	}

	private static void handle(FastCgiExchange exchange) throws Exception {
		String uri = exchange.params().getOrDefault("DOCUMENT_URI", "/hello");
		InputStream in = exchange.stdin();
		long length = EngineTestSupport.drain(in);
		OutputStream out = exchange.stdout();
		switch (uri) {
			case "/fail" -> throw new IllegalStateException("soak: failing on purpose");
			case "/slow" -> TimeUnit.MILLISECONDS.sleep(50);
			case "/big" -> {
				out.write(EngineTestSupport.bytes(EngineTestSupport.OK_HEAD));
				out.write(new byte[64 * 1024]);
				return;
			}
			default -> {
			}
		}
		out.write(EngineTestSupport.bytes(EngineTestSupport.OK_HEAD + uri + " " + length + "\n"));
	}

}
