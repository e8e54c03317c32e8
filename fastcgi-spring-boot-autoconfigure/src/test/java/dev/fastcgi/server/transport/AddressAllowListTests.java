package dev.fastcgi.server.transport;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Parsing and matching of the address allow-list and FCGI_WEB_SERVER_ADDRS.
 */
class AddressAllowListTests {

	@Test
	void emptyAllowsEveryone() throws Exception {
		assertThat(AddressAllowList.of(java.util.List.of()).allows(InetAddress.getByName("10.0.0.1"))).isTrue();
	}

	@Test
	void matchesIpv4Ipv6AndMappedAddresses() throws Exception {
		AddressAllowList list = AddressAllowList.of(java.util.List.of("127.0.0.1", "::1", "::ffff:10.0.0.7"));
		assertThat(list.allows(InetAddress.getByName("127.0.0.1"))).isTrue();
		assertThat(list.allows(InetAddress.getByName("0:0:0:0:0:0:0:1"))).isTrue();
		assertThat(list.allows(InetAddress.getByName("10.0.0.7"))).isTrue();
		assertThat(list.allows(InetAddress.getByAddress(
				new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 127, 0, 0, 1 })))
			.isTrue();
		assertThat(list.allows(InetAddress.getByName("127.0.0.2"))).isFalse();
		assertThat(list.allows(InetAddress.getByName("::2"))).isFalse();
	}

	@Test
	void bracketedIpv6IsAccepted() throws Exception {
		assertThat(AddressAllowList.of(java.util.List.of("[fe80::1]")).allows(InetAddress.getByName("fe80::1")))
			.isTrue();
	}

	@Test
	void hostNamesAndGarbageAreRefusedNamingTheProperty() {
		assertThatIllegalArgumentException().isThrownBy(() -> AddressAllowList.of(java.util.List.of("localhost")))
			.withMessageContaining("fastcgi.allowed-addresses")
			.withMessageContaining("localhost");
		assertThatIllegalArgumentException().isThrownBy(() -> AddressAllowList.of(java.util.List.of("1.2.3")));
		assertThatIllegalArgumentException().isThrownBy(() -> AddressAllowList.of(java.util.List.of("999.1.1.1")));
	}

	@Test
	void webServerAddrsAreSplitAndTrimmed() {
		assertThat(AddressAllowList.parseWebServerAddrs(" 127.0.0.1, ::1 ,,10.0.0.1 ")).containsExactly("127.0.0.1",
				"::1", "10.0.0.1");
		assertThat(AddressAllowList.parseWebServerAddrs(null)).isEmpty();
		assertThat(AddressAllowList.parseWebServerAddrs("  ")).isEmpty();
	}

	@Test
	void permissionsParse() {
		assertThat(Transports.parsePermissions("0640")).hasSize(3);
		assertThat(Transports.parsePermissions(null)).isNull();
		assertThatIllegalArgumentException().isThrownBy(() -> Transports.parsePermissions("rwz"))
			.withMessageContaining("fastcgi.unix-socket.permissions");
	}

}
