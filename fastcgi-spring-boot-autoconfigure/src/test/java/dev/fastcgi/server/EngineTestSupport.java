package dev.fastcgi.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts engines on loopback port 0 with a spill directory per test, records listener events, and checks in
 * {@code @AfterEach} that no engine thread, spill file or connection is left behind.
 */
abstract class EngineTestSupport {

	@TempDir
	Path tempDir;

	final List<FastCgiServer> servers = new CopyOnWriteArrayList<>();

	final List<RawClient> clients = new CopyOnWriteArrayList<>();

	final Events events = new Events();

	/** The names of the threads that ran requests, for handlers wrapped by {@link #recordingThread}. */
	final List<String> threads = new CopyOnWriteArrayList<>();

	/** {@code then}, recording the name of the thread each request runs on in {@link #threads}. */
	FastCgiHandler recordingThread(FastCgiHandler then) {
		return (exchange) -> {
			this.threads.add(Thread.currentThread().getName());
			then.handle(exchange);
		};
	}

	/** Waits for the latch (at most 30 s), keeping an interrupt. */
	static void hold(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Every listener event as a line of text. */
	static final class Events implements ServerListener {

		final Queue<String> lines = new ConcurrentLinkedQueue<>();

		final Queue<Path> spilled = new ConcurrentLinkedQueue<>();

		@Override
		public void connectionRejected(RejectReason reason) {
			this.lines.add("rejected " + reason);
		}

		@Override
		public void requestEnded(long connectionId, int requestId, Role role, int appStatus,
				ProtocolStatus protocolStatus, Outcome outcome, long durationNanos) {
			this.lines.add("ended " + requestId + " " + protocolStatus + " " + outcome);
		}

		@Override
		public void requestAborted(long connectionId, int requestId) {
			this.lines.add("aborted " + requestId);
		}

		@Override
		public void protocolError(long connectionId, String reason) {
			this.lines.add("protocolError " + reason);
		}

		@Override
		public void eventLoopHandedOff(HandOffReason reason) {
			this.lines.add("handedOff " + reason);
		}

		@Override
		public void inputSpilled(long connectionId, int requestId, Path file) {
			this.spilled.add(file);
			this.lines.add("spilled " + requestId);
		}

		boolean has(String line) {
			return this.lines.contains(line);
		}

	}

	ServerConfig.Builder config() {
		return ServerConfig.builder()
			.bindAddress(new BindAddress.Tcp("127.0.0.1", 0))
			.threads(16)
			.spillDirectory(this.tempDir.resolve("spill"));
	}

	FastCgiServer start(ServerConfig.Builder config, FastCgiHandler handler) throws IOException {
		FastCgiServer server = new FastCgiServer(config.build(), handler);
		server.addListener(this.events);
		this.servers.add(server);
		server.start();
		return server;
	}

	RawClient connect(FastCgiServer server) throws IOException {
		RawClient client = RawClient.connect(server);
		this.clients.add(client);
		return client;
	}

	@AfterEach
	void stopAndCheckForLeaks() throws IOException {
		for (RawClient client : this.clients) {
			client.close();
		}
		for (FastCgiServer server : this.servers) {
			server.stop(Duration.ofSeconds(2));
			assertThat(server.activeConnections()).isZero();
		}
		await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(engineThreads()).isEmpty());
		Path spill = this.tempDir.resolve("spill");
		if (Files.isDirectory(spill)) {
			try (Stream<Path> files = Files.list(spill)) {
				assertThat(files).as("spill files left behind").isEmpty();
			}
		}
	}

	static List<String> engineThreads() {
		List<String> names = new ArrayList<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.isAlive() && thread.getName().startsWith("fastcgi-")) {
				names.add(thread.getName());
			}
		}
		return names;
	}

	static Map<String, String> params(String... pairs) {
		Map<String, String> map = new LinkedHashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			map.put(pairs[i], pairs[i + 1]);
		}
		return map;
	}

	static Map<String, String> get(String uri) {
		return params("REQUEST_METHOD", "GET", "REQUEST_URI", uri, "CONTENT_LENGTH", "", "SERVER_PROTOCOL",
				"HTTP/1.1");
	}

	/**
	 * A request body larger than the 64 KiB an event loop holds a request for while its body arrives: sent without
	 * its end, the handler runs and blocks reading it whichever thread read the records first (a small body would
	 * be held, and the handler never run, whenever the accepting thread's first read came before the bytes and left
	 * the connection to its loop).
	 */
	static byte[] bodyPastTheLoopsHold() {
		byte[] body = new byte[68 * 1024];
		Arrays.fill(body, (byte) 'a');
		return body;
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

	/** Reads the whole body and answers with its length and the request URI. */
	static void echo(FastCgiExchange exchange) throws IOException {
		long length = drain(exchange.stdin());
		OutputStream out = exchange.stdout();
		out.write(bytes("Status: 200\r\nContent-Type: text/plain\r\n\r\nid=" + exchange.requestId() + " uri="
				+ exchange.params().get("REQUEST_URI") + " length=" + length));
	}

	static long drain(InputStream in) throws IOException {
		byte[] buffer = new byte[16 * 1024];
		long total = 0;
		int n;
		while ((n = in.read(buffer)) >= 0) {
			total += n;
		}
		return total;
	}

	static final String OK_HEAD = "Status: 200\r\nContent-Type: text/plain\r\n\r\n";

	/** Asserts a healthy request on a new connection gets its answer. */
	void assertHealthy(FastCgiServer server) throws IOException {
		try (RawClient client = connect(server)) {
			client.request(7, false, get("/healthy"), new byte[0]);
			RawClient.Response response = client.response(7);
			assertThat(response.stdout()).isEqualTo(OK_HEAD + "id=7 uri=/healthy length=0");
			assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
		}
	}

	static RecordType type(RawClient.Rec rec) {
		return rec.recordType();
	}

}
