package dev.fastcgi.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many connections at once, bodies of random sizes (some spilling), some requests aborted mid-body: every request
 * gets exactly its answer (or, when aborted, a single END_REQUEST), and nothing is left behind. Seeded, so a failure
 * reproduces.
 */
class EngineStressTests extends EngineTestSupport {

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void concurrentConnectionsWithRandomBodiesAndAborts(boolean multiplexed) throws Exception {
		FastCgiServer server = start(config().multiplexed(multiplexed).inputSpillThreshold(8 * 1024).threads(8),
				EngineTestSupport::echo);
		ExecutorService clients = Executors.newFixedThreadPool(12);
		try {
			List<Future<Integer>> results = new ArrayList<>();
			for (int c = 0; c < 12; c++) {
				long seed = 1000 + c;
				results.add(clients.submit(() -> runClient(server, new Random(seed), multiplexed)));
			}
			int answered = 0;
			for (Future<Integer> result : results) {
				answered += result.get(60, TimeUnit.SECONDS);
			}
			assertThat(answered).isEqualTo(12 * 25);
		}
		finally {
			clients.shutdownNow();
		}
		await().atMost(10, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		assertHealthy(server);
	}

	private int runClient(FastCgiServer server, Random random, boolean multiplexed) throws Exception {
		int answered = 0;
		try (RawClient client = RawClient.connect(server)) {
			for (int i = 1; i <= 25; i++) {
				int id = 1 + random.nextInt(60000);
				int size = random.nextInt(5) == 0 ? random.nextInt(300_000) : random.nextInt(2000);
				boolean abort = random.nextInt(6) == 0;
				client.send(RawClient.concat(RawClient.begin(id, Role.RESPONDER.code(), true),
						RawClient.params(id, get("/s" + i))));
				byte[] body = new byte[size];
				random.nextBytes(body);
				if (abort) {
					client.send(RawClient.stdin(id, java.util.Arrays.copyOf(body, size / 2), false));
					client.send(RawClient.empty(RecordType.ABORT_REQUEST, id));
					RawClient.Response response = client.response(id);
					assertThat(response.end().recordType()).isEqualTo(RecordType.END_REQUEST);
					assertThat(response.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE.code());
					// a late end of stdin for the aborted id is ignored
					client.send(RawClient.empty(RecordType.STDIN, id));
				}
				else {
					client.send(RawClient.stdin(id, body, true));
					RawClient.Response response = client.response(id);
					assertThat(response.stdout()).isEqualTo(OK_HEAD + "id=" + id + " uri=/s" + i + " length=" + size);
				}
				answered++;
			}
		}
		return answered;
	}

}
