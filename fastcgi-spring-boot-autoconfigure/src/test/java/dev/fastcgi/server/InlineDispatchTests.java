package dev.fastcgi.server;

import java.io.IOException;
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
 * covers the event loops): on a non-multiplexed connection, a request whose input has all arrived runs on the
 * connection's reader thread (no hand-off to a worker); everything else goes to a worker. A slow request on the
 * reader gets a new reader after a short while, so an ABORT_REQUEST or a closed connection is still noticed while
 * it runs.
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
	void multiplexedAndSingleThreadedConnectionsNeverRunRequestsOnTheReader() throws Exception {
		FastCgiServer multiplexed = start(config().multiplexed(true), recordingThread(EngineTestSupport::echo));
		FastCgiServer single = start(config().multithreaded(false), recordingThread(EngineTestSupport::echo));
		for (FastCgiServer server : List.of(multiplexed, single)) {
			RawClient client = connect(server);
			client.request(1, true, get("/worker"), new byte[0]);
			assertThat(client.response(1).stdout()).endsWith("uri=/worker length=0");
		}
		assertThat(this.threads).hasSize(2).allMatch((name) -> name.startsWith("fastcgi-worker-"));
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

}
