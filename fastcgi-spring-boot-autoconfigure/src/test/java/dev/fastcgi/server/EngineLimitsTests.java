package dev.fastcgi.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine's request limits (fastcgi.max-param-name-length, fastcgi.max-param-value-length, fastcgi.max-body-size,
 * fastcgi.max-buffered-input), CONTENT_LENGTH that disagrees with the body sent, and the params and request
 * timeouts: each gets its defined answer and a listener reason, and the connection goes on when it can.
 */
class EngineLimitsTests extends EngineTestSupport {

	/** URIs the handler saw, in order. */
	private final Queue<String> seen = new ConcurrentLinkedQueue<>();

	/** Echo that also records the URI and the message of a failed body read. */
	private final AtomicReference<String> readFailure = new AtomicReference<>();

	private void recordingEcho(FastCgiExchange exchange) throws IOException {
		this.seen.add(exchange.params().get("REQUEST_URI"));
		try {
			echo(exchange);
		}
		catch (IOException ex) {
			this.readFailure.set(ex.getMessage());
			throw ex;
		}
	}

	private static Map<String, String> post(String uri, String contentLength) {
		return params("REQUEST_METHOD", "POST", "REQUEST_URI", uri, "CONTENT_LENGTH", contentLength);
	}

	// ---- params ------------------------------------------------------------------------------------------------

