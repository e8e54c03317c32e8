package dev.fastcgi.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import dev.fastcgi.interop.support.FileDescriptors;
import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fuzzing a live engine, non-multiplexed and multiplexed: random bytes, and valid record streams (keep-alive
 * sequences, interleaved multiplexed requests, FILTER, management records, aborts) cut at random points and mutated
 * (bit flips, bytes set, record length fields changed, ranges deleted or duplicated). After every property: the
 * engine still answers a healthy request, no request, thread or spill file is left, the file descriptor count is
 * back to where it was, and the engine logged no unexpected exception (only IOExceptions from aborted handlers).
 * <p>
 * The CI run is short (a few hundred tries per property). The long run ({@code longFuzzRun}) runs only when the
 * system property {@code fastcgi.fuzz.tries} is set, e.g.
 * {@code mvn -o -B -pl fastcgi-spring-boot-autoconfigure test -Dtest=EngineFuzzProperties -Dfastcgi.fuzz.tries=200000}.
 */
class EngineFuzzProperties {

	/** Set to run the long fuzz (that many inputs per server mode). */
	static final String TRIES_PROPERTY = "fastcgi.fuzz.tries";

	private final List<FastCgiServer> servers = new ArrayList<>();

	private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();

	private final Handler logWatch = new Handler() {

		@Override
		public void publish(LogRecord record) {
			Throwable thrown = record.getThrown();
			if (record.getLevel().intValue() >= Level.WARNING.intValue() && thrown != null
					&& !(thrown instanceof IOException)) {
				EngineFuzzProperties.this.unexpected.add(record.getMessage() + ": " + thrown);
			}
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private Path spill;

	private int baselineFds;

	@BeforeProperty
	void start() throws IOException {
		Logger.getLogger("dev.fastcgi.server").addHandler(this.logWatch);
		this.spill = Files.createTempDirectory("fastcgi-fuzz");
		for (boolean multiplexed : new boolean[] { false, true }) {
			FastCgiServer server = new FastCgiServer(ServerConfig.builder()
				.bindAddress(new BindAddress.Tcp("127.0.0.1", 0))
				.threads(4)
				.multiplexed(multiplexed)
				.maxParamsSize(4096)
				.maxParamValueLength(200)
				.maxBodySize(2000)
				.inputSpillThreshold(256)
				.readTimeout(Duration.ofSeconds(2))
				.requestTimeout(Duration.ofSeconds(5))
				.spillDirectory(this.spill)
				.build(), EngineTestSupport::echo);
			server.start();
			this.servers.add(server);
		}
		this.baselineFds = FileDescriptors.open();
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
				await().atMost(10, TimeUnit.SECONDS).until(() -> server.activeConnections() == 0);
				assertThat(server.bufferedInputBytes()).as("input held in memory").isZero();
			}
			if (this.baselineFds >= 0) {
				await().atMost(10, TimeUnit.SECONDS)
					.until(() -> FileDescriptors.open() <= this.baselineFds + 2);
			}
			assertThat(this.unexpected).as("unexpected exceptions logged by the engine").isEmpty();
		}
		finally {
			for (FastCgiServer server : this.servers) {
				server.stop(Duration.ofSeconds(2));
			}
			Logger.getLogger("dev.fastcgi.server").removeHandler(this.logWatch);
		}
		await().atMost(5, TimeUnit.SECONDS)
			.untilAsserted(() -> assertThat(EngineTestSupport.engineThreads()).as("engine threads").isEmpty());
		try (var files = Files.list(this.spill)) {
			assertThat(files).isEmpty();
		}
		Files.delete(this.spill);
	}

	@Property(tries = 200)
	void randomBytesNeverHurtTheEngine(@ForAll("garbage") byte[] input) throws IOException {
		feed(input);
	}

	@Property(tries = 300)
	void mutatedValidStreamsNeverHurtTheEngine(@ForAll("mutated") byte[] input) throws IOException {
		feed(input);
	}

