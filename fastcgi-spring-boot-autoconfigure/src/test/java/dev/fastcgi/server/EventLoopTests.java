package dev.fastcgi.server;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.fastcgi.interop.support.FileDescriptors;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * fastcgi.event-loop (the default with platform threads): a connection with nothing to read parks on an event loop,
 * whose thread serves it when input arrives and runs a request whose input has all arrived; a request that blocks or
 * runs long there hands the loop to another thread, so the other connections of that loop are still served.
 */
class EventLoopTests extends EngineTestSupport {

	/** Waits until no connection has a thread of its own (every one is parked on its loop). */
	private static void awaitParked() {
		await().atMost(5, TimeUnit.SECONDS).until(() -> Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith("fastcgi-conn-"))
			.allMatch((thread) -> thread.getState() != Thread.State.RUNNABLE));
	}

	private RawClient parkedClient(FastCgiServer server) throws IOException {
		RawClient client = connect(server);
		client.request(1, true, get("/first"), new byte[0]);
		assertThat(client.response(1).stdout()).endsWith("uri=/first length=0");
		return client;
	}

	/** A connection parked on its loop after one request, with the threads recorded so far forgotten. */
	private RawClient parkedEchoClient(FastCgiServer server) throws IOException {
		RawClient client = parkedClient(server);
		awaitParked();
		this.threads.clear();
		return client;
	}

	/** Enough parked connections for every loop (one per core) to have several. */
	private List<RawClient> parkedClients(FastCgiServer server) throws IOException {
		List<RawClient> clients = new ArrayList<>();
		int count = 4 * Runtime.getRuntime().availableProcessors() + 2;
		for (int i = 0; i < count; i++) {
			clients.add(parkedClient(server));
		}
		awaitParked();
		return clients;
	}

	/** Begins a POST declaring {@code declared} body bytes and sends the first {@code sent} of them. */
	private static void beginPost(RawClient client, int id, String uri, int declared, int sent) throws IOException {
		client.send(RawClient.concat(RawClient.begin(id, Role.RESPONDER.code(), true),
				RawClient.params(id,
						params("REQUEST_METHOD", "POST", "REQUEST_URI", uri, "CONTENT_LENGTH", "" + declared)),
				RawClient.stdin(id, new byte[sent], false)));
	}

	@Test
	void aNewConnectionsFirstRequestRunsOnItsEventLoop() throws Exception {
		FastCgiServer server = start(config(), recordingThread(EngineTestSupport::echo));
		for (int i = 0; i < 5; i++) {
			// sent right after the connect: a pooled thread reading the new connection first would find it there
			RawClient client = connect(server);
			client.request(1, false, get("/new/" + i), new byte[0]);
			assertThat(client.response(1).stdout()).endsWith("uri=/new/" + i + " length=0");
			client.close();
		}
		assertThat(this.threads).hasSize(5).allMatch((name) -> name.startsWith("fastcgi-loop-"));
	}

	@Test
	void requestsOnAParkedConnectionRunOnItsEventLoop() throws Exception {
		FastCgiServer server = start(config(), recordingThread(EngineTestSupport::echo));
		RawClient client = parkedEchoClient(server);
		for (int id = 2; id <= 4; id++) {
			client.request(id, true, get("/loop/" + id), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/loop/" + id + " length=0");
			awaitParked();
		}
		client.request(5, true, params("REQUEST_METHOD", "POST", "REQUEST_URI", "/post", "CONTENT_LENGTH", "5"),
				bytes("hello"));
		assertThat(client.response(5).stdout()).endsWith("uri=/post length=5");
		assertThat(this.threads).hasSize(4).allMatch((name) -> name.startsWith("fastcgi-loop-"));
	}

	@Test
	void aBodyStillArrivingWaitsParkedAndRunsOnTheLoopOnceComplete() throws Exception {
		FastCgiServer server = start(config(), recordingThread(EngineTestSupport::echo));
		RawClient client = parkedEchoClient(server);
		beginPost(client, 2, "/later", 10, 5);
		awaitParked();
		Thread.sleep(100);
		assertThat(this.threads).as("the handler waits for its body without a thread").isEmpty();
		assertThat(server.activeRequests()).isOne();
		client.send(RawClient.stdin(2, bytes("world"), true));
		assertThat(client.response(2).stdout()).endsWith("uri=/later length=10");
		assertThat(this.threads).singleElement().asString().startsWith("fastcgi-loop-");
	}

	@Test
	void aBodyPastTheLimitStreamsToAWorker() throws Exception {
		FastCgiServer server = start(config(), recordingThread(EngineTestSupport::echo));
		RawClient client = parkedEchoClient(server);
		int total = 300 * 1024;
		beginPost(client, 2, "/big", total, 100 * 1024);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == 1);
		assertThat(this.threads.get(0)).startsWith("fastcgi-worker-");
		client.send(RawClient.stdin(2, new byte[total - 100 * 1024], true));
		assertThat(client.response(2).stdout()).endsWith("uri=/big length=" + total);
		// and the connection parks again afterwards
		awaitParked();
		client.request(3, true, get("/after"), new byte[0]);
		assertThat(client.response(3).stdout()).endsWith("uri=/after length=0");
	}

	@Test
	void aBlockedHandlerHandsItsLoopToAnotherThread() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(config(), recordingThread((exchange) -> {
			if ("/block".equals(exchange.params().get("REQUEST_URI"))) {
				hold(release);
			}
			echo(exchange);
		}));
		List<RawClient> clients = parkedClients(server);
		int count = clients.size();
		RawClient blocked = clients.get(0);
		blocked.request(2, true, get("/block"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == count + 1);
		try {
			for (int round = 2; round <= 4; round++) {
				for (RawClient other : clients.subList(1, count)) {
					other.request(round, true, get("/other"), new byte[0]);
				}
				for (RawClient other : clients.subList(1, count)) {
					assertThat(other.response(round).stdout()).endsWith("uri=/other length=0");
				}
			}
			assertThat(release.getCount()).as("the blocked request was still running").isOne();
		}
		finally {
			release.countDown();
		}
		// BLOCKED as a rule; BUSY when the watch got no CPU for 10 ms on this busy machine
		assertThat(this.events.lines).containsAnyOf("handedOff BLOCKED", "handedOff BUSY");
		assertThat(blocked.response(2).stdout()).endsWith("uri=/block length=0");
		blocked.request(3, true, get("/after"), new byte[0]);
		assertThat(blocked.response(3).stdout()).endsWith("uri=/after length=0");
		for (RawClient client : clients) {
			client.close();
		}
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
		// a loop led by a pooled thread (after the hand-off) stops at once too
		long started = System.nanoTime();
		assertThat(server.stop(Duration.ofSeconds(5))).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
	}

	@Test
	void aBusyHandlerHandsItsLoopToAnotherThread() throws Exception {
		AtomicBoolean busyDone = new AtomicBoolean();
		FastCgiServer server = start(config(), (exchange) -> {
			if ("/busy".equals(exchange.params().get("REQUEST_URI"))) {
				long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
				long spins = 0;
				while (System.nanoTime() - until < 0) {
					spins++;
				}
				busyDone.set(spins > 0);
			}
			echo(exchange);
		});
		List<RawClient> clients = parkedClients(server);
		int count = clients.size();
		RawClient busy = clients.get(0);
		busy.request(2, true, get("/busy"), new byte[0]);
		Thread.sleep(50);
		for (RawClient other : clients.subList(1, count)) {
			other.request(2, true, get("/other"), new byte[0]);
		}
		for (RawClient other : clients.subList(1, count)) {
			assertThat(other.response(2).stdout()).endsWith("uri=/other length=0");
		}
		assertThat(busyDone).as("answered while the busy request ran").isFalse();
		// BUSY as a rule; BLOCKED when the spinning thread got little CPU for 2 ms on this busy machine
		assertThat(this.events.lines).containsAnyOf("handedOff BUSY", "handedOff BLOCKED");
		assertThat(busy.response(2).stdout()).endsWith("uri=/busy length=0");
	}

	@Test
	void aPauseOfTheWholeJvmIsNotTakenForABlockedOrBusyLeader() throws Exception {
		// A full garbage collection in the request stops every thread, the watch's too, for longer than the 10 ms a
		// serve may take; the request then runs on for 3 ms. Neither the pause nor the time before it counts.
		AtomicLong pauseNanos = new AtomicLong();
		AtomicLong collectedMillis = new AtomicLong();
		AtomicLong waitedNanos = new AtomicLong();
		Object[] live = new Object[1_000_000];
		for (int i = 0; i < live.length; i++) {
			live[i] = new int[2];
		}
		FastCgiServer server = start(config(), (exchange) -> {
			if ("/gc".equals(exchange.params().get("REQUEST_URI"))) {
				long waitedBefore = runQueueWaitNanos();
				long collectedBefore = collectionMillis();
				long started = System.nanoTime();
				System.gc();
				pauseNanos.set(System.nanoTime() - started);
				collectedMillis.set(collectionMillis() - collectedBefore);
				long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3);
				while (System.nanoTime() - until < 0) {
					Thread.onSpinWait();
				}
				waitedNanos.set(runQueueWaitNanos() - waitedBefore);
			}
			echo(exchange);
		});
		RawClient client = parkedEchoClient(server);
		// On a loaded machine the edges of a pause stretch: bringing every thread to the safepoint, waking the
		// requester after it, and the requester's wait for a CPU (0.6-10 ms here on an idle machine). While they last
		// the request's thread is asleep or waiting for a CPU and the watch may be running, so a hand-off then is
		// right. So is one after the collection: the thread that asked for it may sleep in System.gc() for
		// milliseconds after the pause ends (G1 on Java 25 here), and a request asleep that long is one the watch
		// hands off. A try counts when the pause was longer than the busy limit, the call took no longer than the
		// collection (to the millisecond, as the collectors count it), and the request's thread waited less than
		// 6 ms for a CPU in all; it passes at the first such try without a hand-off, of up to three.
		List<String> handOffs = new ArrayList<>();
		List<String> tries = new ArrayList<>();
		for (int id = 2; id <= 4; id++) {
			awaitParked();
			this.events.lines.clear();
			client.request(id, true, get("/gc"), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/gc length=0");
			long sleptAfterMillis = TimeUnit.NANOSECONDS.toMillis(pauseNanos.get()) - collectedMillis.get();
			boolean counts = pauseNanos.get() > TimeUnit.MILLISECONDS.toNanos(12) && sleptAfterMillis <= 0
					&& waitedNanos.get() < TimeUnit.MILLISECONDS.toNanos(6);
			List<String> handedOff = this.events.lines.stream().filter((line) -> line.startsWith("handedOff")).toList();
			String figures = TimeUnit.NANOSECONDS.toMillis(pauseNanos.get()) + " ms in System.gc(), "
					+ collectedMillis.get() + " ms collecting, " + TimeUnit.NANOSECONDS.toMicros(waitedNanos.get())
					+ " µs waiting for a CPU";
			tries.add(figures);
			if (counts && handedOff.isEmpty()) {
				Reference.reachabilityFence(live);
				return;
			}
			if (counts) {
				handOffs.add("request " + id + ": " + handedOff + " after " + figures);
			}
		}
		Reference.reachabilityFence(live);
		assertThat(handOffs).as("tries that counted and were handed off").isEmpty();
		assumeThat(false).as("no try counted: the pause under 12 ms, the thread asleep after it, or kept from a CPU: "
				+ tries).isTrue();
	}

	@Test
	void whenRequestsAreSlowTheLoopsDispatchThemAndServeThemAgainOnceFast() throws Exception {
		FastCgiServer server = start(config(), recordingThread((exchange) -> {
			if ("/slow".equals(exchange.params().get("REQUEST_URI"))) {
				try {
					Thread.sleep(3);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			echo(exchange);
		}));
		List<RawClient> clients = parkedClients(server);
		int id = 2;
		// slow requests: within a 50 ms window, every loop hands its ready connections to pooled threads
		for (int round = 0; round < 30; round++, id++) {
			this.threads.clear();
			roundOf(clients, id, "/slow");
		}
		assertThat(this.threads).as("the last round, dispatched").allMatch((name) -> name.startsWith("fastcgi-conn-"));
		// fast requests again: the loops' leaders serve them again within a few 50 ms windows
		long fastFrom = System.nanoTime();
		boolean onLoops = false;
		while (!onLoops && System.nanoTime() - fastFrom < TimeUnit.SECONDS.toNanos(5)) {
			this.threads.clear();
			roundOf(clients, id++, "/fast");
			onLoops = this.threads.stream().allMatch((name) -> name.startsWith("fastcgi-loop-"));
		}
		assertThat(onLoops).as("a round served by the loops' leaders again, last: " + this.threads).isTrue();
	}

	/** Milliseconds the collectors have spent collecting so far (their pauses; concurrent cycles left out). */
	private static long collectionMillis() {
		long millis = 0;
		for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (!collector.getName().contains("Concurrent")) {
				millis += Math.max(0, collector.getCollectionTime());
			}
		}
		return millis;
	}

	/**
	 * How long the calling thread has waited, runnable, for a CPU (the second field of
	 * {@code /proc/thread-self/schedstat}), or 0 where the kernel does not say.
	 */
	private static long runQueueWaitNanos() {
		try {
			String[] fields = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/schedstat"))
				.trim()
				.split(" ");
			return Long.parseLong(fields[1]);
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

	/** Sends one request on every connection, then reads every answer. */
	private static void roundOf(List<RawClient> clients, int id, String uri) throws IOException {
		for (RawClient client : clients) {
			client.request(id, true, get(uri), new byte[0]);
		}
		for (RawClient client : clients) {
			assertThat(client.response(id).stdout()).endsWith("uri=" + uri + " length=0");
		}
	}

	@Test
	void aResponseThatFillsTheSocketHandsItsLoopToAnotherThread() throws Exception {
		byte[] chunk = new byte[64 * 1024];
		FastCgiServer server = start(config(), (exchange) -> {
			if ("/flood".equals(exchange.params().get("REQUEST_URI"))) {
				exchange.stdout().write(bytes("Status: 200\r\n\r\n"));
				for (int i = 0; i < 256; i++) {
					exchange.stdout().write(chunk);
				}
				return;
			}
			echo(exchange);
		});
		List<RawClient> clients = parkedClients(server);
		RawClient flooded = clients.get(0);
		// the client does not read: the response fills the socket buffers and the loop's leader waits to write
		flooded.request(2, true, get("/flood"), new byte[0]);
		// on a loaded machine the writes may pass the busy limit of 10 ms before the socket fills: the watch then
		// hands the loop over first (BUSY), which serves the others as well
		await().atMost(5, TimeUnit.SECONDS)
			.until(() -> this.events.has("handedOff SOCKET_FULL") || this.events.has("handedOff BUSY"));
		for (RawClient other : clients.subList(1, clients.size())) {
			other.request(2, true, get("/other"), new byte[0]);
		}
		for (RawClient other : clients.subList(1, clients.size())) {
			assertThat(other.response(2).stdout()).endsWith("uri=/other length=0");
		}
		assertThat(flooded.response(2).stdout()).hasSize(16 * 1024 * 1024 + "Status: 200\r\n\r\n".length());
		assumeThat(this.events.has("handedOff SOCKET_FULL"))
			.as("the loop handed over for the full socket, not first for the busy limit: " + this.events.lines)
			.isTrue();
	}

	@Test
	void anAbortRequestReachesARequestWaitingParkedForItsBody() throws Exception {
		FastCgiServer server = start(config(), recordingThread(EngineTestSupport::echo));
		RawClient client = parkedEchoClient(server);
		beginPost(client, 2, "/abort", 10, 5);
		awaitParked();
		client.send(RawClient.empty(RecordType.ABORT_REQUEST, 2));
		RawClient.Response aborted = client.response(2);
		assertThat(aborted.end()).isNotNull();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		assertThat(this.threads).as("the handler never ran").isEmpty();
		client.request(3, true, get("/next"), new byte[0]);
		assertThat(client.response(3).stdout()).endsWith("uri=/next length=0");
	}

	@Test
	void aRequestTimeoutEndsARequestWaitingParkedForItsBody() throws Exception {
		FastCgiServer server = start(config().requestTimeout(Duration.ofMillis(300)).readTimeout(Duration.ofSeconds(20)),
				recordingThread(EngineTestSupport::echo));
		RawClient client = parkedClient(server);
		awaitParked();
		this.threads.clear();
		beginPost(client, 2, "/stall", 100, 10);
		assertThat(client.response(2).stdout()).startsWith("Status: 504 ");
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		assertThat(this.threads).as("the handler never ran").isEmpty();
	}

	@Test
	void idleAndReadTimeoutsCloseParkedConnections() throws Exception {
		FastCgiServer server = start(config().idleTimeout(Duration.ofMillis(300)).readTimeout(Duration.ofMillis(300)),
				EngineTestSupport::echo);
		RawClient idle = parkedClient(server);
		RawClient stalled = parkedClient(server);
		awaitParked();
		beginPost(stalled, 2, "/stall", 100, 10);
		assertThat(idle.closedByServer()).as("idle connection closed").isTrue();
		assertThat(stalled.closedByServer()).as("stalled connection closed").isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		assertThat(this.events.has("protocolError timeout")).isTrue();
	}

	@Test
	void parkedConnectionsClosedByThePeerOrTheServerLeaveNothingOpen() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		int fds = FileDescriptors.open();
		for (int i = 0; i < 20; i++) {
			RawClient client = parkedClient(server);
			awaitParked();
			client.close();
		}
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
		if (fds >= 0) {
			await().atMost(10, TimeUnit.SECONDS).until(() -> FileDescriptors.open() <= fds + 2);
		}
		List<RawClient> open = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			open.add(parkedClient(server));
		}
		awaitParked();
		// like nginx, the peer closes its side once it sees the server's
		Thread closer = new Thread(() -> {
			for (RawClient client : open) {
				try {
					assertThat(client.closedByServer()).as("closed by the stop").isTrue();
					client.close();
				}
				catch (IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
			}
		});
		closer.start();
		long started = System.nanoTime();
		assertThat(server.stop(Duration.ofSeconds(5))).isTrue();
		// the loops leave at once (their leader may be a pooled thread that lives on)
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
		closer.join(5000);
		assertThat(server.activeConnections()).isZero();
	}

	@Test
	void withTheEventLoopOffEachConnectionKeepsAReaderThread() throws Exception {
		FastCgiServer server = start(config().eventLoop(false), recordingThread(EngineTestSupport::echo));
		RawClient client = connect(server);
		for (int id = 1; id <= 3; id++) {
			client.request(id, true, get("/reader/" + id), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/reader/" + id + " length=0");
		}
		assertThat(this.threads).hasSize(3).allMatch((name) -> name.startsWith("fastcgi-conn-"));
		assertThat(Thread.getAllStackTraces().keySet()).noneMatch((t) -> t.getName().startsWith("fastcgi-loop-"));
	}

}
