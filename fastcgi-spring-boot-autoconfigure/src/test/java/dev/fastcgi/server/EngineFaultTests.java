package dev.fastcgi.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fastcgi.interop.support.FileDescriptors;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults from the web server (disconnects mid-params, mid-body and mid-response, resets during multiplexed
 * requests, ABORT_REQUEST storms) and from the handler (throwing in every phase). After each: the right END_REQUEST
 * or a closed connection, nothing left behind (threads, spill files, file descriptors), other connections served.
 */
class EngineFaultTests extends EngineTestSupport {

	private final AtomicInteger handlerRuns = new AtomicInteger();

	private final AtomicInteger aborts = new AtomicInteger();

	private final AtomicInteger handlerEnds = new AtomicInteger();

	private int baselineFds;

	@BeforeEach
	void countFileDescriptors() {
		this.baselineFds = FileDescriptors.open();
	}

	/** Waits until the descriptor count is back to the baseline (a little jitter allowed: JDK-internal files). */
	private void awaitFileDescriptorsAtBaseline(int baseline) {
		if (baseline < 0) {
			return;
		}
		await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(FileDescriptors.open())
			.as("open file descriptors (baseline %d)", baseline).isLessThanOrEqualTo(baseline + 2));
	}

	/** Reads the body (slowly, in small reads), then answers; counts runs, aborts and ends. */
	private void countingEcho(FastCgiExchange exchange) throws IOException {
		this.handlerRuns.incrementAndGet();
		exchange.onAbort((cause) -> this.aborts.incrementAndGet());
		try {
			echo(exchange);
		}
		finally {
			this.handlerEnds.incrementAndGet();
		}
	}

	private ServerConfig.Builder faultConfig(boolean multiplexed) {
		return config().multiplexed(multiplexed).inputSpillThreshold(4096).threads(8);
	}

	private void assertNothingInFlight(FastCgiServer server) {
		await().atMost(10, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		await().atMost(10, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
		await().atMost(10, TimeUnit.SECONDS).until(() -> this.handlerEnds.get() == this.handlerRuns.get());
		assertThat(server.bufferedInputBytes()).as("input held in memory").isZero();
	}

	// ---- the web server goes away --------------------------------------------------------------------------------

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void disconnectMidParams(boolean multiplexed) throws Exception {
		FastCgiServer server = start(faultConfig(multiplexed), this::countingEcho);
		int fds = FileDescriptors.open();
		for (int i = 0; i < 50; i++) {
			try (RawClient client = RawClient.connect(server)) {
				byte[] params = RawClient.params(1, get("/p" + i));
				client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
						java.util.Arrays.copyOf(params, 5 + i % (params.length - 10))));
			}
		}
		assertNothingInFlight(server);
		assertThat(this.handlerRuns).hasValue(0);
		assertHealthy(server);
		awaitFileDescriptorsAtBaseline(fds);
	}

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void disconnectMidBody(boolean multiplexed) throws Exception {
		FastCgiServer server = start(faultConfig(multiplexed), this::countingEcho);
		int fds = FileDescriptors.open();
		for (int i = 0; i < 20; i++) {
			try (RawClient client = RawClient.connect(server)) {
				client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
						RawClient.params(1, params("REQUEST_URI", "/b" + i, "CONTENT_LENGTH", "300000")),
						// past the 64 KiB a request may wait for on an event loop: its handler runs and reads
						RawClient.stdin(1, new byte[70_000 + 1000 * i], false)));
				int runs = i + 1;
				await().atMost(5, TimeUnit.SECONDS).until(() -> this.handlerRuns.get() == runs);
			}
		}
		assertNothingInFlight(server);
		assertThat(this.aborts).hasValue(20);
		assertHealthy(server);
		awaitFileDescriptorsAtBaseline(fds);
	}

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void disconnectMidResponse(boolean multiplexed) throws Exception {
		AtomicInteger abortedWriters = new AtomicInteger();
		FastCgiServer server = start(faultConfig(multiplexed), (exchange) -> {
			this.handlerRuns.incrementAndGet();
			try {
				if (!"/big".equals(exchange.params().get("REQUEST_URI"))) {
					echo(exchange);
					return;
				}
				OutputStream out = exchange.stdout();
				out.write(bytes(OK_HEAD));
				byte[] chunk = new byte[16 * 1024];
				boolean writeFailed = false;
				try {
					for (int i = 0; i < 4096 && !exchange.isAborted(); i++) {
						out.write(chunk);
						out.flush();
					}
				}
				catch (ConnectionClosedException ex) {
					// the write that found the connection gone (the reader may not have marked the abort yet)
					writeFailed = true;
				}
				if (writeFailed || exchange.isAborted()) {
					abortedWriters.incrementAndGet();
				}
			}
			finally {
				this.handlerEnds.incrementAndGet();
			}
		});
		for (int i = 0; i < 5; i++) {
			try (RawClient client = RawClient.connect(server)) {
				client.request(1, true, get("/big"), new byte[0]);
				RawClient.Rec first = client.next();
				assertThat(first.recordType()).isEqualTo(RecordType.STDOUT);
			}
		}
		assertNothingInFlight(server);
		assertThat(abortedWriters).hasValue(5);
		assertHealthy(server);
	}

	@ParameterizedTest(name = "linger0 during {0} multiplexed requests")
	@ValueSource(ints = { 1, 8 })
	void resetDuringMultiplexedRequestsAbortsThemAndSparesOtherConnections(int requests) throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(faultConfig(true).threads(16), (exchange) -> {
			this.handlerRuns.incrementAndGet();
			exchange.onAbort((cause) -> this.aborts.incrementAndGet());
			try {
				if ("/other".equals(exchange.params().get("REQUEST_URI"))) {
					release.await(10, TimeUnit.SECONDS);
				}
				echo(exchange);
			}
			finally {
				this.handlerEnds.incrementAndGet();
			}
		});
		RawClient other = connect(server);
		other.request(100, true, get("/other"), new byte[0]);
		RawClient client = RawClient.connect(server);
		for (int id = 1; id <= requests; id++) {
			client.send(RawClient.concat(RawClient.begin(id, Role.RESPONDER.code(), true),
					RawClient.params(id, params("REQUEST_URI", "/r" + id, "CONTENT_LENGTH", "50000")),
					RawClient.stdin(id, new byte[20_000], false)));
		}
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.handlerRuns.get() == requests + 1);
		client.channel().setOption(StandardSocketOptions.SO_LINGER, 0);
		client.close();
		await().atMost(10, TimeUnit.SECONDS).until(() -> this.aborts.get() == requests);
		release.countDown();
		assertThat(other.response(100).stdout()).isEqualTo(OK_HEAD + "id=100 uri=/other length=0");
		other.close();
		assertNothingInFlight(server);
		assertHealthy(server);
	}

	// ---- ABORT_REQUEST storms ------------------------------------------------------------------------------------

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void abortStormOnOneConnection(boolean multiplexed) throws Exception {
		FastCgiServer server = start(faultConfig(multiplexed), this::countingEcho);
		int fds = FileDescriptors.open();
		try (RawClient client = connect(server)) {
			assertThat(storm(client, 3000, multiplexed, 0)).isEqualTo(3000);
			client.request(1, true, get("/after"), new byte[0]);
			assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "id=1 uri=/after length=0");
		}
		assertNothingInFlight(server);
		assertThat(this.aborts.get()).isLessThanOrEqualTo(this.handlerRuns.get());
		awaitFileDescriptorsAtBaseline(fds);
	}

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void abortStormAcrossConnectionsWhileOthersAreServed(boolean multiplexed) throws Exception {
		FastCgiServer server = start(faultConfig(multiplexed), this::countingEcho);
		int fds = FileDescriptors.open();
		ExecutorService pool = Executors.newFixedThreadPool(7);
		try {
			List<Future<Integer>> storms = new ArrayList<>();
			for (int c = 0; c < 6; c++) {
				int seed = c;
				storms.add(pool.submit(() -> {
					try (RawClient client = RawClient.connect(server)) {
						return storm(client, 500, multiplexed, seed);
					}
				}));
			}
			Future<Integer> healthy = pool.submit(() -> {
				int served = 0;
				try (RawClient client = RawClient.connect(server)) {
					for (int i = 1; i <= 200; i++) {
						client.request(i, true, get("/h" + i), bytes("body"));
						assertThat(client.response(i).stdout()).isEqualTo(OK_HEAD + "id=" + i + " uri=/h" + i
								+ " length=4");
						served++;
					}
				}
				return served;
			});
			int ended = 0;
			for (Future<Integer> storm : storms) {
				ended += storm.get(60, TimeUnit.SECONDS);
			}
			assertThat(ended).isEqualTo(3000);
			assertThat(healthy.get(60, TimeUnit.SECONDS)).isEqualTo(200);
		}
		finally {
			pool.shutdownNow();
		}
		assertNothingInFlight(server);
		assertHealthy(server);
		awaitFileDescriptorsAtBaseline(fds);
	}

	/**
	 * Sends {@code count} requests that are each aborted at a varying point (before the params end, after them,
	 * mid-body with or without a spilling body), in batches, and reads back their END_REQUESTs.
	 * @return how many requests got exactly one END_REQUEST(REQUEST_COMPLETE)
	 */
	private static int storm(RawClient client, int count, boolean multiplexed, int seed) throws IOException {
		int batch = multiplexed ? 50 : 1;
		int ended = 0;
		for (int start = 0; start < count; start += batch) {
			byte[][] parts = new byte[batch][];
			for (int k = 0; k < batch; k++) {
				int n = start + k + seed;
				int id = 1 + (start + k) % batch;
				byte[] begin = RawClient.begin(id, Role.RESPONDER.code(), true);
				byte[] abort = RawClient.empty(RecordType.ABORT_REQUEST, id);
				byte[] params = RawClient.params(id, params("REQUEST_URI", "/a" + n, "CONTENT_LENGTH", ""));
				parts[k] = switch (n % 4) {
					case 0 -> RawClient.concat(begin, abort);
					case 1 -> RawClient.concat(begin, params, abort);
					case 2 -> RawClient.concat(begin, params, RawClient.stdin(id, new byte[100], false), abort);
					default -> RawClient.concat(begin, params, RawClient.stdin(id, new byte[9000], false), abort);
				};
			}
			client.send(RawClient.concat(parts));
			for (int k = 0; k < batch; k++) {
				int id = 1 + (start + k) % batch;
				RawClient.Response response = client.response(id);
				assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
				ended++;
			}
		}
		return ended;
	}

	// ---- the handler throws --------------------------------------------------------------------------------------

	@ParameterizedTest(name = "throws {0}, multiplexed={1}")
	@CsvSource({ "before-reading,false", "before-reading,true", "mid-body,false", "mid-body,true",
			"after-commit,false", "after-commit,true", "after-buffered-write,false", "error,true" })
	void handlerThrowingInEveryPhaseEndsTheRequestWithAppStatus1(String phase, boolean multiplexed)
			throws Exception {
		FastCgiServer server = start(faultConfig(multiplexed), (exchange) -> {
			InputStream in = exchange.stdin();
			switch (phase) {
				case "before-reading" -> throw new IllegalStateException("boom before reading");
				case "mid-body" -> {
					in.read(new byte[100]);
					throw new IOException("boom mid-body");
				}
				case "after-commit" -> {
					drain(in);
					exchange.stdout().write(bytes(OK_HEAD + "partial"));
					exchange.stdout().flush();
					throw new IllegalStateException("boom after commit");
				}
				case "after-buffered-write" -> {
					drain(in);
					exchange.stdout().write(bytes(OK_HEAD + "not sent"));
					throw new IllegalStateException("boom with a buffered response");
				}
				default -> throw new OutOfMemoryError("simulated error");
			}
		});
		RawClient client = connect(server);
		for (int round = 0; round < 3; round++) {
			int id = 10 + round;
			client.request(id, true, params("REQUEST_URI", "/t", "CONTENT_LENGTH", "20000"), new byte[20_000]);
			RawClient.Response response = client.response(id);
			assertThat(response.appStatus()).isEqualTo(1);
			assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
			if ("after-commit".equals(phase)) {
				assertThat(response.stdout()).isEqualTo(OK_HEAD + "partial");
			}
			else {
				assertThat(response.stdout()).startsWith("Status: 500\r\n");
			}
		}
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
	}

}
