package dev.fastcgi.server;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The allow-list at accept time, over IPv4, IPv6 and IPv4-mapped addresses.
 */
class AllowListServerTests extends EngineTestSupport {

	@Test
	void ipv4PeerNotInTheListIsClosedAtOnce() throws Exception {
		FastCgiServer server = start(config().allowedAddresses(List.of("10.9.8.7", "::1")), EngineTestSupport::echo);
		RawClient client = connect(server);
		assertThat(client.closedByServer()).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("rejected ADDRESS"));
	}

	@Test
	void ipv4PeerInTheListIsServed() throws Exception {
		FastCgiServer server = start(config().allowedAddresses(List.of("127.0.0.1")), EngineTestSupport::echo);
		assertHealthy(server);
	}

	@Test
	void mappedEntryMatchesTheIpv4Peer() throws Exception {
		FastCgiServer server = start(config().allowedAddresses(List.of("::ffff:127.0.0.1")), EngineTestSupport::echo);
		assertHealthy(server);
	}

	@Test
	void ipv6PeerIsMatched() throws Exception {
		FastCgiServer server;
		try {
			server = start(config().bindAddress(new BindAddress.Tcp("::1", 0)).allowedAddresses(List.of("::1")),
					EngineTestSupport::echo);
		}
		catch (java.io.IOException ex) {
			Assumptions.abort("no IPv6 loopback: " + ex);
			return;
		}
		assertThat(((InetSocketAddress) server.boundAddress()).getAddress().getHostAddress()).contains(":");
		assertHealthy(server);
		FastCgiServer v4only = start(config().bindAddress(new BindAddress.Tcp("::1", 0))
			.allowedAddresses(List.of("127.0.0.1")), EngineTestSupport::echo);
		RawClient client = connect(v4only);
		assertThat(client.closedByServer()).isTrue();
	}

	@Test
	void ipv4PeerOnADualStackSocketMatchesItsIpv4Entry() throws Exception {
		FastCgiServer server;
		try {
			server = start(config().bindAddress(new BindAddress.Tcp("::", 0)).allowedAddresses(List.of("127.0.0.1")),
					EngineTestSupport::echo);
		}
		catch (java.io.IOException ex) {
			Assumptions.abort("no dual-stack socket: " + ex);
			return;
		}
		// the peer is ::ffff:127.0.0.1 on the IPv6 socket, matched by the IPv4 entry
		try (RawClient client = RawClient.connect(new InetSocketAddress("::ffff:127.0.0.1", server.port()))) {
			client.request(3, false, get("/mapped"), new byte[0]);
			assertThat(client.response(3).stdout()).endsWith("uri=/mapped length=0");
		}
		RawClient v6 = RawClient.connect(new InetSocketAddress("::1", server.port()));
		this.clients.add(v6);
		assertThat(v6.closedByServer()).isTrue();
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.events.has("rejected ADDRESS"));
	}

}
