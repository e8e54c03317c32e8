package dev.fastcgi.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.fastcgi.client.CgiHead;
import dev.fastcgi.client.ClientExchange;
import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.client.GeneratedInputStream;
import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project's client against the project's engine: what tests and users of the client rely on (multiplexing on
 * one connection, streaming and abort, management records, Unix socket, connection reuse, bounded-memory upload).
 */
class ClientEngineInteropTest {

	@TempDir
	Path directory;

	private final InteropHandler handler = new InteropHandler();

	private FastCgiServer server;

	@AfterEach
	void stop() {
		this.handler.releaseStream();
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(5));
		}
	}

	private FastCgiClient.Builder client(ServerConfig.Builder config) throws IOException {
		this.server = new FastCgiServer(config.build(), this.handler);
		this.server.start();
		return FastCgiClient.builder(this.server.boundAddress());
	}

	private static ServerConfig.Builder tcp() {
		return ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0));
	}

	@Test
	void multiplexedRequestsRunTogetherOnOneConnection() throws IOException {
		int requests = 8;
		this.handler.gatherAt(requests);
		try (FastCgiClient client = client(tcp().multiplexed(true)).keepConn(true).build()) {
			List<FastCgiRequest> batch = new ArrayList<>();
			for (int i = 0; i < requests; i++) {
				batch.add(FastCgiRequest.get("/gather"));
			}
			List<FastCgiResponse> responses = client.executeAll(batch);
			Set<String> bodies = responses.stream().map(FastCgiResponse::bodyAsString).collect(Collectors.toSet());
			assertThat(bodies).hasSize(1).allSatisfy((body) -> assertThat(body).startsWith("connection="));
			assertThat(responses).extracting(FastCgiResponse::requestId).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
			assertThat(client.connectionsOpened()).isOne();
		}
	}

	@Test
	void nonMultiplexedEngineRefusesASecondConcurrentRequest() throws IOException {
		try (FastCgiClient client = client(tcp()).keepConn(true).build()) {
			List<FastCgiResponse> responses = client.executeAll(
					List.of(FastCgiRequest.post("/upload", "a/b", new byte[100_000]), FastCgiRequest.get("/hello")));
			assertThat(responses.get(0).protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
			assertThat(responses.get(0).bodyAsString()).startsWith("length=100000 ");
			assertThat(responses.get(1).protocolStatus()).isEqualTo(ProtocolStatus.CANT_MPX_CONN);
		}
	}

	@Test
	void streamingAndAbort() throws IOException {
		try (FastCgiClient client = client(tcp()).keepConn(true).build()) {
			try (ClientExchange exchange = client.open(FastCgiRequest.get("/stream"))) {
				CgiHead head = exchange.readHead();
				assertThat(head.headers().get("Content-Type")).isEqualTo("text/event-stream");
				assertThat(new String(exchange.nextChunk(), StandardCharsets.UTF_8)).isEqualTo("data: one\n\n");
				exchange.abort();
				this.handler.releaseStream();
				FastCgiResponse end = exchange.awaitEnd();
				assertThat(end.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
			}
			assertThat(client.execute(FastCgiRequest.get("/hello")).bodyAsString()).isEqualTo("Hello, FastCGI\n");
			assertThat(client.connectionsOpened()).isOne();
		}
	}

	@Test
	void getValues() throws IOException {
		try (FastCgiClient client = client(tcp().maxConnections(7).maxRequests(9)).build()) {
			assertThat(client.getValues(FastCgi.MAX_CONNS, FastCgi.MAX_REQS, FastCgi.MPXS_CONNS, "UNKNOWN"))
				.containsEntry(FastCgi.MAX_CONNS, "7").containsEntry(FastCgi.MAX_REQS, "9")
				.containsEntry(FastCgi.MPXS_CONNS, "0").doesNotContainKey("UNKNOWN");
		}
	}

	@Test
	void unixSocketWithKeptConnection() throws IOException {
		Path socket = this.directory.resolve("client.sock");
		try (FastCgiClient client = client(ServerConfig.builder().bindAddress(new BindAddress.Unix(socket)))
			.keepConn(true).build()) {
			for (int i = 0; i < 3; i++) {
				assertThat(client.execute(FastCgiRequest.get("/hello")).stdoutAsString()).isEqualTo(InteropHandler.HELLO);
			}
			assertThat(client.connectionsOpened()).isOne();
		}
	}

	@Test
	void largeParamsAndBodyInBoundedMemory() throws IOException {
		long length = 256L * 1024 * 1024;
		// a 200 KB param is over the default fastcgi.max-param-value-length (64 KiB): raise it for this test
		try (FastCgiClient client = client(tcp().maxParamValueLength(256 * 1024)).paramsAtPairBoundaries(false)
			.build()) {
			FastCgiResponse params = client.execute(FastCgiRequest.get("/params").param("BIG", "b".repeat(200_000)));
			assertThat(params.bodyAsString()).contains("BIG=" + "b".repeat(200_000) + "\n");
			FastCgiResponse upload = client.execute(FastCgiRequest.post("/upload", "application/octet-stream",
					length, () -> new GeneratedInputStream(length)));
			assertThat(upload.bodyAsString())
				.isEqualTo(InteropHandler.uploadResult(length, GeneratedInputStream.checksum(length)));
		}
	}

}
