package dev.fastcgi.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Which thread runs a request with a reader thread per connection (fastcgi.event-loop off; {@link EventLoopTests}
 * covers the event loops): a request whose input has all arrived runs on the connection's reader thread (no hand-off
 * to a worker); everything else goes to a worker, as does every request when single-threaded. A slow request on the
 * reader gets a new reader after a short while, so an ABORT_REQUEST or a closed connection is still noticed while
 * it runs; on a multiplexed connection within milliseconds once it blocks, and the requests kept behind it go to
 * workers.
 */
class InlineDispatchTests extends EngineTestSupport {

	@Override
	ServerConfig.Builder config() {
		return super.config().eventLoop(false);
	}

	@Test
	void requestsWithAllTheirInputRunOnTheConnectionsReaderThread() throws Exception {
		FastCgiServer server = start(config(), recordingThread(EngineTestSupport::echo));
		RawClient client = connect(server);
		for (int id = 1; id <= 3; id++) {
			client.request(id, true, get("/inline/" + id), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/inline/" + id + " length=0");
		}
		client.request(4, true, params("REQUEST_METHOD", "POST", "REQUEST_URI", "/post", "CONTENT_LENGTH", "5"),
				bytes("hello"));
		assertThat(client.response(4).stdout()).endsWith("uri=/post length=5");
		assertThat(this.threads).hasSize(4).allMatch((name) -> name.startsWith("fastcgi-conn-"));
		assertThat(this.threads).containsOnly(this.threads.get(0));
	}

	@Test
	void aBodyStillArrivingGoesToAWorker() throws Exception {
		FastCgiServer server = start(config(), recordingThread(EngineTestSupport::echo));
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, params("REQUEST_METHOD", "POST", "REQUEST_URI", "/later", "CONTENT_LENGTH", "10")),
				RawClient.stdin(1, bytes("hello"), false)));
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == 1);
		client.send(RawClient.stdin(1, bytes("world"), true));
		assertThat(client.response(1).stdout()).endsWith("uri=/later length=10");
		assertThat(this.threads.get(0)).startsWith("fastcgi-worker-");
	}

	@Test
	void singleThreadedConnectionsNeverRunRequestsOnTheReader() throws Exception {
		FastCgiServer single = start(config().multithreaded(false), recordingThread(EngineTestSupport::echo));
		RawClient client = connect(single);
		client.request(1, true, get("/worker"), new byte[0]);
		assertThat(client.response(1).stdout()).endsWith("uri=/worker length=0");
		assertThat(this.threads).hasSize(1).allMatch((name) -> name.startsWith("fastcgi-worker-"));
	}

	@Test
	void multiplexedRequestsWithAllTheirInputRunOnTheConnectionsReaderThread() throws Exception {
		FastCgiServer server = start(config().multiplexed(true), recordingThread(EngineTestSupport::echo));
		RawClient client = connect(server);
		for (int id = 1; id <= 3; id++) {
			client.request(id, true, get("/inline/" + id), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/inline/" + id + " length=0");
		}
		assertThat(this.threads).hasSize(3).allMatch((name) -> name.startsWith("fastcgi-conn-"));
		assertThat(this.threads).containsOnly(this.threads.get(0));
	}

	@Test
	void aMultiplexedRequestThatBlocksOnTheReaderHandsReadingToANewThreadWithinMilliseconds() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = startMultiplexedBlockingOn(release);
		RawClient client = connect(server);
		client.request(1, true, get("/block"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == 1);
		long sent = System.nanoTime();
		client.request(2, true, get("/next"), new byte[0]);
		assertThat(client.response(2).stdout()).endsWith("uri=/next length=0");
		long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
		// taken over after two checks that found the reader asleep (about 4 ms); the bound only catches a takeover
		// left to the 50 ms of a non-multiplexed reader, or none at all
		assertThat(waitedMillis).isLessThan(2000);
		assertThat(release.getCount()).isOne();
		release.countDown();
		assertThat(client.response(1).stdout()).endsWith("uri=/block length=0");
		assertThat(this.threads.get(0)).startsWith("fastcgi-conn-");
		// after a takeover the connection keeps no request for a while: the next one went to a worker
		assertThat(this.threads.get(1)).startsWith("fastcgi-worker-");
	}

	@Test
	void aMultiplexedReaderOftenAsleepInItsRequestsLeavesThemToWorkersUntilTheyAreFastAgain() throws Exception {
		FastCgiServer server = start(config().multiplexed(true), recordingThread((exchange) -> {
			if ("/sleep".equals(exchange.params().get("REQUEST_URI"))) {
				Thread.sleep(3);
			}
			echo(exchange);
		}));
		RawClient client = connect(server);
		int id = 0;
		// each too short to be taken over, but the reader sleeps in nearly every look the sweeper takes: after a
		// window of looks (every 2 ms once the first sweep, up to 50 ms in, has seen it run one) the reader leaves
		// them to workers, within a few dozen requests; the bound only catches a reader that never does (a stalled
		// sweeper on a busy machine can take a hundred milliseconds more)
		while (id < 500 && (id == 0 || !this.threads.get(id - 1).startsWith("fastcgi-worker-"))) {
			id++;
			client.request(id, true, get("/sleep"), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/sleep length=0");
		}
		assertThat(this.threads.get(0)).startsWith("fastcgi-conn-");
		assertThat(this.threads.get(id - 1)).startsWith("fastcgi-worker-");
		// and keeps leaving them to workers while they stay slow
		for (int i = 0; i < 10; i++) {
			id++;
			client.request(id, true, get("/sleep"), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/sleep length=0");
		}
		assertThat(this.threads.subList(id - 10, id)).allMatch((name) -> name.startsWith("fastcgi-worker-"));
		// fast requests on workers: once a window of them has (nearly) no slow one, the reader keeps them again
		int fastFrom = this.threads.size();
		while (this.threads.size() - fastFrom < 600 && !this.threads.get(this.threads.size() - 1).startsWith("fastcgi-conn-")) {
			id++;
			client.request(id, true, get("/fast"), new byte[0]);
			assertThat(client.response(id).stdout()).endsWith("uri=/fast length=0");
		}
		assertThat(this.threads.get(this.threads.size() - 1)).startsWith("fastcgi-conn-");
		assertThat(this.threads.size() - fastFrom).isGreaterThanOrEqualTo(40);
	}

	@Test
	void requestsKeptBehindABlockedOneOnAMultiplexedConnectionGoToWorkers() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = startMultiplexedBlockingOn(release);
		// as many connections as cores: each reader then keeps every ready request it decodes, in order
		List<RawClient> others = new ArrayList<>();
		for (int i = 1; i < Math.max(2, Runtime.getRuntime().availableProcessors()); i++) {
			others.add(connect(server));
		}
		RawClient client = connect(server);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == others.size() + 1);
		List<byte[]> records = new ArrayList<>();
		String[] uris = { "/block", "/kept/2", "/kept/3" };
		for (int id = 1; id <= uris.length; id++) {
			records.add(RawClient.begin(id, Role.RESPONDER.code(), true));
			records.add(RawClient.params(id, get(uris[id - 1])));
			records.add(RawClient.empty(RecordType.STDIN, id));
		}
		client.send(RawClient.concat(records.toArray(new byte[0][])));
		assertThat(client.response(2).stdout()).endsWith("uri=/kept/2 length=0");
		assertThat(client.response(3).stdout()).endsWith("uri=/kept/3 length=0");
		assertThat(release.getCount()).isOne();
		release.countDown();
		assertThat(client.response(1).stdout()).endsWith("uri=/block length=0");
		assertThat(this.threads.get(0)).startsWith("fastcgi-conn-");
		assertThat(this.threads.subList(1, 3)).allMatch((name) -> name.startsWith("fastcgi-worker-"));
		for (RawClient other : others) {
			other.request(1, true, get("/other"), new byte[0]);
			assertThat(other.response(1).stdout()).endsWith("uri=/other length=0");
		}
	}

	@Test
	void readersRunRequestsOnlyWhileFewerThanThreadsRequestsRun() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(config().threads(1), recordingThread((exchange) -> {
			hold(release);
			echo(exchange);
		}));
		RawClient first = connect(server);
		RawClient second = connect(server);
		first.request(1, true, get("/first"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == 1);
		second.request(1, true, get("/second"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == 2);
		release.countDown();
		assertThat(first.response(1).stdout()).endsWith("uri=/first length=0");
		assertThat(second.response(1).stdout()).endsWith("uri=/second length=0");
		assertThat(this.threads.get(0)).startsWith("fastcgi-conn-");
		assertThat(this.threads.get(1)).startsWith("fastcgi-worker-");
	}

	@Test
	void anAbortRequestIsNoticedWhileASlowRequestRunsOnTheReader() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicReference<IOException> abort = new AtomicReference<>();
		FastCgiServer server = start(config(), recordingThread((exchange) -> {
			if ("/slow".equals(exchange.params().get("REQUEST_URI"))) {
				exchange.onAbort(abort::set);
				hold(release);
			}
			echo(exchange);
		}));
		RawClient client = connect(server);
		client.request(1, true, get("/slow"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == 1);
		client.send(RawClient.empty(RecordType.ABORT_REQUEST, 1));
		await().atMost(5, TimeUnit.SECONDS).until(() -> abort.get() != null);
		assertThat(this.events.has("aborted 1")).isTrue();
		release.countDown();
		RawClient.Response aborted = client.response(1);
		assertThat(aborted.end()).isNotNull();
		// the connection is still served, by the reader that took over
		client.request(2, true, get("/next"), new byte[0]);
		assertThat(client.response(2).stdout()).endsWith("uri=/next length=0");
		assertThat(this.threads.get(0)).startsWith("fastcgi-conn-");
	}

	@Test
	void aClosedConnectionIsNoticedWhileASlowRequestRunsOnTheReader() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicReference<IOException> abort = new AtomicReference<>();
		FastCgiServer server = start(config(), recordingThread((exchange) -> {
			exchange.onAbort(abort::set);
			hold(release);
		}));
		RawClient client = connect(server);
		client.request(1, true, get("/slow"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.threads.size() == 1);
		client.close();
		await().atMost(5, TimeUnit.SECONDS).until(() -> abort.get() != null);
		assertThat(abort.get()).isInstanceOf(ConnectionClosedException.class);
		release.countDown();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
	}

	/** A multiplexed server whose handler echoes, holding {@code /block} until {@code release}, threads recorded. */
	private FastCgiServer startMultiplexedBlockingOn(CountDownLatch release) throws IOException {
		return start(config().multiplexed(true), recordingThread((exchange) -> {
			if ("/block".equals(exchange.params().get("REQUEST_URI"))) {
				hold(release);
			}
			echo(exchange);
		}));
	}

}