	@Property(tries = 200)
	void validStreamsCutAtAnyPointNeverHurtTheEngine(@ForAll("cut") byte[] input) throws IOException {
		feed(input);
	}

	/** The long run: {@code -Dfastcgi.fuzz.tries=N} mutated inputs (plus N/4 random ones), reported on stdout. */
	@Property(tries = 1)
	void longFuzzRun() throws IOException {
		String configured = System.getProperty(TRIES_PROPERTY);
		if (configured == null || configured.isBlank()) {
			// not asked for: the CI run is the three properties above
			return;
		}
		int tries = Integer.parseInt(configured.trim());
		long started = System.nanoTime();
		var mutatedInputs = mutated().sampleStream().iterator();
		var garbageInputs = garbage().sampleStream().iterator();
		for (int i = 0; i < tries; i++) {
			feed(mutatedInputs.next());
			if (i % 4 == 0) {
				feed(garbageInputs.next());
			}
			if (i % 10_000 == 0 && i > 0) {
				System.out.println("fuzz: " + i + " inputs in " + seconds(started) + " s, "
						+ FileDescriptors.open() + " fds, " + EngineTestSupport.engineThreads().size()
						+ " engine threads");
			}
		}
		System.out.println("fuzz: " + tries + " mutated + " + ((tries + 3) / 4) + " random inputs per mode, "
				+ "2 modes, in " + seconds(started) + " s");
	}

	private static long seconds(long startedNanos) {
		return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
	}

	@Provide
	Arbitrary<byte[]> garbage() {
		Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
		// random records with a valid version byte get past the first check, so they exercise the policy
		Arbitrary<byte[]> records = Combinators
			.combine(Arbitraries.integers().between(0, 12), Arbitraries.integers().between(0, 3),
					Arbitraries.bytes().array(byte[].class).ofMaxSize(40), Arbitraries.integers().between(0, 7))
			.as((type, id, content, padding) -> RawClient.rawRecord(1, type, id, content, padding))
			.list()
			.ofMaxSize(12)
			.map((list) -> RawClient.concat(list.toArray(new byte[0][])));
		return Arbitraries.oneOf(raw, records);
	}

	@Provide
	Arbitrary<byte[]> cut() {
		return Arbitraries.of(validStreams()).flatMap((valid) -> Arbitraries.integers()
			.between(0, valid.length)
			.map((end) -> Arrays.copyOf(valid, end)));
	}

