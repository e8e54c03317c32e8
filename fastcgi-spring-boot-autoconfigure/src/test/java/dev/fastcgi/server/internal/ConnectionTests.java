package dev.fastcgi.server.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.RecordDecoder;
import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.server.ConnectionClosedException;
import dev.fastcgi.server.FastCgiHandler;
import dev.fastcgi.server.ServerConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@link Connection} over an in-memory endpoint, no socket: input fed in fragments of any size.
 */
class ConnectionTests {

	private Workers workers;

	@AfterEach
	void stopWorkers() {
		if (this.workers != null) {
			assertThat(this.workers.shutdownNow(5000)).isTrue();
		}
	}

	@Test
	void recordsSplitAtEveryByteAreServed() throws Exception {
		// like a web server, the next segment is sent only once the previous one was answered
		MemoryEndpoint endpoint = run(List.of(getValues(), request(1, "/one", "body!"), request(3, "/two", "")), 1,
				EchoHandler.INSTANCE, false);
		List<String> records = endpoint.records();
		assertThat(records).containsExactly("GET_VALUES_RESULT 0 FCGI_MPXS_CONNS", "STDOUT 1 /one 5", "STDOUT 1 ",
				"END_REQUEST 1 0", "STDOUT 3 /two 0", "STDOUT 3 ", "END_REQUEST 3 0");
	}

	@Test
	void pipelinedInputInOneBufferIsServed() throws Exception {
		byte[] input = concat(request(1, "/one", "x"), request(2, "/two", "yy"));
		MemoryEndpoint endpoint = run(List.of(input), input.length, EchoHandler.INSTANCE, true);
		assertThat(endpoint.records()).contains("END_REQUEST 1 0", "END_REQUEST 2 0");
	}

	@Test
	void endOfInputMidBodyFailsTheBodyWithConnectionClosed() throws Exception {
		AtomicReference<Throwable> seen = new AtomicReference<>();
		byte[] input = concat(begin(1), params(1, "/cut"), stdin(1, "partial"));
		run(List.of(input), 3, (exchange) -> {
			try {
				exchange.stdin().readAllBytes();
			}
			catch (IOException ex) {
				seen.set(ex);
			}
		}, false, seen);
		await().atMost(5, TimeUnit.SECONDS).until(() -> seen.get() != null);
		assertThat(seen.get()).isInstanceOf(ConnectionClosedException.class);
	}

	@Test
	void aResponseOfUpTo32KiBLeavesWithItsEndInOneWrite() throws Exception {
		byte[] body = body(20_000);
		MemoryEndpoint endpoint = run(List.of(request(1, "/20k", "")), 64 * 1024, (exchange) -> {
			exchange.stdout().write(body, 0, 10);
			exchange.stdout().write(body, 10, body.length - 10);
		}, false);
		assertThat(endpoint.writes()).hasSize(1);
		assertThat(endpoint.recordSizes()).containsExactly("STDOUT 8192", "STDOUT 8192", "STDOUT 3616", "STDOUT 0",
				"END_REQUEST 8");
		assertThat(endpoint.stdout(1)).isEqualTo(body);
	}

	@Test
	void theStdoutBufferGrowsPastItsFirstRecordByteAfterByte() throws Exception {
		byte[] body = body(20_000);
		MemoryEndpoint endpoint = run(List.of(request(1, "/bytes", "")), 64 * 1024, (exchange) -> {
			for (byte b : body) {
				exchange.stdout().write(b);
			}
		}, false);
		assertThat(endpoint.writes()).hasSize(1);
		assertThat(endpoint.stdout(1)).isEqualTo(body);
	}

	@Test
	void aWriteReaching32KiBSendsWholeRecordsAtOnceAndTheTailWithTheEnd() throws Exception {
		byte[] body = body(40_000);
		MemoryEndpoint endpoint = run(List.of(request(1, "/40k", "")), 64 * 1024,
				(exchange) -> exchange.stdout().write(body), false);
		assertThat(endpoint.writes()).hasSize(2);
		assertThat(endpoint.writes().get(0)).isEqualTo(4 * (8 + 8192));
		assertThat(endpoint.recordSizes()).containsExactly("STDOUT 8192", "STDOUT 8192", "STDOUT 8192",
				"STDOUT 8192", "STDOUT 7232", "STDOUT 0", "END_REQUEST 8");
		assertThat(endpoint.stdout(1)).isEqualTo(body);
	}

