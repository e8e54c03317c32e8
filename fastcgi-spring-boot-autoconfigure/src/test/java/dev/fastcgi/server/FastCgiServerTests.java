package dev.fastcgi.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Socket-level tests of the engine, non-multiplexed, against a live server on port 0 with raw records.
 */
class FastCgiServerTests extends EngineTestSupport {

	@Test
	void getValuesAnswersOnlyTheKnownNamesAsked() throws Exception {
		FastCgiServer server = start(config().maxConnections(50).maxRequests(20), EngineTestSupport::echo);
		RawClient client = connect(server);
		Map<String, String> asked = params(FastCgi.MAX_CONNS, "", FastCgi.MAX_REQS, "", FastCgi.MPXS_CONNS, "",
				"FCGI_UNKNOWN", "");
		client.send(RawClient.record(RecordType.GET_VALUES, 0, NameValuePairs.encode(asked)));
		RawClient.Rec result = client.next();
		assertThat(type(result)).isEqualTo(RecordType.GET_VALUES_RESULT);
		assertThat(result.requestId()).isZero();
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(result.content()))).containsExactly(
				Map.entry(FastCgi.MAX_CONNS, "50"), Map.entry(FastCgi.MAX_REQS, "20"),
				Map.entry(FastCgi.MPXS_CONNS, "0"));
		client.request(1, true, get("/after"), new byte[0]);
		assertThat(client.response(1).stdout()).endsWith("uri=/after length=0");
	}

	@Test
	void getValuesSaysOneRequestWhenSingleThreaded() throws Exception {
		FastCgiServer server = start(config().multithreaded(false), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.send(RawClient.record(RecordType.GET_VALUES, 0, NameValuePairs.encode(params(FastCgi.MAX_REQS, ""))));
		RawClient.Rec result = client.next();
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(result.content())))
			.containsExactly(Map.entry(FastCgi.MAX_REQS, "1"));
	}

	@Test
	void unknownManagementTypeGetsUnknownTypeAndConnectionStaysUsable() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.send(RawClient.rawRecord(1, 42, 0, new byte[8], 0));
		RawClient.Rec rec = client.next();
		assertThat(type(rec)).isEqualTo(RecordType.UNKNOWN_TYPE);
		assertThat(rec.requestId()).isZero();
		assertThat(rec.content()).hasSize(8);
		assertThat(rec.content()[0]).isEqualTo((byte) 42);
		client.request(1, true, get("/x"), new byte[0]);
		assertThat(client.response(1).stdout()).endsWith("uri=/x length=0");
	}

	@Test
	void unknownRoleGetsUnknownRoleAndItsRecordsAreSkipped() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(5, 9, true), RawClient.params(5, get("/r")),
				RawClient.stdin(5, bytes("abc"), true)));
		RawClient.Response response = client.response(5);
		assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.UNKNOWN_ROLE.code());
		assertThat(response.records()).hasSize(1);
		client.request(6, true, get("/next"), new byte[0]);
		assertThat(client.response(6).stdout()).isEqualTo(OK_HEAD + "id=6 uri=/next length=0");
	}

	@Test
	void keepConnUnsetClosesAfterEndRequest() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.request(1, false, get("/a"), bytes("hello"));
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEqualTo(OK_HEAD + "id=1 uri=/a length=5");
		assertThat(response.appStatus()).isZero();
		assertThat(client.closedByServer()).isTrue();
		client.close();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
	}

	@Test
	void manyShortConnectionsInARow() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		for (int i = 0; i < 200; i++) {
			try (RawClient client = RawClient.connect(server)) {
				client.request(1, false, get("/" + i), bytes("x"));
				assertThat(client.response(1).stdout()).endsWith("uri=/" + i + " length=1");
			}
		}
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
		assertThat(engineThreads().stream().filter((name) -> name.startsWith("fastcgi-worker-"))).hasSizeLessThan(4);
	}

	@Test
	void keepConnSetServesTheNextRequestWithAnyId() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		for (int id : new int[] { 1, 3, 5, 65535 }) {
			client.request(id, true, get("/k" + id), bytes("xy"));
			assertThat(client.response(id).stdout()).isEqualTo(OK_HEAD + "id=" + id + " uri=/k" + id + " length=2");
		}
		await().atMost(5, TimeUnit.SECONDS)
			.untilAsserted(() -> assertThat(server.snapshot().connections()).singleElement()
				.satisfies((c) -> assertThat(c.completedRequests()).isEqualTo(4)));
	}

	@Test
	void abortMidBodyEndsTheRequestOnceAndTheConnectionServesTheNext() throws Exception {
		CountDownLatch reading = new CountDownLatch(1);
		CountDownLatch callback = new CountDownLatch(1);
		AtomicReference<Throwable> seen = new AtomicReference<>();
		FastCgiServer server = start(config(), (exchange) -> {
			if (!"/upload".equals(exchange.params().get("REQUEST_URI"))) {
				echo(exchange);
				return;
			}
			exchange.onAbort((cause) -> callback.countDown());
			InputStream in = exchange.stdin();
			try {
				in.read(new byte[3]);
				reading.countDown();
				drain(in);
			}
			catch (IOException ex) {
				seen.set(ex);
				exchange.stdout().write(bytes("dropped"));
			}
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(2, Role.RESPONDER.code(), true),
				RawClient.params(2, params("REQUEST_URI", "/upload", "CONTENT_LENGTH", "200000")),
				RawClient.stdin(2, bodyPastTheLoopsHold(), false)));
		assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
		client.send(RawClient.empty(RecordType.ABORT_REQUEST, 2));
		RawClient.Response response = client.response(2);
		assertThat(response.records()).extracting(RawClient.Rec::recordType).containsExactly(RecordType.END_REQUEST);
		assertThat(callback.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> seen.get() != null);
		assertThat(seen.get()).isInstanceOf(RequestAbortedException.class);
		// late STDIN for the aborted id is ignored; the connection serves the next request
		client.send(RawClient.stdin(2, bytes("late"), true));
		client.request(3, true, get("/after"), new byte[0]);
		assertThat(client.response(3).stdout()).isEqualTo(OK_HEAD + "id=3 uri=/after length=0");
		assertThat(this.events.has("aborted 2")).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
	}

	@Test
	void secondBeginOnNonMultiplexedConnectionGetsCantMpxConn() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			started.countDown();
			release.await(10, TimeUnit.SECONDS);
			echo(exchange);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/slow"), new byte[0]);
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		client.send(RawClient.concat(RawClient.begin(2, Role.RESPONDER.code(), true), RawClient.params(2, get("/2"))));
		RawClient.Response rejected = client.response(2);
		assertThat(rejected.protocolStatus()).isEqualTo(ProtocolStatus.CANT_MPX_CONN.code());
		release.countDown();
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "id=1 uri=/slow length=0");
	}

	static Stream<Arguments> malformed() {
		byte[] badPairs = { 100, 1, 'a', 'b', 'c' };
		return Stream.of(Arguments.of("version", RawClient.rawRecord(2, 1, 1, new byte[8], 0)),
				Arguments.of("version", bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
				Arguments.of("duplicate_request",
						RawClient.concat(RawClient.begin(1, 1, true), RawClient.begin(1, 1, true))),
				Arguments.of("params_after_end",
						RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, get("/")),
								RawClient.record(RecordType.PARAMS, 1, NameValuePairs.encode(params("A", "B"))))),
				Arguments.of("name_value",
						RawClient.concat(RawClient.begin(1, 1, true), RawClient.record(RecordType.PARAMS, 1, badPairs),
								RawClient.empty(RecordType.PARAMS, 1))),
				Arguments.of("params_too_large",
						RawClient.concat(RawClient.begin(1, 1, true),
								RawClient.params(1, params("BIG", "x".repeat(3000))))),
				Arguments.of("unexpected_type",
						RawClient.concat(RawClient.begin(1, 1, true),
								RawClient.record(RecordType.STDOUT, 1, bytes("x")))),
				Arguments.of("params_too_many",
						RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, manyParams(60)))),
				Arguments.of("input_before_params",
						RawClient.concat(RawClient.begin(1, 1, true), RawClient.stdin(1, bytes("early"), true))),
				Arguments.of("length", RawClient.record(RecordType.BEGIN_REQUEST, 1, new byte[3])));
	}

	private static Map<String, String> manyParams(int count) {
		Map<String, String> params = new java.util.LinkedHashMap<>();
		for (int i = 0; i < count; i++) {
			params.put("P" + i, "v");
		}
		return params;
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("malformed")
	void malformedInputClosesOnlyThatConnection(String reason, byte[] input) throws Exception {
		FastCgiServer server = start(config().maxParamsSize(2048).maxParams(50), EngineTestSupport::echo);
		RawClient idle = connect(server);
		idle.send(RawClient.record(RecordType.GET_VALUES, 0, NameValuePairs.encode(params(FastCgi.MAX_REQS, ""))));
		assertThat(type(idle.next())).isEqualTo(RecordType.GET_VALUES_RESULT);
		RawClient client = connect(server);
		client.send(input);
		assertThat(client.closedByServer()).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("protocolError " + reason));
		assertHealthy(server);
		// the other connection was not harmed
		idle.request(9, true, get("/idle"), new byte[0]);
		assertThat(idle.response(9).stdout()).endsWith("uri=/idle length=0");
	}

	@Test
	void requestsOverMaxRequestsGetOverloaded() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(config().maxRequests(2), (exchange) -> {
			release.await(10, TimeUnit.SECONDS);
			echo(exchange);
		});
		RawClient a = connect(server);
		RawClient b = connect(server);
		RawClient c = connect(server);
		a.request(1, true, get("/a"), new byte[0]);
		b.request(1, true, get("/b"), new byte[0]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 2);
		c.request(1, true, get("/c"), new byte[0]);
		assertThat(c.response(1).protocolStatus()).isEqualTo(ProtocolStatus.OVERLOADED.code());
		release.countDown();
		assertThat(a.response(1).stdout()).endsWith("uri=/a length=0");
		assertThat(b.response(1).stdout()).endsWith("uri=/b length=0");
		c.request(2, true, get("/c"), new byte[0]);
		assertThat(c.response(2).stdout()).endsWith("uri=/c length=0");
	}

	@Test
	void slotIsFreeWhenEndRequestArrives() throws Exception {
		FastCgiServer server = start(config().maxRequests(1), EngineTestSupport::echo);
		RawClient client = connect(server);
		for (int i = 1; i <= 50; i++) {
			client.request(i, true, get("/" + i), new byte[0]);
			assertThat(client.response(i).protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
		}
	}

	@Test
	void connectionsOverMaxConnectionsAreRefused() throws Exception {
		FastCgiServer server = start(config().maxConnections(2), EngineTestSupport::echo);
		RawClient a = connect(server);
		RawClient b = connect(server);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 2);
		RawClient c = connect(server);
		assertThat(c.closedByServer()).isTrue();
		assertThat(this.events.has("rejected LIMIT")).isTrue();
		a.request(1, false, get("/a"), new byte[0]);
		assertThat(a.response(1).stdout()).endsWith("uri=/a length=0");
		assertThat(b).isNotNull();
	}

	@Test
	void stdoutIsCutIntoRecordsOfAtMostMaxWritePaddedToEight() throws Exception {
		byte[] body = new byte[1000];
		for (int i = 0; i < body.length; i++) {
			body[i] = (byte) ('a' + i % 26);
		}
		FastCgiServer server = start(config().maxWrite(100), (exchange) -> {
			exchange.stdout().write(body, 0, 10);
			exchange.stdout().write(body, 10, 990);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEqualTo(new String(body, java.nio.charset.StandardCharsets.ISO_8859_1));
		for (RawClient.Rec rec : response.records()) {
			assertThat(rec.content().length).isLessThanOrEqualTo(100);
			assertThat(rec.paddingLength()).isEqualTo(FastCgi.paddingFor(rec.content().length));
		}
		assertThat(response.records()).filteredOn((r) -> r.recordType() == RecordType.STDOUT && r.content().length > 0)
			.hasSize(10);
	}

	@Test
	void largestMaxWriteGivesFullRecordsWithOnePaddingByte() throws Exception {
		byte[] body = new byte[200_000];
		java.util.Arrays.fill(body, (byte) 'z');
		FastCgiServer server = start(config().maxWrite(65535), (exchange) -> {
			exchange.stdout().write(body, 0, 7);
			exchange.stdout().write(body, 7, body.length - 7);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).hasSize(body.length);
		assertThat(response.records()).filteredOn((r) -> r.recordType() == RecordType.STDOUT)
			.extracting((r) -> r.content().length)
			.containsExactly(65535, 65535, 65535, 3395, 0);
		assertThat(response.records().get(0).paddingLength()).isEqualTo(1);
	}

	@Test
	void smallResponseArrivesInOneRead() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.request(1, true, get("/small"), new byte[0]);
		RawClient.Response response = client.response(1);
		int total = 0;
		for (RawClient.Rec rec : response.records()) {
			total += 8 + rec.content().length + rec.paddingLength();
		}
		assertThat(response.records()).extracting(RawClient.Rec::recordType)
			.containsExactly(RecordType.STDOUT, RecordType.STDOUT, RecordType.END_REQUEST);
		assertThat(client.readSizes.get(0)).isEqualTo(total);
	}

	@Test
	void flushSendsWhatIsBufferedAtOnce() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.stdout().write(bytes(OK_HEAD + "part1"));
			exchange.stdout().flush();
			release.await(10, TimeUnit.SECONDS);
			exchange.stdout().write(bytes("part2"));
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		RawClient.Rec first = client.next();
		assertThat(first.text()).isEqualTo(OK_HEAD + "part1");
		release.countDown();
		assertThat(client.response(1).stdout()).isEqualTo("part2");
	}

	@Test
	void stderrIsSentAndEndedOnlyWhenWritten() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.stderr().write(bytes("warning!"));
			exchange.stdout().write(bytes(OK_HEAD));
			exchange.setAppStatus(3);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stderr()).isEqualTo("warning!");
		assertThat(response.stderrEnded()).isTrue();
		assertThat(response.appStatus()).isEqualTo(3);
		assertThat(response.records()).extracting(RawClient.Rec::recordType)
			.containsExactly(RecordType.STDOUT, RecordType.STDOUT, RecordType.STDERR, RecordType.STDERR,
					RecordType.END_REQUEST);
	}

	@Test
	void handlerExceptionGivesAGeneric500AndAppStatus1() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.stdout().write(bytes("Status: 200\r\n"));
			throw new IllegalStateException("secret detail");
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).startsWith("Status: 500\r\nContent-Type: text/plain\r\n\r\n")
			.doesNotContain("secret");
		assertThat(response.appStatus()).isEqualTo(1);
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("ended 1 REQUEST_COMPLETE ERROR"));
	}

	@Test
	void bodyWithoutContentLengthIsReadUntilTheEmptyStdin() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, true),
				RawClient.params(1, params("REQUEST_METHOD", "POST", "REQUEST_URI", "/chunked")),
				RawClient.stdin(1, bytes("chunk1"), false), RawClient.stdin(1, bytes("chunk22"), true)));
		assertThat(client.response(1).stdout()).endsWith("length=13");
	}

	@Test
	void paramsMayStraddleRecords() throws Exception {
		FastCgiServer server = start(config(), (exchange) -> exchange.stdout()
			.write(bytes(OK_HEAD + exchange.params().get("LONG_NAME_" + "n".repeat(200)))));
		byte[] pairs = NameValuePairs.encode(params("LONG_NAME_" + "n".repeat(200), "v".repeat(300)));
		RawClient client = connect(server);
		client.send(RawClient.begin(1, 1, true));
		for (int i = 0; i < pairs.length; i += 7) {
			client.send(RawClient.record(RecordType.PARAMS, 1,
					java.util.Arrays.copyOfRange(pairs, i, Math.min(pairs.length, i + 7))));
		}
		client.send(RawClient.concat(RawClient.empty(RecordType.PARAMS, 1), RawClient.empty(RecordType.STDIN, 1)));
		assertThat(client.response(1).stdout()).isEqualTo(OK_HEAD + "v".repeat(300));
	}

	@Test
	void idleConnectionIsClosedAfterIdleTimeout() throws Exception {
		FastCgiServer server = start(config().idleTimeout(Duration.ofMillis(200)), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		client.response(1);
		assertThat(client.closedByServer()).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
	}

	@Test
	void stalledBodyIsClosedAfterReadTimeout() throws Exception {
		FastCgiServer server = start(config().readTimeout(Duration.ofMillis(200)), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, get("/")),
				RawClient.stdin(1, bytes("partial"), false)));
		assertThat(client.closedByServer()).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("protocolError timeout"));
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		assertHealthy(server);
	}

	@Test
	void stopLetsInFlightRequestsFinishThenAbortsTheRest() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch aborted = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			exchange.onAbort((cause) -> aborted.countDown());
			started.countDown();
			aborted.await(10, TimeUnit.SECONDS);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(server.stop(Duration.ofMillis(200))).isFalse();
		assertThat(aborted.getCount()).isZero();
		assertThat(server.isAccepting()).isFalse();
	}

	@Test
	void stopWaitsForAFinishingRequest() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			started.countDown();
			Thread.sleep(100);
			echo(exchange);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(server.stop(Duration.ofSeconds(5))).isTrue();
		assertThat(client.response(1).stdout()).endsWith("length=0");
	}

	@Test
	void recordsForAnIdNeverBegunAreIgnored() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.stdin(99, bytes("stray"), true),
				RawClient.empty(RecordType.ABORT_REQUEST, 98), RawClient.record(RecordType.PARAMS, 97, bytes("x"))));
		client.request(1, true, get("/ok"), new byte[0]);
		assertThat(client.response(1).stdout()).endsWith("uri=/ok length=0");
	}

	@Test
	void stopClosesIdleKeptAliveConnections() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		client.response(1);
		assertThat(server.stop(Duration.ofSeconds(5))).isTrue();
		assertThat(client.closedByServer()).isTrue();
		assertThat(server.activeConnections()).isZero();
		assertThat(server.isAccepting()).isFalse();
	}

	@Test
	void stopAcceptingKeepsServingOpenConnections() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeConnections() == 1);
		server.stopAccepting();
		await().atMost(5, TimeUnit.SECONDS).until(() -> !server.isAccepting());
		client.request(1, true, get("/still"), new byte[0]);
		assertThat(client.response(1).stdout()).endsWith("uri=/still length=0");
		assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> RawClient.connect(server).close()))
			.isInstanceOf(IOException.class);
	}

	@Test
	void snapshotDescribesTheServer() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.request(1, true, get("/"), new byte[0]);
		client.response(1);
		ServerSnapshot snapshot = server.snapshot();
		assertThat(snapshot.accepting()).isTrue();
		assertThat(snapshot.boundAddress()).contains(Integer.toString(server.port()));
		assertThat(snapshot.activeConnections()).isEqualTo(1);
		assertThat(snapshot.totalRequests()).isEqualTo(1);
		assertThat(server.port()).isPositive();
	}

}
