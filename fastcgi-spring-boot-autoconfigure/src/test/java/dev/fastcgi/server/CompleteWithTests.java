package dev.fastcgi.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link FastCgiExchange#completeWith}: a handler's last bytes leave with the end of the request in one write, the
 * web server has the whole response before the handler returns, and the request is only ended early when nothing can
 * still need it.
 */
class CompleteWithTests extends EngineTestSupport {

	/** The writes of the connection, as their byte counts. */
	private final List<Long> writes = new CopyOnWriteArrayList<>();

	private final ServerListener writeCounter = new ServerListener() {

		@Override
		public void bytesSent(long bytes) {
			CompleteWithTests.this.writes.add(bytes);
		}

	};

	/** {@link #start} with the write counter attached. */
	private FastCgiServer startCounting(ServerConfig.Builder config, FastCgiHandler handler) throws IOException {
		FastCgiServer server = new FastCgiServer(config.build(), handler);
		server.addListener(this.events);
		server.addListener(this.writeCounter);
		this.servers.add(server);
		server.start();
		return server;
	}

	private static byte[] body(int length) {
		byte[] body = new byte[length];
		for (int i = 0; i < length; i++) {
			body[i] = (byte) ('a' + i % 26);
		}
		return body;
	}

	@ParameterizedTest(name = "event loop {0}, multiplexed {1}")
	@CsvSource({ "true, false", "false, false", "false, true" })
	void lastBytesLeaveWithEndRequestBeforeTheHandlerReturns(boolean eventLoop, boolean multiplexed) throws Exception {
		byte[] body = body(64 * 1024);
		CountDownLatch responseRead = new CountDownLatch(1);
		AtomicReference<Object> result = new AtomicReference<>();
		FastCgiServer server = startCounting(config().eventLoop(eventLoop).multiplexed(multiplexed), (exchange) -> {
			drain(exchange.stdin());
			exchange.stdout().write(bytes("Status: 200\r\nContent-Length: " + body.length + "\r\n\r\n"));
			result.set(exchange.completeWith(body, 0, body.length));
			// the web server has the response while the handler is still here
			hold(responseRead);
			// later writes fail as after complete(), and completing again is a no-op
			try {
				exchange.stdout().write(1);
			}
			catch (IOException ex) {
				result.set(result.get() + " then " + ex.getClass().getSimpleName());
			}
			exchange.complete(3);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/big"), new byte[0]);
		RawClient.Response response = client.response(1);
		responseRead.countDown();
		String head = "Status: 200\r\nContent-Length: 65536\r\n\r\n";
		assertThat(response.stdout()).hasSize(head.length() + body.length)
			.startsWith(head)
			.endsWith(new String(body, StandardCharsets.ISO_8859_1));
		assertThat(response.appStatus()).isZero();
		assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
		await().atMost(5, TimeUnit.SECONDS).until(() -> String.valueOf(result.get()).contains(" then "));
		assertThat(result.get()).isEqualTo("true then IOException");
		// the header block and the body in 9 records, the empty STDOUT and END_REQUEST: one write
		assertThat(this.writes).hasSize(1);
		List<RawClient.Rec> records = response.records();
		assertThat(records).hasSize(11);
		assertThat(records.get(0).content()).hasSize(8192);
		assertThat(records.get(8).content()).hasSize(head.length());
		assertThat(type(records.get(9))).isEqualTo(RecordType.STDOUT);
		assertThat(records.get(9).content()).isEmpty();
		assertThat(type(records.get(10))).isEqualTo(RecordType.END_REQUEST);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("ended 1 REQUEST_COMPLETE SUCCESS"));
		// the connection goes on with the next request
		client.request(2, true, get("/next"), new byte[0]);
		assertThat(client.response(2).stdout()).isEqualTo(head + new String(body, StandardCharsets.ISO_8859_1));
	}

	@Test
	void smallResponseLeavesInOneRecord() throws Exception {
		AtomicReference<Boolean> ended = new AtomicReference<>();
		FastCgiServer server = startCounting(config(), (exchange) -> {
			exchange.stdout().write(bytes(OK_HEAD));
			ended.set(exchange.completeWith(bytes("xhello"), 1, 5));
		});
		RawClient client = connect(server);
		client.request(1, true, get("/small"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEqualTo(OK_HEAD + "hello");
		assertThat(response.records()).hasSize(3);
		await().atMost(5, TimeUnit.SECONDS).until(() -> ended.get() != null);
		assertThat(ended.get()).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("ended 1 REQUEST_COMPLETE SUCCESS"));
		assertThat(this.writes).hasSize(1);
	}

	@Test
	void largeMaxWriteCutsTheBodyIntoSeveralWritesAndEndsWithTheLast() throws Exception {
		byte[] body = body(300_000);
		FastCgiServer server = startCounting(config().maxWrite(65535), (exchange) -> {
			drain(exchange.stdin());
			exchange.completeWith(body, 0, body.length);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/large"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout().getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(body);
		// 5 records of at most 65535 bytes, 2 per write (128 KiB), the end records with the last
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("ended 1 REQUEST_COMPLETE SUCCESS"));
		assertThat(this.writes).hasSize(3);
		assertThat(response.records()).hasSize(7);
	}

	@Test
	void unreadInputKeepsTheRequestOpenUntilTheHandlerReturns() throws Exception {
		AtomicReference<Boolean> ended = new AtomicReference<>();
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.stdout().write(bytes(OK_HEAD));
			ended.set(exchange.completeWith(bytes("done"), 0, 4));
			exchange.stdout().write(bytes("done"));
		});
		RawClient client = connect(server);
		client.request(1, true, params("REQUEST_METHOD", "POST", "REQUEST_URI", "/post", "CONTENT_LENGTH", "10"),
				bytes("0123456789"));
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "done");
		assertThat(ended.get()).isFalse();
	}