	@Test
	void aFlushOf30KiBLeavesInOneWrite() throws Exception {
		byte[] body = body(30_000);
		MemoryEndpoint endpoint = run(List.of(request(1, "/flush", "")), 64 * 1024, (exchange) -> {
			exchange.stdout().write(body);
			exchange.stdout().flush();
			exchange.stdout().write(body, 0, 5);
		}, false);
		assertThat(endpoint.writes()).hasSize(2);
		assertThat(endpoint.recordSizes()).containsExactly("STDOUT 8192", "STDOUT 8192", "STDOUT 8192",
				"STDOUT 5424", "STDOUT 5", "STDOUT 0", "END_REQUEST 8");
		byte[] expected = java.util.Arrays.copyOf(body, body.length + 5);
		System.arraycopy(body, 0, expected, body.length, 5);
		assertThat(endpoint.stdout(1)).isEqualTo(expected);
	}

	@Test
	void aTailBesideStderrEndsInOrder() throws Exception {
		byte[] body = body(20_000);
		MemoryEndpoint endpoint = run(List.of(request(1, "/err", "")), 64 * 1024, (exchange) -> {
			exchange.stderr().write("oops".getBytes(StandardCharsets.ISO_8859_1));
			exchange.stdout().write(body);
		}, false);
		assertThat(endpoint.recordSizes()).containsExactly("STDOUT 8192", "STDOUT 8192", "STDOUT 3616", "STDOUT 0",
				"STDERR 4", "STDERR 0", "END_REQUEST 8");
		assertThat(endpoint.stdout(1)).isEqualTo(body);
	}

	private static byte[] body(int length) {
		byte[] body = new byte[length];
		for (int i = 0; i < length; i++) {
			body[i] = (byte) ('a' + i % 26);
		}
		return body;
	}

	private MemoryEndpoint run(List<byte[]> input, int fragment, FastCgiHandler handler, boolean multiplexed)
			throws Exception {
		return run(input, fragment, handler, multiplexed, null);
	}

	/** Runs a connection to its end; with {@code seen} set, input ends without waiting for the last answer. */
	private MemoryEndpoint run(List<byte[]> input, int fragment, FastCgiHandler handler, boolean multiplexed,
			AtomicReference<Throwable> seen) throws Exception {
		ServerConfig config = ServerConfig.builder().threads(2).multiplexed(multiplexed).build();
		this.workers = Workers.create(config);
		EngineContext context = new EngineContext(config, handler, new CompositeListener(), this.workers);
		MemoryEndpoint endpoint = new MemoryEndpoint(input, fragment, seen == null);
		Connection connection = new Connection(context, endpoint, 1);
		context.register(connection);
		Thread reader = new Thread(connection, "test-connection");
		reader.start();
		reader.join(10_000);
		assertThat(reader.isAlive()).isFalse();
		assertThat(connection.isClosed()).isTrue();
		assertThat(context.activeConnections()).isZero();
		return endpoint;
	}

	/** Answers with the URI and body length. */
	enum EchoHandler implements FastCgiHandler {

		INSTANCE;

		@Override
		public void handle(dev.fastcgi.server.FastCgiExchange exchange) throws Exception {
			int length = exchange.stdin().readAllBytes().length;
			exchange.stdout().write((exchange.params().get("REQUEST_URI") + " " + length).getBytes());
		}

	}

	/**
	 * Input segments in fixed fragments; segment n is released once n answers (END_REQUEST or GET_VALUES_RESULT)
	 * were written; end of stream after the last segment's answer (or a grace period).
	 */
	static final class MemoryEndpoint implements Endpoint {

		private final List<byte[]> segments;

		private final int fragment;

		private int segment;

		private int position;

		private final ByteArrayOutputStream output = new ByteArrayOutputStream();

		private final LinkedBlockingQueue<Boolean> closed = new LinkedBlockingQueue<>();

		private final java.util.concurrent.Semaphore answers = new java.util.concurrent.Semaphore(0);

		private final RecordDecoder outputDecoder = new RecordDecoder((code, requestId, padding, content) -> {
			RecordType type = RecordType.fromCode(code);
			if (type == RecordType.END_REQUEST || type == RecordType.GET_VALUES_RESULT) {
				this.answers.release();
			}
			return true;
		});

		private final boolean awaitLastAnswer;

		MemoryEndpoint(List<byte[]> segments, int fragment, boolean awaitLastAnswer) {
			this.segments = segments;
			this.fragment = fragment;
			this.awaitLastAnswer = awaitLastAnswer;
		}

