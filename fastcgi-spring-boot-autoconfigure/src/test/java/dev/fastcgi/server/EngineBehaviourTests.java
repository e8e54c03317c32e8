package dev.fastcgi.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.transport.Transports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Roles, threading modes, deferred completion, connection loss and the write and drain bounds, on a live engine.
 */
class EngineBehaviourTests extends EngineTestSupport {

	@Test
	void filterRoleGetsStdinAndData() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> {
			long in = drain(exchange.stdin());
			long data = drain(exchange.data());
			exchange.stdout().write(bytes(OK_HEAD + exchange.role() + " stdin=" + in + " data=" + data));
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.FILTER.code(), true), RawClient.params(1, get("/f")),
				RawClient.stdin(1, bytes("abc"), true), RawClient.record(RecordType.DATA, 1, bytes("12345")),
				RawClient.empty(RecordType.DATA, 1)));
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "FILTER stdin=3 data=5");
	}

	@Test
	void filterHandlerMayReadDataBeforeStdin() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> {
			long data = drain(exchange.data());
			long in = drain(exchange.stdin());
			exchange.stdout().write(bytes(OK_HEAD + "stdin=" + in + " data=" + data));
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.FILTER.code(), true), RawClient.params(1, get("/f")),
				RawClient.stdin(1, new byte[200_000], true), RawClient.record(RecordType.DATA, 1, bytes("12345")),
				RawClient.empty(RecordType.DATA, 1)));
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "stdin=200000 data=5");
	}

	@Test
	void authorizerNeedsNoStdin() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> {
			if (exchange.role() != Role.AUTHORIZER) {
				echo(exchange);
				return;
			}
			exchange.stdout()
				.write(bytes("Status: 200\r\nVariable-USER: " + exchange.params().get("REMOTE_USER") + "\r\n\r\n"));
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.AUTHORIZER.code(), true),
				RawClient.params(1, params("REMOTE_USER", "ann"))));
		assertThat(client.response(1).stdout()).contains("Variable-USER: ann");
		client.request(2, true, get("/after"), new byte[0]);
		assertThat(client.response(2).stdout()).endsWith("uri=/after length=0");
	}

	@Test
	void deferredCompletionEndsFromAnotherThread() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.deferCompletion();
			new Thread(() -> {
				try {
					exchange.stdout().write(bytes(OK_HEAD + "async"));
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
				exchange.complete(0);
			}, "test-async").start();
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "async");
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
	}

	@Test
	void singleThreadedRunsOneRequestAtATime() throws Exception {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		FastCgiServer server = start(config().multithreaded(false), (exchange) -> {
			most.accumulateAndGet(running.incrementAndGet(), Math::max);
			Thread.sleep(20);
			running.decrementAndGet();
			echo(exchange);
		});
		RawClient a = connect(server);
		RawClient b = connect(server);
		RawClient c = connect(server);
		a.request(1, true, get("/a"), new byte[0]);
		b.request(1, true, get("/b"), new byte[0]);
		c.request(1, true, get("/c"), new byte[0]);
		assertThat(a.response(1).stdout()).endsWith("uri=/a length=0");
		assertThat(b.response(1).stdout()).endsWith("uri=/b length=0");
		assertThat(c.response(1).stdout()).endsWith("uri=/c length=0");
		assertThat(most.get()).isEqualTo(1);
	}

	@Test
	void virtualThreadsServeRequests() throws Exception {
		AtomicReference<String> thread = new AtomicReference<>();
		FastCgiServer server = start(config().virtualThreads(true), (exchange) -> {
			thread.set(Thread.currentThread().toString());
			echo(exchange);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/v"), bytes("body"));
		assertThat(client.response(1).stdout()).endsWith("uri=/v length=4");
		if (Runtime.version().feature() >= 21) {
			assertThat(thread.get()).contains("Virtual");
		}
	}

	@Test
	void connectionLossAbortsTheRequestWithConnectionClosed() throws Exception {
		CountDownLatch reading = new CountDownLatch(1);
		CountDownLatch aborted = new CountDownLatch(1);
		AtomicReference<Throwable> seen = new AtomicReference<>();
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.onAbort((cause) -> aborted.countDown());
			InputStream in = exchange.stdin();
			in.read();
			reading.countDown();
			try {
				drain(in);
			}
			catch (IOException ex) {
				seen.set(ex);
			}
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, get("/")),
				RawClient.stdin(1, bodyPastTheLoopsHold(), false)));
		assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
		client.close();
		assertThat(aborted.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> seen.get() != null);
		assertThat(seen.get()).isInstanceOf(ConnectionClosedException.class);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("ended 1 REQUEST_COMPLETE ABORTED"));
	}

	@Test
	void webServerThatStopsReadingIsClosedAfterWriteTimeout() throws Exception {
		AtomicReference<Throwable> seen = new AtomicReference<>();
		FastCgiServer server = start(config().writeTimeout(Duration.ofMillis(300)), (exchange) -> {
			byte[] chunk = new byte[1 << 20];
			OutputStream out = exchange.stdout();
			try {
				for (int i = 0; i < 256; i++) {
					out.write(chunk);
				}
			}
			catch (IOException ex) {
				seen.set(ex);
			}
		});
		RawClient client = connect(server);
		client.request(1, true, get("/big"), new byte[0]);
		await().atMost(10, TimeUnit.SECONDS).until(() -> seen.get() != null);
		assertThat(seen.get()).isInstanceOf(ConnectionClosedException.class);
		assertThat(this.events.has("protocolError timeout")).isTrue();
	}

	@Test
	void unreadBodyIsDrainedBoundedWhenClosingAfterTheResponse() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> exchange.stdout().write(bytes(OK_HEAD + "ignored body")));
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, false),
				RawClient.params(1, params("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "104857600"))));
		Thread writer = new Thread(() -> {
			byte[] chunk = RawClient.stdin(1, new byte[65000], false);
			try {
				for (int i = 0; i < 1600; i++) {
					client.send(chunk);
				}
			}
			catch (IOException ex) {
				// the server closed after its bounded drain
			}
		}, "test-writer");
		writer.start();
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "ignored body");
		assertThat(client.closedByServer()).isTrue();
		writer.join(10_000);
		assertThat(writer.isAlive()).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "event loop", "a thread per connection", "virtual threads", "multiplexed",
			"single-threaded", "a thread per connection, Unix socket", "virtual threads, Unix socket" })
	void withoutKeepConnTheConnectionClosesAfterTheResponseWhenAllInputHasArrived(String mode) throws Exception {
		ServerConfig.Builder config = switch (mode) {
			case "event loop" -> config().eventLoop(true);
			case "a thread per connection" -> config().eventLoop(false);
			case "virtual threads" -> config().virtualThreads(true);
			case "multiplexed" -> config().multiplexed(true);
			case "single-threaded" -> config().multithreaded(false);
			case "a thread per connection, Unix socket" ->
				config().eventLoop(false).bindAddress(new BindAddress.Unix(this.tempDir.resolve("app.sock")));
			case "virtual threads, Unix socket" ->
				config().virtualThreads(true).bindAddress(new BindAddress.Unix(this.tempDir.resolve("app.sock")));
			default -> throw new IllegalArgumentException(mode);
		};
		FastCgiServer server = start(config, (exchange) -> {
			drain(exchange.stdin());
			exchange.stdout().write(bytes(OK_HEAD + "done"));
		});
		RawClient client = connect(server);
		client.request(1, false, params("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "3"), bytes("abc"));
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "done");
		// the end of the stream, not a reset: nothing was left unread on the server's side
		assertThat(client.closedByServer()).isTrue();
		if (!mode.equals("single-threaded")) {
			// the client keeps its side open: the server closes at once, without waiting for the client's close
			// (nor for the drain's 2 s limit); a thread would otherwise wait in the drain for each connection
			await().atMost(1, TimeUnit.SECONDS).until(() -> server.snapshot().activeConnections() == 0);
		}
		// single-threaded, the request ran on the one request thread while the connection's reader went on
		// reading: that read ends with the client's close
		client.close();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.snapshot().activeConnections() == 0);
	}

	@Test
	void noInheritedListenSocketInTests() {
		assertThat(Transports.inheritedListenChannel()).isNull();
	}

}