	@Provide
	Arbitrary<byte[]> mutated() {
		Arbitrary<Mutation> mutation = Combinators
			.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers().greaterOrEqual(0),
					Arbitraries.integers().between(0, 255), Arbitraries.integers().between(1, 64))
			.as(Mutation::new);
		return Combinators
			.combine(Arbitraries.of(validStreams()), mutation.list().ofMinSize(1).ofMaxSize(4),
					Arbitraries.integers().between(0, 100))
			.as((valid, mutations, keep) -> {
				byte[] out = valid.clone();
				for (Mutation m : mutations) {
					out = m.apply(out);
				}
				// most inputs are kept whole; some are cut as well
				return (keep < 70 || out.length == 0) ? out : Arrays.copyOf(out, out.length * keep / 100);
			});
	}

	/** One change to a byte stream. */
	record Mutation(int kind, int position, int value, int span) {

		byte[] apply(byte[] in) {
			if (in.length == 0) {
				return in;
			}
			int at = this.position % in.length;
			byte[] out = in.clone();
			switch (this.kind) {
				case 0 -> out[at] ^= (byte) (1 << (this.value % 8));
				case 1 -> out[at] = (byte) this.value;
				case 2 -> {
					// a record's contentLength high or low byte (header bytes 4 and 5) of the record around `at`
					int header = recordStart(in, at);
					if (header >= 0 && header + 5 < out.length) {
						out[header + 4 + (this.value & 1)] = (byte) (this.value >> 1);
					}
				}
				case 3 -> {
					int end = Math.min(in.length, at + this.span);
					out = concat(Arrays.copyOfRange(in, 0, at), Arrays.copyOfRange(in, end, in.length));
				}
				case 4 -> {
					int end = Math.min(in.length, at + this.span);
					out = concat(Arrays.copyOfRange(in, 0, end), Arrays.copyOfRange(in, at, in.length));
				}
				default -> out[at] = (byte) (out[at] + (this.value % 3) - 1);
			}
			return out;
		}

		/** The start of the record holding byte {@code at}, walking the valid headers; -1 if framing is lost. */
		private static int recordStart(byte[] in, int at) {
			int pos = 0;
			while (pos + FastCgi.HEADER_LENGTH <= in.length) {
				int length = ((in[pos + 4] & 0xFF) << 8) | (in[pos + 5] & 0xFF);
				int next = pos + FastCgi.HEADER_LENGTH + length + (in[pos + 6] & 0xFF);
				if (at < next) {
					return pos;
				}
				pos = next;
			}
			return -1;
		}

		private static byte[] concat(byte[] a, byte[] b) {
			return RawClient.concat(a, b);
		}

	}

	/** Valid streams: what real web servers send, in both modes. */
	static List<byte[]> validStreams() {
		byte[] getValues = RawClient.record(RecordType.GET_VALUES, 0,
				NameValuePairs.encode(EngineTestSupport.params("FCGI_MAX_REQS", "", "FCGI_MPXS_CONNS", "")));
		byte[] keepAlive = RawClient.concat(getValues, request(1, true, "/a", 300, "300"),
				request(3, true, "/b", 0, ""), request(5, false, "/c", 70_000, ""));
		byte[] withAbort = RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.params(1, EngineTestSupport.get("/a")), RawClient.stdin(1, new byte[30], false),
				RawClient.empty(RecordType.ABORT_REQUEST, 1), RawClient.stdin(1, new byte[9], true),
				request(2, true, "/next", 10, "10"));
		byte[] filter = RawClient.concat(RawClient.begin(2, Role.FILTER.code(), false),
				RawClient.params(2, EngineTestSupport.params("REQUEST_URI", "/f", "FCGI_DATA_LENGTH", "9")),
				RawClient.stdin(2, new byte[40], true), RawClient.record(RecordType.DATA, 2, new byte[9]),
				RawClient.empty(RecordType.DATA, 2));
		byte[] authorizer = RawClient.concat(RawClient.begin(7, Role.AUTHORIZER.code(), true),
				RawClient.params(7, EngineTestSupport.get("/auth")));
		// multiplexed: three requests interleaved record by record, one aborted, one with a body over the limit
		byte[] interleaved = RawClient.concat(RawClient.begin(1, Role.RESPONDER.code(), true),
				RawClient.begin(3, Role.RESPONDER.code(), true), RawClient.begin(5, Role.RESPONDER.code(), true),
				RawClient.params(3, post("/m3", "4")), RawClient.params(1, post("/m1", "")),
				RawClient.stdin(1, new byte[500], false), RawClient.params(5, post("/m5", "5000")),
				RawClient.stdin(3, new byte[4], true), RawClient.empty(RecordType.ABORT_REQUEST, 1),
				RawClient.stdin(5, new byte[100], true), RawClient.stdin(1, new byte[10], true), getValues);
		return List.of(keepAlive, withAbort, filter, authorizer, interleaved);
	}

	private static byte[] request(int id, boolean keepConn, String uri, int bodyLength, String contentLength) {
		return RawClient.concat(RawClient.begin(id, Role.RESPONDER.code(), keepConn),
				RawClient.params(id, post(uri, contentLength)), RawClient.stdin(id, new byte[bodyLength], true));
	}

	private static java.util.Map<String, String> post(String uri, String contentLength) {
		return EngineTestSupport.params("REQUEST_METHOD", "POST", "REQUEST_URI", uri, "CONTENT_LENGTH",
				contentLength);
	}

	private void feed(byte[] input) throws IOException {
		for (FastCgiServer server : this.servers) {
			feed(server, input);
		}
	}

	private static void feed(FastCgiServer server, byte[] input) throws IOException {
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