		@Override
		public int read(ByteBuffer dst) throws IOException {
			if (this.segment < this.segments.size() && this.position >= this.segments.get(this.segment).length) {
				this.segment++;
				this.position = 0;
				if (this.segment < this.segments.size() || this.awaitLastAnswer) {
					awaitAnswer();
				}
			}
			if (this.segment >= this.segments.size()) {
				try {
					this.closed.poll(200, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				return -1;
			}
			byte[] input = this.segments.get(this.segment);
			int n = Math.min(Math.min(this.fragment, dst.remaining()), input.length - this.position);
			dst.put(input, this.position, n);
			this.position += n;
			return n;
		}

		private void awaitAnswer() {
			try {
				this.answers.tryAcquire(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		/** Bytes of each write call (a gathered write is one call, as it is one system call on a socket). */
		private final List<Integer> writes = new ArrayList<>();

		@Override
		public synchronized void write(ByteBuffer src) throws IOException {
			byte[] bytes = new byte[src.remaining()];
			src.get(bytes);
			this.writes.add(bytes.length);
			this.output.writeBytes(bytes);
			this.outputDecoder.decode(ByteBuffer.wrap(bytes));
		}

		@Override
		public synchronized void write(ByteBuffer[] srcs, int offset, int length) throws IOException {
			ByteArrayOutputStream all = new ByteArrayOutputStream();
			for (int i = offset; i < offset + length; i++) {
				byte[] bytes = new byte[srcs[i].remaining()];
				srcs[i].get(bytes);
				all.writeBytes(bytes);
			}
			write(ByteBuffer.wrap(all.toByteArray()));
		}

		synchronized List<Integer> writes() {
			return new ArrayList<>(this.writes);
		}

		/** Each record as its type and content length. */
		synchronized List<String> recordSizes() throws ProtocolException {
			List<String> records = new ArrayList<>();
			new RecordDecoder((type, requestId, padding, content) -> {
				records.add(RecordType.fromCode(type) + " " + content.remaining());
				return true;
			}).decode(ByteBuffer.wrap(this.output.toByteArray()));
			return records;
		}

		/** The STDOUT content of a request. */
		synchronized byte[] stdout(int requestId) throws ProtocolException {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			new RecordDecoder((type, id, padding, content) -> {
				if (RecordType.fromCode(type) == RecordType.STDOUT && id == requestId) {
					byte[] b = new byte[content.remaining()];
					content.get(b);
					out.writeBytes(b);
				}
				return true;
			}).decode(ByteBuffer.wrap(this.output.toByteArray()));
			return out.toByteArray();
		}

		@Override
		public void shutdownOutput() {
		}

		@Override
		public void close() {
			this.closed.add(true);
		}

		@Override
		public SocketAddress remoteAddress() {
			return null;
		}

		@Override
		public SocketAddress localAddress() {
			return null;
		}

		synchronized List<String> records() throws ProtocolException {
			List<String> records = new ArrayList<>();
			new RecordDecoder((code, id, padding, content) -> {
				RecordType type = RecordType.fromCode(code);
				String text;
				if (type == RecordType.END_REQUEST) {
					text = Integer.toString(content.getInt(0));
				}
				else if (type == RecordType.GET_VALUES_RESULT) {
					text = String.join(",", NameValuePairs.decode(content).keySet());
				}
				else {
					byte[] b = new byte[content.remaining()];
					content.get(b);
					text = new String(b, StandardCharsets.ISO_8859_1);
				}
				records.add(type + " " + id + " " + text);
				return true;
			}).decode(ByteBuffer.wrap(this.output.toByteArray()));
			return records;
		}

	}

	private static byte[] getValues() {
		byte[] body = NameValuePairs.encode(Map.of(FastCgi.MPXS_CONNS, ""));
		return record(RecordType.GET_VALUES, 0, body);
	}

	private static byte[] request(int id, String uri, String body) {
		return concat(begin(id), params(id, uri), stdin(id, body), record(RecordType.STDIN, id, new byte[0]));
	}

	private static byte[] begin(int id) {
		ByteBuffer out = ByteBuffer.allocate(16);
		RecordEncoder.writeBeginRequest(out, id, 1, FastCgi.KEEP_CONN);
		return out.array();
	}

	private static byte[] params(int id, String uri) {
		return concat(record(RecordType.PARAMS, id, NameValuePairs.encode(Map.of("REQUEST_URI", uri))),
				record(RecordType.PARAMS, id, new byte[0]));
	}

	private static byte[] stdin(int id, String body) {
		return body.isEmpty() ? new byte[0] : record(RecordType.STDIN, id, body.getBytes(StandardCharsets.ISO_8859_1));
	}

	private static byte[] record(RecordType type, int id, byte[] content) {
		ByteBuffer out = ByteBuffer.allocate(RecordEncoder.recordLength(content.length));
		RecordEncoder.writeRecord(out, type, id, content, 0, content.length);
		return out.array();
	}

	private static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

}
