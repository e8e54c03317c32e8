package dev.fastcgi.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Short fuzz run: random bytes and mutated valid record streams (bytes flipped, cut at random points) into a live
 * engine, non-multiplexed and multiplexed. Afterwards the engine still answers a healthy request, and no request,
 * thread or spill file is left. A longer run: raise {@code tries}.
 */
class EngineFuzzProperties {

	private final List<FastCgiServer> servers = new java.util.ArrayList<>();

	private Path spill;

	@BeforeProperty
	void start() throws IOException {
		this.spill = Files.createTempDirectory("fastcgi-fuzz");
		for (boolean multiplexed : new boolean[] { false, true }) {
			FastCgiServer server = new FastCgiServer(ServerConfig.builder()
				.bindAddress(new BindAddress.Tcp("127.0.0.1", 0))
				.threads(4)
				.multiplexed(multiplexed)
				.maxParamsSize(4096)
				.inputSpillThreshold(1024)
				.readTimeout(Duration.ofSeconds(2))
				.spillDirectory(this.spill)
				.build(), EngineTestSupport::echo);
			server.start();
			this.servers.add(server);
		}
	}

	@AfterProperty
	void stillHealthyAndNothingLeaks() throws IOException {
		try {
			for (FastCgiServer server : this.servers) {
				try (RawClient client = RawClient.connect(server)) {
					client.request(1, false, EngineTestSupport.get("/healthy"), new byte[0]);
					assertThat(client.response(1).stdout()).endsWith("uri=/healthy length=0");
				}
				await().atMost(10, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
			}
		}
		finally {
			for (FastCgiServer server : this.servers) {
				server.stop(Duration.ofSeconds(2));
			}
		}
		await().atMost(5, TimeUnit.SECONDS).until(() -> EngineTestSupport.engineThreads().isEmpty());
		try (var files = Files.list(this.spill)) {
			assertThat(files).isEmpty();
		}
		Files.delete(this.spill);
	}

	@Property(tries = 150)
	void randomBytesNeverHurtTheEngine(@ForAll("garbage") byte[] input) throws IOException {
		feed(input);
	}

	@Property(tries = 150)
	void mutatedValidStreamsNeverHurtTheEngine(@ForAll("mutated") byte[] input) throws IOException {
		feed(input);
	}

	@Provide
	Arbitrary<byte[]> garbage() {
		return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
	}

	@Provide
	Arbitrary<byte[]> mutated() {
		byte[] valid = RawClient.concat(
				RawClient.record(RecordType.GET_VALUES, 0,
						NameValuePairs.encode(EngineTestSupport.params("FCGI_MAX_REQS", ""))),
				RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, EngineTestSupport.get("/a")), RawClient.stdin(1, new byte[300], true),
				RawClient.begin(2, Role.FILTER.code(), false), RawClient.params(2, EngineTestSupport.get("/b")),
				RawClient.empty(RecordType.ABORT_REQUEST, 1), RawClient.stdin(2, new byte[40], true),
				RawClient.record(RecordType.DATA, 2, new byte[9]), RawClient.empty(RecordType.DATA, 2));
		Arbitrary<List<Integer>> positions = Arbitraries.integers().between(0, valid.length - 1).list().ofMaxSize(4);
		Arbitrary<List<Byte>> values = Arbitraries.bytes().list().ofSize(4);
		Arbitrary<Integer> cut = Arbitraries.integers().between(1, valid.length);
		return Combinators.combine(positions, values, cut).as((pos, val, end) -> {
			byte[] copy = java.util.Arrays.copyOf(valid, end);
			for (int i = 0; i < pos.size(); i++) {
				if (pos.get(i) < copy.length) {
					copy[pos.get(i)] = val.get(i);
				}
			}
			return copy;
		});
	}

	private void feed(byte[] input) throws IOException {
		for (FastCgiServer server : this.servers) {
			feed(server, input);
		}
	}

	private void feed(FastCgiServer server, byte[] input) throws IOException {
		try (RawClient client = RawClient.connect(server)) {
			try {
				client.send(input);
				client.channel().shutdownOutput();
			}
			catch (IOException ex) {
				// the engine may close first
			}
			assertThat(client.closedByServer()).isTrue();
		}
	}

}
