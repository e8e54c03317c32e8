package dev.fastcgi.it;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;

import dev.fastcgi.boot.FastCgiWebServer;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.RawConnection;
import dev.fastcgi.client.ReceivedRecord;
import dev.fastcgi.interop.support.FileDescriptors;
import dev.fastcgi.interop.support.NginxProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;
import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ServerListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Spring MVC application failing in every phase of a request, driven over real FastCGI on one kept-alive
 * connection per test (and a representative subset through nginx with a keep-alive upstream). After each fault:
 * the exact answer (status and body shape, or the committed bytes and nothing after them), exactly one
 * END_REQUEST with its statuses, a healthy request answered on the same connection and on another one, one log
 * line for the fault, and no request, blocked application thread or file descriptor left behind.
 */
@SpringBootTest(classes = FaultApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "fastcgi.bind-address=", "fastcgi.request-timeout=2s",
				"spring.mvc.async.request-timeout=400ms" })
// stop the server after the class: no thread of this application may outlive it
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class ApplicationFaultTests {

	private static final Map<String, String> JSON = Map.of("Accept", "application/json");

	@TempDir
	static Path nginxDir;

	@Autowired
	ApplicationContext context;

	@LocalServerPort
	int port;

	private final Queue<String> ended = new ConcurrentLinkedQueue<>();

	private final ServerListener endCounter = new ServerListener() {

		@Override
		public void requestEnded(long connectionId, int requestId, Role role, int appStatus,
				ProtocolStatus protocolStatus, Outcome outcome, long durationNanos) {
			ApplicationFaultTests.this.ended.add(connectionId + "/" + requestId);
		}

	};

	private final List<RawConnection> connections = new ArrayList<>();

	private RawConnection connection;

	private int nextId = 1;

	private int baselineFds;

	private String firstConnectionId;

	/** What came back for one request: the CGI head and body, and the END_REQUEST statuses. */
	record Answer(int status, String head, String body, int appStatus, int protocolStatus, List<ReceivedRecord> records) {

		long count(RecordType type) {
			return this.records.stream().filter((record) -> record.recordType() == type).count();
		}

	}

	@BeforeEach
	void connect() throws IOException {
		server().addListener(this.endCounter);
		FaultApplication.unblocked.clear();
		FaultApplication.release = new CountDownLatch(1);
		// the first connection and a served request bring in lazily loaded classes and pools: the baseline after it
		this.connection = open();
		assertHealthy(this.connection);
		await().atMost(5, TimeUnit.SECONDS).until(() -> !this.ended.isEmpty());
		this.firstConnectionId = this.ended.peek().split("/")[0];
		this.baselineFds = FileDescriptors.open();
	}

	@AfterEach
	void nothingLeftBehind() throws IOException {
		for (RawConnection open : this.connections) {
			open.close();
		}
		FastCgiWebServer server = server();
		await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
			assertThat(server.activeRequests()).as("requests in flight").isZero();
			assertThat(FaultApplication.blocked).as("application code still blocked").hasValue(0);
			assertThat(server.activeConnections()).as("open connections").isZero();
		});
		server.removeListener(this.endCounter);
		Map<String, Long> ends = this.ended.stream().collect(Collectors.groupingBy((id) -> id, Collectors.counting()));
		assertThat(ends).as("END_REQUESTs per request").allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
		if (this.baselineFds >= 0) {
			await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(FileDescriptors.open())
				.as("open file descriptors (baseline %d)", this.baselineFds).isLessThanOrEqualTo(this.baselineFds + 2));
		}
	}

	@AfterAll
	static void releaseBlockedHandlers() {
		FaultApplication.release.countDown();
		FaultApplication.never.countDown();
		FaultApplication.never = new CountDownLatch(1);
	}

	// ---- filter ---------------------------------------------------------------------------------------------

	@Test
	void filterThrowingBeforeTheChainGetsTheErrorPage(CapturedOutput output) throws IOException {
		Answer runtime = fault(getJson("/filter/before-runtime"));
		assertErrorPage(runtime, 500, "/filter/before-runtime");
		Answer servlet = fault(getJson("/filter/before-servlet"));
		assertErrorPage(servlet, 500, "/filter/before-servlet");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "filter failed before the chain");
		assertOneErrorLine(output, "filter refused the request before the chain");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(2);
	}

	@Test
	void filterThrowingAfterTheChainReplacesAnUncommittedBody(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/filter/after-uncommitted"));
		assertErrorPage(answer, 500, "/filter/after-uncommitted");
		assertThat(answer.body()).doesNotContain("body from the controller");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "filter failed after the chain, nothing committed");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	@Test
	void filterThrowingAfterACommittedResponseJustEndsIt(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/filter/after-committed"));
		assertCommitted(answer, 200, "body from the controller");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "filter failed after the chain and a flush");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	// ---- controller -----------------------------------------------------------------------------------------

	@Test
	void controllerThrowingBeforeWritingGetsBootsErrorPage(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/fault/before"));
		assertErrorPage(answer, 500, "/fault/before");
		assertThat(answer.body()).doesNotContain("controller failed before writing");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "controller failed before writing");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	@Test
	void statusChosenByTheApplication(CapturedOutput output) throws IOException {
		Answer handled = fault(getJson("/fault/handled"));
		assertThat(handled.status()).isEqualTo(409);
		assertThat(handled.body()).isEqualTo("{\"error\":\"handled by the application\"}");
		assertEnd(handled, 0);
		Answer gone = fault(getJson("/fault/status"));
		assertErrorPage(gone, 410, "/fault/status");
		assertHealthyHereAndElsewhere();
		assertThat(errorLines(output)).as("statuses the application chose are not errors").isEmpty();
	}

	@Test
	void controllerThrowingAfterFlushKeepsTheCommittedBytes(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/fault/committed"));
		assertCommitted(answer, 200, "partial");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "controller failed after committing the response");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	@Test
	void streamingBodyThrowingMidStreamKeepsTheStreamedBytes(CapturedOutput output) throws IOException {
		Answer answer = fault(FastCgiRequest.get("/fault/stream"));
		assertCommitted(answer, 200, new String(FaultApplication.STREAMED, StandardCharsets.US_ASCII));
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "stream failed mid-body");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	@Test
	void errorThrownByAControllerGetsTheErrorPage(CapturedOutput output) throws IOException {
		Answer custom = fault(getJson("/fault/error"));
		assertErrorPage(custom, 500, "/fault/error");
		Answer overflow = fault(getJson("/fault/stack-overflow"));
		assertErrorPage(overflow, 500, "/fault/stack-overflow");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "application error");
		assertOneErrorLine(output, "StackOverflowError");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(2);
	}

	// ---- async ----------------------------------------------------------------------------------------------

	@Test
	void callableThrowingGetsTheErrorPage(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/async/callable"));
		assertErrorPage(answer, 500, "/async/callable");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "callable failed");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	@Test
	void deferredResultWithAnErrorGetsTheErrorPage(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/async/deferred"));
		assertErrorPage(answer, 500, "/async/deferred");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "deferred failed");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	@Test
	void asyncRequestTimeoutAnswers503(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/async/deferred-timeout"));
		assertErrorPage(answer, 503, "/async/deferred-timeout");
		assertHealthyHereAndElsewhere();
		assertThat(errorLines(output)).as("an async timeout is not an application error").isEmpty();
	}

	@Test
	void asyncTaskTimeoutAnswers503AndInterruptsTheTask(CapturedOutput output) throws IOException {
		Answer answer = fault(getJson("/async/task-timeout"));
		assertErrorPage(answer, 503, "/async/task-timeout");
		await().atMost(5, TimeUnit.SECONDS).until(() -> FaultApplication.unblocked.contains("async task interrupted"));
		FaultApplication.release.countDown();
		assertHealthyHereAndElsewhere();
		assertThat(errorLines(output)).as("an async timeout is not an application error").isEmpty();
	}

	@Test
	void sseEmitterCompletedWithErrorKeepsTheSentEvents(CapturedOutput output) throws IOException {
		Answer answer = fault(FastCgiRequest.get("/async/sse"));
		assertCommitted(answer, 200, "data:one\n\ndata:two\n\n");
		assertThat(answer.head()).contains("Content-Type: text/event-stream");
		assertHealthyHereAndElsewhere();
		assertOneErrorLine(output, "event source failed");
		assertThat(errorLines(output)).as("one ERROR line per fault").hasSize(1);
	}

	// ---- never returning ------------------------------------------------------------------------------------

	@Test
	void handlerThatNeverReturnsIsEndedByTheRequestTimeout(CapturedOutput output) throws IOException {
		int id = send(this.connection, FastCgiRequest.get("/hang"), null);
		await().atMost(5, TimeUnit.SECONDS).until(() -> FaultApplication.blocked.get() == 1);
		// another connection is served while the handler hangs
		try (RawConnection other = open()) {
			assertHealthy(other);
		}
		Answer answer = receive(this.connection, id);
		assertThat(answer.status()).isEqualTo(504);
		assertEnd(answer, 1);
		await().atMost(5, TimeUnit.SECONDS).until(() -> FaultApplication.unblocked.contains("hang interrupted"));
		assertHealthyHereAndElsewhere();
		// one WARNING naming fastcgi.request-timeout, rate-limited per server (so at most one in this class's
		// 10 s windows), never a stack trace
		assertThat(requestTimeoutLines(output)).hasSizeLessThanOrEqualTo(1);
		assertThat(errorLines(output)).isEmpty();
		assertThat(stackTraceLines(output)).isZero();
	}

	@Test
	void controllerBlockedReadingAStalledBodyIsEndedByTheRequestTimeout(CapturedOutput output) throws IOException {
		int id = this.nextId++;
		// a body past what waits on the event loop before the handler starts (64 KiB), so the controller runs and
		// blocks in its read for the rest
		FastCgiRequest request = FastCgiRequest.post("/body", "application/octet-stream", new byte[200 * 1024]);
		this.connection.writeBeginRequest(id, Role.RESPONDER.code(), FastCgi.KEEP_CONN);
		this.connection.writeParams(id, request.params());
		this.connection.writeStream(RecordType.STDIN, id, new byte[100 * 1024]);
		await().atMost(5, TimeUnit.SECONDS).until(() -> FaultApplication.blocked.get() == 1);
		try (RawConnection other = open()) {
			assertHealthy(other);
		}
		Answer answer = receive(this.connection, id);
		assertThat(answer.status()).isEqualTo(504);
		assertEnd(answer, 1);
		// the handler thread was reading the socket for its body: the time-out's interrupt closes the channel, so
		// the connection ends right after the END_REQUEST (the web server had not sent the whole body anyway)
		assertThat(this.connection.awaitClosedByPeer(Duration.ofSeconds(5))).as("connection closed").isTrue();
		await().atMost(5, TimeUnit.SECONDS)
			.until(() -> FaultApplication.unblocked.stream().anyMatch((event) -> event.startsWith("body read failed")));
		try (RawConnection other = open()) {
			assertHealthy(other);
		}
		// one WARNING naming fastcgi.request-timeout, rate-limited per server (so at most one in this class's
		// 10 s windows), never a stack trace
		assertThat(requestTimeoutLines(output)).hasSizeLessThanOrEqualTo(1);
		assertThat(errorLines(output)).isEmpty();
		assertThat(stackTraceLines(output)).isZero();
	}

	// ---- through nginx --------------------------------------------------------------------------------------

	@Test
	void faultsThroughNginxWithAKeepAliveUpstream() throws Exception {
		Assumptions.assumeTrue(Files.isExecutable(Peers.NGINX), "nginx is not installed");
		long connectionsBefore = server().getServer().snapshot().totalConnections();
		NginxProcess nginx = NginxProcess.builder(nginxDir, "127.0.0.1:" + this.port).keepConn(true).keepalive(4)
			.start();
		try {
			HttpResponse filter = RawHttpClient.request(nginx.port(), "GET", "/filter/before-runtime", JSON, null);
			assertThat(filter.status()).isEqualTo(500);
			assertThat(filter.bodyAsString()).contains("\"status\":500").contains("\"path\":\"/filter/before-runtime\"");
			HttpResponse before = RawHttpClient.request(nginx.port(), "GET", "/fault/before", JSON, null);
			assertThat(before.status()).isEqualTo(500);
			assertThat(before.bodyAsString()).contains("\"status\":500");
			HttpResponse committed = RawHttpClient.request(nginx.port(), "GET", "/fault/committed", Map.of(), null);
			assertThat(committed.status()).isEqualTo(200);
			assertThat(committed.bodyAsString()).isEqualTo("partial");
			HttpResponse sse = RawHttpClient.request(nginx.port(), "GET", "/async/sse", Map.of(), null);
			assertThat(sse.status()).isEqualTo(200);
			assertThat(sse.bodyAsString()).isEqualTo("data:one\n\ndata:two\n\n");
			HttpResponse timeout = RawHttpClient.request(nginx.port(), "GET", "/async/deferred-timeout", JSON, null);
			assertThat(timeout.status()).isEqualTo(503);
			HttpResponse hang = RawHttpClient.request(nginx.port(), "GET", "/hang", Map.of(), null);
			assertThat(hang.status()).isEqualTo(504);
			HttpResponse healthy = RawHttpClient.request(nginx.port(), "GET", "/healthy", Map.of(), null);
			assertThat(healthy.status()).isEqualTo(200);
			assertThat(healthy.bodyAsString()).isEqualTo("healthy");
			await().atMost(10, TimeUnit.SECONDS).until(() -> server().activeRequests() == 0);
			assertThat(nginx.errorLog()).doesNotContain("upstream prematurely closed").doesNotContain("upstream sent");
			assertThat(server().getServer().snapshot().totalConnections() - connectionsBefore)
				.as("upstream connections nginx opened for all requests").isEqualTo(1);
		}
		finally {
			nginx.stop();
		}
		// nginx reuses request id 1 on its connection: one END_REQUEST per request is the count for that connection
		assertThat(this.ended.stream().filter((id) -> !id.startsWith(this.firstConnectionId + "/")))
			.hasSize(7);
		this.ended.clear();
	}

	// ---- helpers --------------------------------------------------------------------------------------------

	private FastCgiWebServer server() {
		FastCgiWebServer server = FastCgiWebServer.from(this.context);
		assertThat(server).isNotNull();
		return server;
	}

	private RawConnection open() throws IOException {
		RawConnection opened = RawConnection.open(new InetSocketAddress("127.0.0.1", this.port), Duration.ofSeconds(10));
		this.connections.add(opened);
		return opened;
	}

	/** Sends one request on the test's connection and reads its whole answer. */
	private Answer fault(FastCgiRequest request) throws IOException {
		return receive(this.connection, send(this.connection, request, null));
	}

	private static FastCgiRequest getJson(String uri) {
		return FastCgiRequest.get(uri).header("Accept", "application/json");
	}

	private int send(RawConnection on, FastCgiRequest request, byte[] body) throws IOException {
		int id = this.nextId++;
		on.writeRequest(id, FastCgi.KEEP_CONN, request.params(), (body != null) ? body : new byte[0]);
		return id;
	}

	/**
	 * Reads records up to the END_REQUEST of {@code id}; every record must belong to {@code id}, so a second
	 * END_REQUEST or stray output of an earlier request shows up here.
	 */
	private Answer receive(RawConnection on, int id) throws IOException {
		List<ReceivedRecord> records = on.readUntilEndRequest(id);
		assertThat(records).as("records").allSatisfy((record) -> assertThat(record.requestId()).isEqualTo(id));
		ByteArrayOutputStream stdout = new ByteArrayOutputStream();
		for (ReceivedRecord record : records) {
			if (record.recordType() == RecordType.STDOUT) {
				stdout.writeBytes(record.content());
			}
		}
		ByteBuffer end = ByteBuffer.wrap(records.get(records.size() - 1).content());
		String text = stdout.toString(StandardCharsets.UTF_8);
		int split = text.indexOf("\r\n\r\n");
		assertThat(split).as("header block in %s", text).isNotNegative();
		String head = text.substring(0, split + 2);
		int status = 200;
		for (String line : head.split("\r\n")) {
			if (line.startsWith("Status: ")) {
				status = Integer.parseInt(line.substring(8, 11));
			}
		}
		return new Answer(status, head, text.substring(split + 4), end.getInt(0), end.get(4) & 0xFF, records);
	}

	private void assertEnd(Answer answer, int appStatus) {
		assertThat(answer.count(RecordType.END_REQUEST)).isEqualTo(1);
		assertThat(answer.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
		assertThat(answer.appStatus()).as("appStatus").isEqualTo(appStatus);
	}

	/** Boot's JSON error body for {@code status}, no stack trace or exception text, END_REQUEST(0). */
	private void assertErrorPage(Answer answer, int status, String path) {
		assertThat(answer.status()).as(answer.head() + answer.body()).isEqualTo(status);
		assertThat(answer.head()).contains("Content-Type: application/json");
		assertThat(answer.body()).startsWith("{\"timestamp\":").contains("\"status\":" + status)
			.contains("\"path\":\"" + path + "\"").doesNotContain("trace").doesNotContain("Exception");
		assertEnd(answer, 0);
	}

	/** Exactly the committed head and bytes, nothing after them, END_REQUEST(1). */
	private void assertCommitted(Answer answer, int status, String body) {
		assertThat(answer.status()).isEqualTo(status);
		assertThat(answer.body()).as("the committed bytes and nothing after them").isEqualTo(body);
		assertThat(answer.head() + answer.body()).as("one status line").containsOnlyOnce("Status: ");
		assertEnd(answer, 1);
	}

	private void assertHealthy(RawConnection on) throws IOException {
		Answer answer = receive(on, send(on, FastCgiRequest.get("/healthy"), null));
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.body()).isEqualTo("healthy");
		assertEnd(answer, 0);
	}

	/** A healthy request on the test's (kept) connection, then on a new one. */
	private void assertHealthyHereAndElsewhere() throws IOException {
		assertHealthy(this.connection);
		try (RawConnection other = open()) {
			assertHealthy(other);
		}
	}

	private static List<String> errorLines(CapturedOutput output) {
		return output.getOut().lines().filter((line) -> line.contains(" ERROR ")).toList();
	}

	private static List<String> requestTimeoutLines(CapturedOutput output) {
		return output.getOut().lines().filter((line) -> line.contains("(fastcgi.request-timeout)")).toList();
	}

	private static long stackTraceLines(CapturedOutput output) {
		return output.getOut().lines().filter((line) -> line.startsWith("\tat ")).count();
	}

	/** One ERROR line for the fault, naming the request or the exception. */
	private static void assertOneErrorLine(CapturedOutput output, String message) {
		List<String> lines = errorLines(output);
		String all = output.getOut();
		assertThat(lines).as(all).isNotEmpty();
		assertThat(all.lines().filter((line) -> line.contains(message) && !line.startsWith("\tat ")).count())
			.as("lines naming '%s' in%n%s", message, all).isGreaterThanOrEqualTo(1);
	}

}
