package dev.fastcgi.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The bytes the client writes (golden) and how it reads replies, against a scripted fake application.
 */
class FastCgiClientTests {

	private ScriptedServer server;

	@AfterEach
	void stop() throws IOException {
		if (this.server != null) {
			this.server.close();
			assertThat(this.server.failures()).isEmpty();
		}
	}

	private ScriptedServer serve(ScriptedServer.Script script) throws IOException {
		this.server = ScriptedServer.start(script);
		return this.server;
	}

	private static ScriptedServer.Script okFor(int requestId) {
		return (records, out) -> {
			out.write(ScriptedServer.response(requestId, "Status: 200 OK\r\n\r\nok", 0, 0));
			return false;
		};
	}

	@Test
	void simpleGetIsTheseExactBytes() throws IOException {
		serve(okFor(1));
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			client.execute(FastCgiRequest.get("/").defaultParams(false).param("REQUEST_METHOD", "GET"));
		}
		String expected = ""
				// BEGIN_REQUEST, id 1, length 8: role RESPONDER, flags 0, reserved
				+ "0101000100080000" + "0001000000000000"
				// PARAMS, id 1, length 19, padding 5: 14, 3, "REQUEST_METHOD", "GET"
				+ "0104000100130500" + "0e03" + hex("REQUEST_METHOD") + hex("GET") + "0000000000"
				// the empty PARAMS, then the empty STDIN
				+ "0104000100000000" + "0105000100000000";
		assertThat(HexFormat.of().formatHex(this.server.rawBytes())).isEqualTo(expected);
	}

	@Test
	void keepConnSetsTheFlagAndReusesTheConnection() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.response(1, "\r\n", 0, 0));
			return true;
		});
		try (FastCgiClient client = FastCgiClient.builder(this.server.address()).keepConn(true).build()) {
			client.execute(FastCgiRequest.get("/1"));
			client.execute(FastCgiRequest.get("/2"));
			assertThat(client.connectionsOpened()).isOne();
		}
		assertThat(this.server.received().get(0).content()).containsExactly(0, 1, FastCgi.KEEP_CONN, 0, 0, 0, 0, 0);
		assertThat(this.server.connections()).isOne();
	}

	@Test
	void defaultParamsAreNginxLike() {
		Map<String, String> params = FastCgiRequest.get("/a%20b/c?x=1&y=2").header("Accept", "text/plain")
			.header("Cookie", "a=1").header("cookie", "b=2").header("X-Multi", "1").header("X-Multi", "2")
			.params();
		Map<String, String> expected = new LinkedHashMap<>();
		expected.put("QUERY_STRING", "x=1&y=2");
		expected.put("REQUEST_METHOD", "GET");
		expected.put("CONTENT_TYPE", "");
		expected.put("CONTENT_LENGTH", "");
		expected.put("SCRIPT_NAME", "/a b/c");
		expected.put("PATH_INFO", "");
		expected.put("REQUEST_URI", "/a%20b/c?x=1&y=2");
		expected.put("DOCUMENT_URI", "/a b/c");
		expected.put("DOCUMENT_ROOT", "/var/www/html");
		expected.put("SERVER_PROTOCOL", "HTTP/1.1");
		expected.put("REQUEST_SCHEME", "http");
		expected.put("GATEWAY_INTERFACE", "CGI/1.1");
		expected.put("SERVER_SOFTWARE", "fastcgi-spring-boot-client");
		expected.put("REMOTE_ADDR", "127.0.0.1");
		expected.put("REMOTE_PORT", "40000");
		expected.put("SERVER_ADDR", "127.0.0.1");
		expected.put("SERVER_PORT", "80");
		expected.put("SERVER_NAME", "localhost");
		expected.put("HTTP_HOST", "localhost");
		expected.put("HTTP_ACCEPT", "text/plain");
		expected.put("HTTP_COOKIE", "a=1; b=2");
		expected.put("HTTP_X_MULTI", "1, 2");
		assertThat(params).containsExactlyEntriesOf(expected);
	}

	@Test
	void postParamsCarryContentTypeAndLength() {
		Map<String, String> params = FastCgiRequest.post("/p", "text/plain", "héllo").param("SERVER_PORT", null)
			.param("HTTP_HOST", "example.org").params();
		assertThat(params).containsEntry("REQUEST_METHOD", "POST").containsEntry("CONTENT_TYPE", "text/plain")
			.containsEntry("CONTENT_LENGTH", "6").containsEntry("HTTP_CONTENT_TYPE", "text/plain")
			.containsEntry("HTTP_CONTENT_LENGTH", "6").containsEntry("HTTP_HOST", "example.org")
			.doesNotContainKey("SERVER_PORT");
		assertThat(FastCgiRequest.post("/p", null, new GeneratedInputStream(3), -1).params())
			.containsEntry("CONTENT_LENGTH", "").doesNotContainKey("HTTP_CONTENT_LENGTH");
	}

	@Test
	void bodyIsSentInRecordsOfAtMostMaxRecordContent() throws IOException {
		serve(okFor(1));
		try (FastCgiClient client = FastCgiClient.builder(this.server.address()).maxRecordContent(1000).build()) {
			client.execute(FastCgiRequest.post("/", "application/octet-stream", new byte[2500]));
		}
		List<int[]> stdin = new ArrayList<>();
		for (ReceivedRecord record : this.server.received()) {
			if (record.recordType() == RecordType.STDIN) {
				stdin.add(new int[] { record.header().contentLength(), record.header().paddingLength() });
			}
		}
		assertThat(stdin).containsExactly(new int[] { 1000, 0 }, new int[] { 1000, 0 }, new int[] { 500, 4 },
				new int[] { 0, 0 });
	}

	@Test
	void paramsStraddleRecordsWhenToldToCutAnywhere() throws IOException {
		serve(okFor(1));
		FastCgiRequest request = FastCgiRequest.get("/").defaultParams(false).param("A", "x".repeat(300))
			.param("B", "y".repeat(200));
		try (FastCgiClient client = FastCgiClient.builder(this.server.address()).maxRecordContent(128)
			.paramsAtPairBoundaries(false).build()) {
			client.execute(request);
		}
		ByteArrayOutputStream params = new ByteArrayOutputStream();
		List<Integer> lengths = new ArrayList<>();
		for (ReceivedRecord record : this.server.received()) {
			if (record.recordType() == RecordType.PARAMS) {
				lengths.add(record.content().length);
				params.writeBytes(record.content());
			}
		}
		// A is 1 + 4 + 1 + 300 = 306 bytes, B 1 + 4 + 1 + 200 = 206: 512 bytes in records of 128
		assertThat(lengths).containsExactly(128, 128, 128, 128, 0);
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(params.toByteArray())))
			.containsExactlyEntriesOf(request.params());
	}

	@Test
	void paramsAreCutAtPairBoundariesByDefault() throws IOException {
		serve(okFor(1));
		FastCgiRequest request = FastCgiRequest.get("/").defaultParams(false).param("A", "x".repeat(100))
			.param("B", "y".repeat(100)).param("C", "z".repeat(300));
		try (FastCgiClient client = FastCgiClient.builder(this.server.address()).maxRecordContent(250).build()) {
			client.execute(request);
		}
		List<Integer> lengths = this.server.received().stream()
			.filter((record) -> record.recordType() == RecordType.PARAMS)
			.map((record) -> record.content().length).toList();
		// A and B are 103 bytes each and fit one record; C (1 + 4 + 1 + 300 = 306) must straddle two
		assertThat(lengths).containsExactly(206, 250, 56, 0);
	}

	@Test
	void responseIsParsed() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes("Status: 201 Created\r\nX-A: 1\r\nx-a")));
			out.write(ScriptedServer.record(RecordType.STDERR, 1, bytes("warning ")));
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes(": 2\nContent-Type: text/plain; charset=ISO-8859-1\n\nbody ")));
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, new byte[] { 'd', (byte) 0xE9, 'j', (byte) 0xE0 }));
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, new byte[0]));
			out.write(ScriptedServer.record(RecordType.STDERR, 1, bytes("logged")));
			out.write(ScriptedServer.record(RecordType.STDERR, 1, new byte[0]));
			out.write(ScriptedServer.endRequest(1, 7, 0));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			FastCgiResponse response = client.execute(FastCgiRequest.get("/"));
			assertThat(response.status()).isEqualTo(201);
			assertThat(response.reason()).isEqualTo("Created");
			assertThat(response.headers().getAll("X-A")).containsExactly("1", "2");
			assertThat(response.bodyAsString()).isEqualTo("body déjà");
			assertThat(response.stderr()).isEqualTo("warning logged");
			assertThat(response.appStatus()).isEqualTo(7);
			assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
			assertThat(response.recordCount(RecordType.STDOUT)).isEqualTo(4);
			assertThat(response.recordCount(RecordType.STDERR)).isEqualTo(3);
			assertThat(response.records()).hasSize(8);
		}
	}

	@Test
	void locationWithoutStatusIsA302() {
		assertThat(CgiHead.parse(bytes("Location: /x\n\n")).status()).isEqualTo(302);
		assertThat(CgiHead.parse(bytes("Content-Type: a\r\n\r\n")).status()).isEqualTo(200);
		assertThat(CgiHead.parse(bytes("Content-Type: a\r\n"))).isNull();
	}

	@Test
	void unknownProtocolStatusIsReported() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.response(1, "", 0, ProtocolStatus.UNKNOWN_ROLE.code()));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			FastCgiResponse response = client.execute(FastCgiRequest.get("/").role(9));
			assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.UNKNOWN_ROLE);
			assertThat(response.stdout()).isEmpty();
		}
		assertThat(this.server.received().get(0).content()).startsWith(0, 9);
	}

	@Test
	void filterRoleSendsDataAfterStdin() throws IOException {
		serve(okFor(1));
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			client.execute(FastCgiRequest.post("/f", "text/plain", "in").role(Role.FILTER).data(bytes("file data")));
		}
		List<String> sequence = this.server.received().stream()
			.map((record) -> record.recordType() + ":" + record.content().length).toList();
		assertThat(sequence).containsExactly("BEGIN_REQUEST:8", sequence.get(1), "PARAMS:0", "STDIN:2", "STDIN:0",
				"DATA:9", "DATA:0");
		assertThat(this.server.received().get(0).content()).startsWith(0, 3);
	}

	@Test
	void recordForAnotherRequestIdIsAViolation() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.response(2, "\r\n", 0, 0));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			assertThatExceptionOfType(FastCgiClientException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining("request id 2, which is not active");
		}
	}

	@Test
	void unexpectedRecordTypeIsAViolation() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.record(RecordType.PARAMS, 1, new byte[0]));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			assertThatExceptionOfType(FastCgiClientException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining("PARAMS (4)")
				.withMessageContaining("may only send STDOUT, STDERR and END_REQUEST");
		}
	}

	@Test
	void stdoutAfterItsEndIsAViolation() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, new byte[0]));
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes("late")));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			assertThatExceptionOfType(FastCgiClientException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining("STDOUT record after the empty STDOUT");
		}
	}

	@Test
	void closeBeforeEndRequestIsAnError() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes("Status: 200\r\n\r\npartial")));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			assertThatExceptionOfType(FastCgiClientException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining("closed the connection before END_REQUEST for request 1")
				.withMessageContaining("1 records, 22 stdout bytes");
		}
	}

	@Test
	void truncatedRecordIsReported() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes("0123456789")), 0, 12);
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			assertThatExceptionOfType(FastCgiClientException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining("the last record was cut short");
		}
	}

	@Test
	void wrongVersionIsReported() throws IOException {
		serve((records, out) -> {
			out.write(RawConnection.record(2, RecordType.STDOUT.code(), 1, new byte[0], 0));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			assertThatExceptionOfType(FastCgiClientException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining("Malformed record from the server");
		}
	}

	@Test
	void executeAllInterleavesRecordsAndMatchesResponsesById() throws IOException {
		serve((records, out) -> {
			for (int id = 3; id >= 1; id--) {
				out.write(ScriptedServer.response(id, "\r\nresponse " + id, 0, 0));
			}
			return true;
		});
		List<FastCgiRequest> requests = List.of(FastCgiRequest.post("/1", "text/plain", "a".repeat(100)),
				FastCgiRequest.get("/2"), FastCgiRequest.get("/3"));
		try (FastCgiClient client = FastCgiClient.builder(this.server.address()).maxRecordContent(40).build()) {
			List<FastCgiResponse> responses = client.executeAll(requests);
			assertThat(responses).extracting(FastCgiResponse::bodyAsString)
				.containsExactly("response 1", "response 2", "response 3");
			assertThat(responses).extracting(FastCgiResponse::requestId).containsExactly(1, 2, 3);
		}
		List<Integer> firstIds = this.server.received().stream().limit(3).map(ReceivedRecord::requestId).toList();
		assertThat(firstIds).containsExactly(1, 2, 3);
		assertThat(this.server.received().stream().limit(3).map(ReceivedRecord::recordType))
			.containsOnly(RecordType.BEGIN_REQUEST);
		assertThat(this.server.received().get(0).content()[2]).isEqualTo((byte) FastCgi.KEEP_CONN);
	}

	@Test
	void executeAllRejectsDuplicateIds() throws IOException {
		try (FastCgiClient client = FastCgiClient.create(new java.net.InetSocketAddress("127.0.0.1", 9))) {
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> client.executeAll(
					List.of(FastCgiRequest.get("/").requestId(5), FastCgiRequest.get("/").requestId(5))));
		}
	}

	@Test
	void openedExchangeDeliversStdoutAsItArrives() throws Exception {
		CountDownLatch firstChunkRead = new CountDownLatch(1);
		serve((records, out) -> {
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes("Content-Type: text/event-stream\r\n\r\n")));
			out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes("data: one\n\n")));
			out.flush();
			try {
				assertThat(firstChunkRead.await(10, TimeUnit.SECONDS)).isTrue();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			out.write(ScriptedServer.response(1, "data: two\n\n", 0, 0));
			return false;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address());
				ClientExchange exchange = client.open(FastCgiRequest.get("/events"))) {
			CgiHead head = exchange.readHead();
			assertThat(head.headers().get("content-type")).isEqualTo("text/event-stream");
			assertThat(new String(exchange.nextChunk(), StandardCharsets.UTF_8)).isEqualTo("data: one\n\n");
			assertThat(exchange.isEnded()).isFalse();
			firstChunkRead.countDown();
			assertThat(new String(exchange.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("data: two\n\n");
			assertThat(exchange.nextChunk()).isNull();
			assertThat(exchange.awaitEnd().appStatus()).isZero();
		}
	}

	@Test
	void abortSendsAbortRequest() throws IOException {
		serve((records, out) -> {
			ReceivedRecord last = records.get(records.size() - 1);
			if (last.recordType() == RecordType.ABORT_REQUEST) {
				out.write(ScriptedServer.endRequest(last.requestId(), 0, 0));
				return false;
			}
			out.write(ScriptedServer.record(RecordType.STDOUT, records.get(0).requestId(), bytes("\r\nstarted")));
			return true;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address());
				ClientExchange exchange = client.open(FastCgiRequest.get("/slow").requestId(42))) {
			assertThat(exchange.requestId()).isEqualTo(42);
			exchange.readHead();
			exchange.abort();
			FastCgiResponse response = exchange.awaitEnd();
			assertThat(response.stdoutAsString()).isEqualTo("started");
		}
		assertThat(this.server.received()).last()
			.satisfies((record) -> assertThat(record.recordType()).isEqualTo(RecordType.ABORT_REQUEST))
			.satisfies((record) -> assertThat(record.requestId()).isEqualTo(42));
	}

	@Test
	void getValuesSendsManagementRecord() throws IOException {
		serve((records, out) -> {
			Map<String, String> result = new LinkedHashMap<>();
			result.put(FastCgi.MAX_CONNS, "10");
			result.put(FastCgi.MPXS_CONNS, "1");
			out.write(ScriptedServer.record(RecordType.GET_VALUES_RESULT, 0, NameValuePairs.encode(result)));
			return true;
		});
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			assertThat(client.getValues(FastCgi.MAX_CONNS, FastCgi.MPXS_CONNS, "OTHER"))
				.containsExactly(Map.entry(FastCgi.MAX_CONNS, "10"), Map.entry(FastCgi.MPXS_CONNS, "1"));
		}
		ReceivedRecord query = this.server.received().get(0);
		assertThat(query.recordType()).isEqualTo(RecordType.GET_VALUES);
		assertThat(query.requestId()).isZero();
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(query.content()))).containsOnlyKeys(FastCgi.MAX_CONNS,
				FastCgi.MPXS_CONNS, "OTHER");
	}

	@Test
	void hugeGeneratedBodyIsStreamedInBoundedMemory() throws IOException {
		long length = 256L * 1024 * 1024;
		serve(okFor(1));
		try (FastCgiClient client = FastCgiClient.create(this.server.address())) {
			FastCgiResponse response = client.execute(FastCgiRequest.post("/upload", "application/octet-stream",
					length, () -> new GeneratedInputStream(length)));
			assertThat(response.bodyAsString()).isEqualTo("ok");
		}
		assertThat(this.server.stdinBytes()).isEqualTo(length);
	}

	@Test
	void serverAnsweringBeforeReadingTheBodyDoesNotDeadlock() throws Exception {
		// the server writes 4 MiB before reading the 64 MiB body: the client must read while it writes
		int responseLength = 4 * 1024 * 1024;
		long bodyLength = 64L * 1024 * 1024;
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			Thread answerer = new Thread(() -> {
				try (java.net.Socket accepted = socket.accept()) {
					accepted.getInputStream().readNBytes(100);
					OutputStream out = accepted.getOutputStream();
					out.write(ScriptedServer.record(RecordType.STDOUT, 1, bytes("Status: 413\r\n\r\n")));
					byte[] chunk = new byte[65528];
					for (int sent = 0; sent < responseLength; sent += chunk.length) {
						out.write(ScriptedServer.record(RecordType.STDOUT, 1, chunk));
					}
					out.write(ScriptedServer.response(1, "", 0, 0));
					out.flush();
					accepted.getInputStream().transferTo(OutputStream.nullOutputStream());
				}
				catch (IOException ex) {
					// the client closed first
				}
			}, "early-answerer");
			answerer.start();
			try (FastCgiClient client = FastCgiClient.create(socket.getLocalSocketAddress())) {
				FastCgiResponse response = client.execute(FastCgiRequest.post("/", "application/octet-stream",
						bodyLength, () -> new GeneratedInputStream(bodyLength)));
				assertThat(response.status()).isEqualTo(413);
				assertThat(response.body().length).isGreaterThanOrEqualTo(responseLength);
			}
			answerer.join(10_000);
			assertThat(answerer.isAlive()).isFalse();
		}
	}

	@Test
	void rawConnectionReadsRecordsAndSeesClose() throws IOException {
		serve((records, out) -> {
			out.write(ScriptedServer.response(7, "hi", 0, 0));
			return false;
		});
		try (RawConnection raw = RawConnection.open(this.server.address())) {
			raw.writeRequest(7, 0, Map.of("A", "b"), bytes("body"));
			List<ReceivedRecord> records = raw.readUntilEndRequest(7);
			assertThat(records).extracting(ReceivedRecord::recordType).containsExactly(RecordType.STDOUT,
					RecordType.STDOUT, RecordType.END_REQUEST);
			assertThat(records.get(0).contentAsString()).isEqualTo("hi");
			assertThat(records.get(0).header().paddingLength()).isEqualTo(6);
			assertThat(raw.awaitClosedByPeer(java.time.Duration.ofSeconds(5))).isTrue();
			assertThat(raw.isClosedByPeer()).isTrue();
			assertThat(raw.readRecord()).isNull();
		}
	}

	@Test
	void silentServerHitsTheReadTimeout() throws IOException {
		serve((records, out) -> true);
		try (FastCgiClient client = FastCgiClient.builder(this.server.address())
			.readTimeout(java.time.Duration.ofMillis(200)).build()) {
			assertThatExceptionOfType(java.net.SocketTimeoutException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining("within 200 ms");
		}
	}

	@Test
	void refusedConnectionNamesTheAddress() throws IOException {
		int port;
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		java.net.InetSocketAddress address = new java.net.InetSocketAddress("127.0.0.1", port);
		try (FastCgiClient client = FastCgiClient.create(address)) {
			assertThatExceptionOfType(java.net.ConnectException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")))
				.withMessageContaining(Integer.toString(port));
		}
	}

	@Test
	void clientIsUsableAfterAFailedExchange() throws IOException {
		int[] calls = new int[1];
		serve((records, out) -> {
			if (calls[0]++ == 0) {
				out.write(ScriptedServer.response(9, "", 0, 0));
			}
			else {
				out.write(ScriptedServer.response(1, "\r\nsecond", 0, 0));
			}
			return false;
		});
		try (FastCgiClient client = FastCgiClient.builder(this.server.address()).keepConn(true).build()) {
			assertThatExceptionOfType(FastCgiClientException.class)
				.isThrownBy(() -> client.execute(FastCgiRequest.get("/")));
			assertThat(client.execute(FastCgiRequest.get("/")).bodyAsString()).isEqualTo("second");
			assertThat(client.connectionsOpened()).isEqualTo(2);
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

	private static String hex(String text) {
		return HexFormat.of().formatHex(bytes(text));
	}

}
