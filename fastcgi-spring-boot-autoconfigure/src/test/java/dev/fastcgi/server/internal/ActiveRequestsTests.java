package dev.fastcgi.server.internal;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.FastCgiHandler;
import dev.fastcgi.server.ServerConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ActiveRequests}: the first request in its slot, the others of a multiplexed connection in the map, and
 * the two seen as one set by id.
 */
class ActiveRequestsTests {

	private Workers workers;

	private EngineContext context;

	private Connection connection;

	@BeforeEach
	void connection() {
		ServerConfig config = ServerConfig.builder().threads(1).multiplexed(true).build();
		this.workers = Workers.create(config);
		FastCgiHandler handler = (exchange) -> {
		};
		this.context = new EngineContext(config, handler, new CompositeListener(), this.workers);
		this.connection = new Connection(this.context,
				new ConnectionTests.MemoryEndpoint(List.of(), 1, false), 1);
	}

	@AfterEach
	void stopWorkers() {
		assertThat(this.workers.shutdownNow(5000)).isTrue();
	}

	@Test
	void oneRequestComesAndGoes() {
		ActiveRequests requests = new ActiveRequests();
		assertThat(requests.isEmpty()).isTrue();
		Request one = request(1);
		requests.add(one);
		assertThat(requests.get(1)).isSameAs(one);
		assertThat(requests.contains(1)).isTrue();
		assertThat(requests.contains(2)).isFalse();
		assertThat(requests.get(2)).isNull();
		assertThat(requests.size()).isOne();
		assertThat(requests).containsExactly(one);
		assertThat(requests.remove(one)).isTrue();
		assertThat(requests.remove(one)).as("removed once only").isFalse();
		assertThat(requests.isEmpty()).isTrue();
		assertThat(requests.size()).isZero();
		assertThat(requests).isEmpty();
	}

	@Test
	void multiplexedRequestsAreFoundWhereverTheyWent() {
		ActiveRequests requests = new ActiveRequests();
		List<Request> all = new ArrayList<>();
		for (int id = 1; id <= 40; id++) {
			Request request = request(id);
			requests.add(request);
			all.add(request);
		}
		assertThat(requests.size()).isEqualTo(40);
		assertThat(requests).containsExactlyInAnyOrderElementsOf(all);
		for (Request request : all) {
			assertThat(requests.get(request.requestId())).isSameAs(request);
		}
		// the slot's request ends first; a new id takes the slot while the others stay in the map
		assertThat(requests.remove(all.get(0))).isTrue();
		assertThat(requests.get(1)).isNull();
		Request next = request(41);
		requests.add(next);
		assertThat(requests.get(41)).isSameAs(next);
		assertThat(requests.size()).isEqualTo(40);
		// an id reused after its request ended finds the new request, not the old one
		assertThat(requests.remove(all.get(5))).isTrue();
		Request reused = request(6);
		requests.add(reused);
		assertThat(requests.get(6)).isSameAs(reused);
		assertThat(requests.remove(all.get(5))).as("the old request of that id is gone already").isFalse();
		assertThat(requests.size()).isEqualTo(40);
		requests.clear();
		assertThat(requests.isEmpty()).isTrue();
		assertThat(requests).isEmpty();
		assertThat(requests.get(41)).isNull();
	}

	@Test
	void anotherRequestWithTheSameIdIsNotRemovedInItsPlace() {
		ActiveRequests requests = new ActiveRequests();
		Request active = request(1);
		requests.add(active);
		assertThat(requests.remove(request(1))).isFalse();
		assertThat(requests.get(1)).isSameAs(active);
	}

	private Request request(int id) {
		return new Request(this.connection, this.context, id, Role.RESPONDER, true, false);
	}

}