	@Test
	void paramNameOverTheLimitGets431WithoutRunningTheHandler() throws Exception {
		FastCgiServer server = start(config().maxParamNameLength(64), this::recordingEcho);
		RawClient client = connect(server);
		Map<String, String> params = get("/long-name");
		params.put("HTTP_X_" + "N".repeat(100), "v");
		client.request(1, true, params, bytes("abc"));
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).startsWith("Status: 431 Request Header Fields Too Large\r\n");
		assertThat(response.appStatus()).isZero();
		assertThat(this.events.has("protocolError param_name_too_long")).isTrue();
		// the listener hears of the end just after END_REQUEST has left
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("ended 1 REQUEST_COMPLETE REJECTED"));
		client.request(2, true, get("/next"), new byte[0]);
		assertThat(client.response(2).stdout()).isEqualTo(OK_HEAD + "id=2 uri=/next length=0");
		assertThat(this.seen).containsExactly("/next");
	}

	@Test
	void paramValueOverTheLimitGets431AndClosesWithoutKeepConn() throws Exception {
		FastCgiServer server = start(config().maxParamValueLength(1000), this::recordingEcho);
		RawClient client = connect(server);
		Map<String, String> params = get("/long-value");
		params.put("HTTP_COOKIE", "c".repeat(1001));
		client.request(1, false, params, new byte[0]);
		assertThat(client.response(1).stdout()).startsWith("Status: 431 ");
		assertThat(client.closedByServer()).isTrue();
		assertThat(this.events.has("protocolError param_value_too_long")).isTrue();
		assertThat(this.seen).isEmpty();
		assertHealthy(server);
	}

	@Test
	void defaultsAcceptABigCookieInOneFullParamsRecord() throws Exception {
		FastCgiServer server = start(config(), this::recordingEcho);
		RawClient client = connect(server);
		Map<String, String> params = get("/cookie");
		params.put("HTTP_COOKIE", "k=" + "v".repeat(60_000));
		client.request(1, true, params, new byte[0]);
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "id=1 uri=/cookie length=0");
	}

	// ---- body size ---------------------------------------------------------------------------------------------

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void declaredBodyOverTheLimitGets413BeforeAnyStdinAndTheBodyIsDiscarded(boolean multiplexed) throws Exception {
		FastCgiServer server = start(config().multiplexed(multiplexed).maxBodySize(1000), this::recordingEcho);
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, post("/big", "5000"))));
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEqualTo("Status: 413 Payload Too Large\r\nContent-Type: text/plain\r\n\r\n"
				+ "Payload Too Large\n");
		assertThat(response.appStatus()).isZero();
		assertThat(this.events.has("protocolError body_too_large")).isTrue();
		// the web server sends the body anyway: it is skipped record by record, framing stays in sync
		client.send(RawClient.stdin(1, new byte[5000], true));
		client.request(2, true, post("/small", "3"), bytes("abc"));
		assertThat(client.response(2).stdout()).isEqualTo(OK_HEAD + "id=2 uri=/small length=3");
		assertThat(this.seen).containsExactly("/small");
	}

	@Test
	void declaredBodyOverTheLimitClosesAfterTheAnswerWithoutKeepConn() throws Exception {
		FastCgiServer server = start(config().maxBodySize(10), this::recordingEcho);
		RawClient client = connect(server);
		client.request(1, false, post("/big", "11"), new byte[11]);
		assertThat(client.response(1).stdout()).startsWith("Status: 413 ");
		assertThat(client.closedByServer()).isTrue();
		assertThat(this.seen).isEmpty();
	}

	@Test
	void bodyAtTheLimitIsServed() throws Exception {
		FastCgiServer server = start(config().maxBodySize(1000), this::recordingEcho);
		RawClient client = connect(server);
		client.request(1, true, post("/exact", "1000"), new byte[1000]);
		assertThat(client.response(1).stdout()).endsWith("length=1000");
		client.request(2, true, post("/undeclared", ""), new byte[1000]);
		assertThat(client.response(2).stdout()).endsWith("length=1000");
	}

	@Test
	void authorizerIsNotRefusedForTheBodyItNeverGets() throws Exception {
		FastCgiServer server = start(config().maxBodySize(10), (exchange) -> exchange.stdout()
			.write(bytes("Status: 200\r\nVariable-User: " + exchange.role() + "\r\n\r\n")));
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.AUTHORIZER.code(), true),
				RawClient.params(1, post("/auth", "5000"))));
		assertThat(client.response(1).stdout()).contains("Variable-User: AUTHORIZER");
	}

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void undeclaredBodyPastTheLimitFailsTheReadAndAnswers413(boolean multiplexed) throws Exception {
		FastCgiServer server = start(config().multiplexed(multiplexed).maxBodySize(1000), this::recordingEcho);
		RawClient client = connect(server);
		client.request(1, true, post("/stream", ""), new byte[5000]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).startsWith("Status: 413 Payload Too Large\r\n");
		assertThat(response.appStatus()).isEqualTo(1);
		assertThat(this.readFailure.get()).contains("fastcgi.max-body-size (1000 bytes)");
		assertThat(this.events.has("protocolError body_too_large")).isTrue();
		client.request(2, true, get("/next"), new byte[0]);
		assertThat(client.response(2).stdout()).isEqualTo(OK_HEAD + "id=2 uri=/next length=0");
	}

	@Test
	void handlerThatSwallowsTheLimitFailureStillAnswers413() throws Exception {
		FastCgiServer server = start(config().maxBodySize(100), (exchange) -> {
			try {
				drain(exchange.stdin());
			}
			catch (IOException ex) {
				// ignored: the engine answers for it
			}
		});
		RawClient client = connect(server);
		client.request(1, true, post("/swallow", ""), new byte[500]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).startsWith("Status: 413 ");
		assertThat(response.appStatus()).isEqualTo(1);
	}

	// ---- CONTENT_LENGTH that disagrees with STDIN ----------------------------------------------------------------

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void bytesPastContentLengthAreDiscardedAndCannotSmuggleARequest(boolean multiplexed) throws Exception {
		FastCgiServer server = start(config().multiplexed(multiplexed), this::recordingEcho);
		RawClient client = connect(server);
		byte[] smuggled = RawClient.concat(RawClient.begin(2, Role.RESPONDER.code(), true),
				RawClient.params(2, get("/smuggled")), RawClient.stdin(2, new byte[0], true));
		byte[] body = RawClient.concat(bytes("hello"), smuggled);
		client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, post("/first", "5")), RawClient.stdin(1, body, true)));
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "id=1 uri=/first length=5");
		client.request(3, true, get("/third"), new byte[0]);
		assertThat(client.response(3).stdout()).isEqualTo(OK_HEAD + "id=3 uri=/third length=0");
		// nothing for id 2 ever came back, and the handler never saw it
		client.request(4, false, get("/last"), new byte[0]);
		assertThat(client.response(4).records()).isNotEmpty();
		assertThat(client.closedByServer()).isTrue();
		assertThat(this.seen).containsExactly("/first", "/third", "/last");
	}

	@Test
	void excessBodyInLaterRecordsIsSkippedWhileTheHandlerAlreadyAnswered() throws Exception {
		CountDownLatch answered = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			this.seen.add(exchange.params().get("REQUEST_URI"));
			echo(exchange);
			answered.countDown();
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, post("/first", "4")), RawClient.stdin(1, bytes("abcd"), false)));
		// the handler sees end of stream at CONTENT_LENGTH, before the empty STDIN
		assertThat(client.response(1).stdout()).endsWith("length=4");
		client.send(RawClient.stdin(1, RawClient.concat(RawClient.begin(9, Role.RESPONDER.code(), true),
				RawClient.params(9, get("/smuggled")), RawClient.stdin(9, new byte[0], true)), true));
		client.request(2, true, get("/second"), new byte[0]);
		assertThat(client.response(2).stdout()).endsWith("uri=/second length=0");
		assertThat(this.seen).containsExactly("/first", "/second");
	}

	@ParameterizedTest(name = "event loop {0}, multiplexed {1}")
	@CsvSource({ "true, false", "false, false", "false, true" })
	void aDeclaredBodyThatHasArrivedRunsWithoutWaitingForTheEmptyStdin(boolean eventLoop, boolean multiplexed)
			throws Exception {
		FastCgiServer server = start(config().eventLoop(eventLoop).multiplexed(multiplexed), (exchange) -> {
			this.seen.add(exchange.params().get("REQUEST_URI"));
			echo(exchange);
		});
		RawClient client = connect(server);
		// the connection is idle first (on an event loop, parked there), then the body arrives without its end
		Thread.sleep(200);
		client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, post("/declared", "4")), RawClient.stdin(1, bytes("abcd"), false)));
		assertThat(client.response(1).stdout()).endsWith("length=4");
		client.send(RawClient.empty(RecordType.STDIN, 1));
		client.request(2, true, get("/after"), new byte[0]);
		assertThat(client.response(2).stdout()).endsWith("uri=/after length=0");
		assertThat(this.seen).containsExactly("/declared", "/after");
	}

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void bodyShorterThanContentLengthFailsTheReadNeverHangs(boolean multiplexed) throws Exception {
		FastCgiServer server = start(config().multiplexed(multiplexed), this::recordingEcho);
		RawClient client = connect(server);
		client.request(1, true, post("/short", "100"), new byte[40]);
		RawClient.Response response = client.response(1);
		assertThat(this.readFailure.get()).isEqualTo("request body ended after 40 of 100 declared bytes");
		assertThat(response.stdout()).startsWith("Status: 500");
		assertThat(response.appStatus()).isEqualTo(1);
		client.request(2, true, get("/next"), new byte[0]);
		assertThat(client.response(2).stdout()).endsWith("uri=/next length=0");
	}

	@Test
	void contentLengthThatIsNotANumberMeansReadUntilTheEmptyStdin() throws Exception {
		FastCgiServer server = start(config(), this::recordingEcho);
		RawClient client = connect(server);
		client.request(1, true, post("/odd", "12abc"), new byte[30]);
		assertThat(client.response(1).stdout()).endsWith("length=30");
	}

	// ---- fastcgi.max-buffered-input ------------------------------------------------------------------------------

	@Test
	void unreadInputPastTheServerWideBudgetSpillsToFiles() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(config().multiplexed(true).inputSpillThreshold(1024 * 1024)
			.maxBufferedInput(64 * 1024), (exchange) -> {
				release.await(10, TimeUnit.SECONDS);
				echo(exchange);
			});
		RawClient client = connect(server);
		for (int id = 1; id <= 4; id++) {
			client.request(id, true, post("/b" + id, "40000"), new byte[40_000]);
		}
		// 4 x 40 000 bytes unread, 64 KiB allowed in memory: at least two requests spill
		await().atMost(10, TimeUnit.SECONDS).until(() -> this.events.spilled.size() >= 2);
		release.countDown();
		assertThat(server.bufferedInputBytes()).isLessThanOrEqualTo(64 * 1024);
		for (int id = 1; id <= 4; id++) {
			assertThat(client.response(id).stdout()).endsWith("uri=/b" + id + " length=40000");
		}
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.bufferedInputBytes() == 0);
	}

	// ---- timeouts ----------------------------------------------------------------------------------------------

	@Test
	void paramsTricklingOneByteAtATimeAreCutOffByTheParamsTimeout() throws Exception {
		FastCgiServer server = start(config().paramsTimeout(Duration.ofMillis(300)).readTimeout(Duration.ofSeconds(20))
			.idleTimeout(Duration.ofSeconds(20)), this::recordingEcho);
		RawClient client = connect(server);
		long started = System.nanoTime();
		// a PARAMS record announcing 65535 bytes, then its content one byte at a time
		trickle(client, server, RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.rawRecord(1, RecordType.PARAMS.code(), 1, new byte[0], 0)), true);
		assertThat(this.events.has("protocolError params_timeout")).isTrue();
		assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(20);
		assertThat(this.seen).isEmpty();
		assertHealthy(server);
	}

	@Test
	void aRecordTrickledWithNoRequestIsCutOffByTheParamsTimeout() throws Exception {
		FastCgiServer server = start(config().paramsTimeout(Duration.ofMillis(300)).readTimeout(Duration.ofSeconds(20))
			.idleTimeout(Duration.ofSeconds(20)), this::recordingEcho);
		RawClient client = connect(server);
		// a GET_VALUES record announcing 65535 bytes, then its content one byte at a time
		trickle(client, server, RawClient.rawRecord(1, RecordType.GET_VALUES.code(), 0, new byte[0], 0), true);
		assertThat(this.events.has("protocolError params_timeout")).isTrue();
	}

	/**
	 * Sends {@code head} with the last record's content length patched to 65535, then one content byte every 20 ms
	 * (each resets fastcgi.read-timeout) until the server closes the connection.
	 */
	private static void trickle(RawClient client, FastCgiServer server, byte[] head, boolean patch) throws Exception {
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 1);
		if (patch) {
			head[head.length - 4] = (byte) 0xFF;
			head[head.length - 3] = (byte) 0xFF;
		}
		client.send(head);
		for (int i = 0; server.activeConnections() > 0; i++) {
			try {
				client.send(new byte[] { 'x' });
			}
			catch (IOException ex) {
				break;
			}
			TimeUnit.MILLISECONDS.sleep(20);
			assertThat(i).as("bytes trickled before the cut").isLessThan(1000);
		}
		assertThat(client.closedByServer()).isTrue();
	}

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void handlerThatNeverReturnsIsEndedByTheRequestTimeout(boolean multiplexed) throws Exception {
		AtomicBoolean interrupted = new AtomicBoolean();
		AtomicReference<IOException> abortCause = new AtomicReference<>();
		CountDownLatch never = new CountDownLatch(1);
		FastCgiServer server = start(config().multiplexed(multiplexed).requestTimeout(Duration.ofMillis(300)),
				(exchange) -> {
					if (!"/hang".equals(exchange.params().get("REQUEST_URI"))) {
						echo(exchange);
						return;
					}
					exchange.onAbort(abortCause::set);
					try {
						never.await();
					}
					catch (InterruptedException ex) {
						interrupted.set(true);
						exchange.stdout().write(bytes("ignored: the engine answered"));
					}
				});
		RawClient client = connect(server);
		client.request(1, true, get("/hang"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).startsWith("Status: 504 Gateway Timeout\r\n");
		assertThat(response.appStatus()).isEqualTo(1);
		assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
		await().atMost(5, TimeUnit.SECONDS).until(interrupted::get);
		assertThat(abortCause.get()).isInstanceOf(RequestAbortedException.class)
			.hasMessageContaining("fastcgi.request-timeout (300 ms)");
		assertThat(this.events.has("protocolError request_timeout")).isTrue();
		// the listener hears of the end just after END_REQUEST has left
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("ended 1 REQUEST_COMPLETE ABORTED"));
		// the connection goes on, and the worker thread's interrupt does not leak into the next request
		client.request(2, true, get("/after"), new byte[0]);
		assertThat(client.response(2).stdout()).isEqualTo(OK_HEAD + "id=2 uri=/after length=0");
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
	}

	@Test
	void requestTimeoutAfterACommittedResponseJustEndsIt() throws Exception {
		FastCgiServer server = start(config().requestTimeout(Duration.ofMillis(300)), (exchange) -> {
			exchange.stdout().write(bytes(OK_HEAD + "partial"));
			exchange.stdout().flush();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		RawClient client = connect(server);
		client.request(1, true, get("/partial"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEqualTo(OK_HEAD + "partial");
		assertThat(response.appStatus()).isEqualTo(1);
	}

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void requestTimeoutFailsABlockedBodyRead(boolean multiplexed) throws Exception {
		AtomicReference<Throwable> failure = new AtomicReference<>();
		FastCgiServer server = start(config().multiplexed(multiplexed).requestTimeout(Duration.ofMillis(300))
			.readTimeout(Duration.ofSeconds(20)), (exchange) -> {
				try {
					drain(exchange.stdin());
				}
				catch (IOException ex) {
					failure.set(ex);
				}
			});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, post("/stall", "" + (200 * 1024))), RawClient.stdin(1, new byte[100 * 1024], false)));
		// (a body past what waits on an event loop before the handler starts, 64 KiB: the handler reads and blocks)
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).startsWith("Status: 504 ");
		await().atMost(5, TimeUnit.SECONDS).until(() -> failure.get() != null);
		assertThat(failure.get()).isInstanceOfAny(RequestAbortedException.class, InterruptedIOException.class);
	}

	@Test
	void webServerThatStopsReadingDoesNotHoldUpOtherConnections() throws Exception {
		AtomicReference<Boolean> abortSeen = new AtomicReference<>(false);
		FastCgiServer server = start(config().writeTimeout(Duration.ofMillis(300)), (exchange) -> {
			if (!"/flood".equals(exchange.params().get("REQUEST_URI"))) {
				echo(exchange);
				return;
			}
			exchange.onAbort((cause) -> abortSeen.set(true));
			byte[] chunk = new byte[64 * 1024];
			for (int i = 0; i < 1024 && !exchange.isAborted(); i++) {
				exchange.stdout().write(chunk);
			}
		});
		RawClient stuck = connect(server);
		stuck.request(1, true, get("/flood"), new byte[0]);
		assertHealthy(server);
		await().atMost(10, TimeUnit.SECONDS).until(abortSeen::get);
		assertThat(this.events.has("protocolError timeout")).isTrue();
		assertHealthy(server);
	}

	@Test
	void invalidLimitValuesNameTheirProperty() {
		assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> config().maxBodySize(-2).build()))
			.hasMessageContaining("fastcgi.max-body-size");
		assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> config().maxParamNameLength(0).build()))
			.hasMessageContaining("fastcgi.max-param-name-length");
		assertThat(org.assertj.core.api.Assertions.catchThrowable(
				() -> config().requestTimeout(Duration.ofSeconds(-1)).build()))
			.hasMessageContaining("fastcgi.request-timeout");
		assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> config().paramsTimeout(Duration.ZERO).build()))
			.hasMessageContaining("fastcgi.params-timeout");
		assertThat(ServerConfig.builder().build().maxBodySize()).isEqualTo(-1);
		assertThat(ServerConfig.builder().build().requestTimeout()).isZero();
	}

}
