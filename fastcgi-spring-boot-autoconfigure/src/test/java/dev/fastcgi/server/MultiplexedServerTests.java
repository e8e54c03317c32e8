package dev.fastcgi.server;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Socket-level tests of a multiplexed engine: interleaved concurrent requests on one connection.
 */
class MultiplexedServerTests extends EngineTestSupport {

	@Override
	ServerConfig.Builder config() {
		return super.config().multiplexed(true);
	}

	@Test
	void getValuesSaysMultiplexed() throws Exception {
		FastCgiServer server = start(config(), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.send(RawClient.record(RecordType.GET_VALUES, 0, NameValuePairs.encode(params(FastCgi.MPXS_CONNS, ""))));
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(client.next().content())))
			.containsExactly(Map.entry(FastCgi.MPXS_CONNS, "1"));
	}

	@Test
	void eightInterleavedRequestsWithOneSlowFinishFastOnesFirst() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			if ("/slow".equals(exchange.params().get("REQUEST_URI"))) {
				release.await(10, TimeUnit.SECONDS);
			}
			echo(exchange);
		});
		RawClient client = connect(server);
		int[] ids = { 1, 3, 5, 7, 9, 11, 13, 15 };
		List<byte[]> begins = new ArrayList<>();
		for (int id : ids) {
			begins.add(RawClient.begin(id, Role.RESPONDER.code(), true));
		}
		for (int id : ids) {
			begins.add(RawClient.params(id, get((id == 7) ? "/slow" : "/fast" + id)));
		}
		for (int id : ids) {
			begins.add(RawClient.stdin(id, bytes("body-" + id), false));
		}
		for (int id : ids) {
			begins.add(RawClient.empty(RecordType.STDIN, id));
		}
		client.send(RawClient.concat(begins.toArray(new byte[0][])));
		List<Integer> ended = new ArrayList<>();
		while (ended.size() < 7) {
			RawClient.Rec rec = client.next();
			if (rec.recordType() == RecordType.END_REQUEST) {
				ended.add(rec.requestId());
			}
		}
		assertThat(ended).containsExactlyInAnyOrder(1, 3, 5, 9, 11, 13, 15);
		release.countDown();
		RawClient.Response slow = client.response(7);
		assertThat(slow.stdout()).isEqualTo(OK_HEAD + "id=7 uri=/slow length=6");
	}

	@Test
	void overMaxRequestsPerConnectionGetsOverloaded() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		FastCgiServer server = start(config().maxRequestsPerConnection(2), (exchange) -> {
			release.await(10, TimeUnit.SECONDS);
			echo(exchange);
		});
		RawClient client = connect(server);
		client.request(1, true, get("/1"), new byte[0]);
		client.request(2, true, get("/2"), new byte[0]);
		client.request(3, true, get("/3"), new byte[0]);
		assertThat(client.response(3).protocolStatus()).isEqualTo(ProtocolStatus.OVERLOADED.code());
		release.countDown();
		assertThat(client.response(1).stdout()).endsWith("length=0");
		assertThat(client.response(2).stdout()).endsWith("length=0");
	}

	@Test
	void abortOneOfTwoRequests() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch aborted = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			if ("/abort".equals(exchange.params().get("REQUEST_URI"))) {
				exchange.onAbort((cause) -> aborted.countDown());
				started.countDown();
				try {
					drain(exchange.stdin());
				}
				catch (RequestAbortedException ex) {
					return;
				}
			}
			release.await(10, TimeUnit.SECONDS);
			echo(exchange);
		});
		RawClient client = connect(server);
		// a request goes to a worker once its body has ended or passed 64 KiB: send more than that, unended
		client.send(RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, get("/abort")),
				RawClient.stdin(1, new byte[65 * 1024], false)));
		client.request(2, true, get("/other"), bytes("ok"));
		// an abort that arrives before the handler runs drops the request without running it: abort a running one
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		client.send(RawClient.empty(RecordType.ABORT_REQUEST, 1));
		RawClient.Response abortedResponse = client.response(1);
		assertThat(abortedResponse.records()).hasSize(1);
		assertThat(aborted.await(5, TimeUnit.SECONDS)).isTrue();
		release.countDown();
		assertThat(client.response(2).stdout()).endsWith("length=2");
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
	}

	@Test
	void aHandlerRunsOnceItsBodyHasArrived() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			if ("/held".equals(exchange.params().get("REQUEST_URI"))) {
				started.countDown();
			}
			echo(exchange);
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, get("/held")),
				RawClient.stdin(1, bytes("first "), false)));
		client.request(2, true, get("/other"), bytes("ok"));
		assertThat(client.response(2).stdout()).endsWith("length=2");
		// request 2's answer shows the reader decoded past request 1's body, whose handler has not started
		assertThat(started.getCount()).isEqualTo(1);
		client.send(RawClient.stdin(1, bytes("second"), true));
		assertThat(client.response(1).stdout()).endsWith("uri=/held length=12");
	}

	@Test
	void aHandlerRunsOnceItsBodyPasses64KiBAndReadsTheRestAsItArrives() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		FastCgiServer server = start(config(), (exchange) -> {
			started.countDown();
			echo(exchange);
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, get("/big")),
				RawClient.stdin(1, new byte[64 * 1024], false)));
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		client.send(RawClient.stdin(1, new byte[1000], true));
		assertThat(client.response(1).stdout()).endsWith("length=" + (64 * 1024 + 1000));
	}

	@Test
	void aRequestAbortedOrCutOffWhileWaitingForItsBodyFreesItsSlot() throws Exception {
		List<String> ran = new CopyOnWriteArrayList<>();
		FastCgiServer server = start(config().maxRequests(1), (exchange) -> {
			ran.add(exchange.params().get("REQUEST_URI"));
			echo(exchange);
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, true), RawClient.params(1, get("/aborted")),
				RawClient.stdin(1, bytes("part"), false), RawClient.empty(RecordType.ABORT_REQUEST, 1)));
		RawClient.Response aborted = client.response(1);
		assertThat(aborted.records()).hasSize(1);
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		client.request(3, true, get("/next"), bytes("ok"));
		assertThat(client.response(3).stdout()).endsWith("length=2");
		client.send(RawClient.concat(RawClient.begin(5, 1, true), RawClient.params(5, get("/cut")),
				RawClient.stdin(5, bytes("part"), false)));
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 1);
		client.close();
		await().atMost(5, TimeUnit.SECONDS).until(() -> server.activeRequests() == 0);
		assertThat(ran).containsExactly("/next");
		assertHealthy(server);
	}

}