	@Test
	void inputReadToItsEndAllowsTheEarlyEnd() throws Exception {
		AtomicReference<Boolean> ended = new AtomicReference<>();
		FastCgiServer server = start(config(), (exchange) -> {
			long length = drain(exchange.stdin());
			exchange.stdout().write(bytes(OK_HEAD));
			ended.set(exchange.completeWith(bytes("read " + length), 0, ("read " + length).length()));
		});
		RawClient client = connect(server);
		client.request(1, true, params("REQUEST_METHOD", "POST", "REQUEST_URI", "/post", "CONTENT_LENGTH", "10"),
				bytes("0123456789"));
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "read 10");
		// the response may arrive before completeWith has returned
		await().atMost(5, TimeUnit.SECONDS).until(() -> ended.get() != null);
		assertThat(ended.get()).isTrue();
	}

	@Test
	void stderrOrDeferredCompletionKeepsTheUsualEnd() throws Exception {
		AtomicReference<String> ended = new AtomicReference<>("");
		FastCgiServer server = start(config(), (exchange) -> {
			String uri = exchange.params().get("REQUEST_URI");
			exchange.stdout().write(bytes(OK_HEAD));
			if (uri.equals("/stderr")) {
				exchange.stderr().write(bytes("warning"));
				ended.set(ended.get() + exchange.completeWith(bytes("x"), 0, 1));
				exchange.stdout().write(bytes("x"));
			}
			else {
				exchange.deferCompletion();
				ended.set(ended.get() + exchange.completeWith(bytes("y"), 0, 1));
				exchange.stdout().write(bytes("y"));
				exchange.complete(0);
			}
		});
		RawClient client = connect(server);
		client.request(1, true, get("/stderr"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEqualTo(OK_HEAD + "x");
		assertThat(response.stderr()).isEqualTo("warning");
		client.request(2, true, get("/deferred"), new byte[0]);
		assertThat(client.response(2).stdout()).isEqualTo(OK_HEAD + "y");
		assertThat(ended.get()).isEqualTo("falsefalse");
	}

	@Test
	void afterARequestTimeoutTheTimeOutsResponseStands() throws Exception {
		AtomicReference<Boolean> ended = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(1);
		FastCgiServer server = start(config().requestTimeout(Duration.ofMillis(200)), (exchange) -> {
			hold(new CountDownLatch(1));
			ended.set(exchange.completeWith(bytes(OK_HEAD + "late"), 0, OK_HEAD.length() + 4));
			done.countDown();
		});
		RawClient client = connect(server);
		client.request(1, true, get("/slow"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).startsWith("Status: 504");
		assertThat(response.appStatus()).isEqualTo(1);
		assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(ended.get()).isFalse();
	}

	@Test
	void afterAnAbortNothingIsWritten() throws Exception {
		CountDownLatch aborted = new CountDownLatch(1);
		AtomicReference<Boolean> ended = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.onAbort((cause) -> aborted.countDown());
			hold(aborted);
			ended.set(exchange.completeWith(bytes(OK_HEAD), 0, OK_HEAD.length()));
			done.countDown();
		});
		RawClient client = connect(server);
		client.request(1, true, get("/abort"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 1);
		client.send(RawClient.record(RecordType.ABORT_REQUEST, 1, new byte[0]));
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEmpty();
		assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(ended.get()).isFalse();
		assertThat(this.events.lines).contains("aborted 1");
	}

}
