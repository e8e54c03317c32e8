package dev.fastcgi.interop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.interop.support.HaproxyProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;
import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HAProxy, the one common multiplexing peer ({@code option mpxs-conns} + {@code option get-values}), in front of the
 * engine in multiplexed mode ({@code http-reuse always}, as the default {@code safe} never puts the first request of
 * a client connection on a shared server connection): concurrent requests that can only complete together all succeed over fewer
 * connections than requests.
 */
class HaproxyMultiplexingInteropTest {

	private static final int REQUESTS = 8;

	@TempDir
	Path directory;

	private final InteropHandler handler = new InteropHandler();

	private FastCgiServer server;

	private HaproxyProcess haproxy;

	private ExecutorService clients;

	@AfterEach
	void stop() throws InterruptedException {
		if (this.clients != null) {
			this.clients.shutdownNow();
			this.clients.awaitTermination(10, TimeUnit.SECONDS);
		}
		if (this.haproxy != null) {
			this.haproxy.stop();
		}
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(5));
		}
	}

	@Test
	void concurrentRequestsShareConnections() throws Exception {
		Peers.require(Peers.HAPROXY);
		this.server = new FastCgiServer(ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0))
			.multiplexed(true).build(), this.handler);
		this.server.start();
		try (FastCgiClient client = FastCgiClient.create(new java.net.InetSocketAddress("127.0.0.1", this.server.port()))) {
			assertThat(client.getValues(FastCgi.MPXS_CONNS)).containsEntry(FastCgi.MPXS_CONNS, "1");
		}
		this.haproxy = HaproxyProcess.builder(this.directory, "127.0.0.1:" + this.server.port()).keepConn(true)
			.mpxsConns(true).getValues(true).backendDirective("http-reuse always").start();
		// warm up: HAProxy learns FCGI_MPXS_CONNS=1 on its first connection
		assertThat(RawHttpClient.get(this.haproxy.port(), "/hello").status()).isEqualTo(200);
		this.handler.gatherAt(REQUESTS);
		this.clients = Executors.newFixedThreadPool(REQUESTS);
		List<Future<HttpResponse>> responses = new ArrayList<>();
		for (int i = 0; i < REQUESTS; i++) {
			responses.add(this.clients.submit(() -> RawHttpClient.request(this.haproxy.port(), "GET", "/gather",
					Map.of(), null)));
		}
		Set<String> connections = new HashSet<>();
		for (Future<HttpResponse> future : responses) {
			HttpResponse response = future.get(30, TimeUnit.SECONDS);
			assertThat(response.status()).as(this.haproxy.diagnostics()).isEqualTo(200);
			assertThat(response.bodyAsString()).startsWith("connection=");
			connections.add(response.bodyAsString());
		}
		assertThat(connections.size()).as("FastCGI connections used by %d concurrent requests: %s", REQUESTS,
				connections).isLessThan(REQUESTS);
	}

}
