package dev.fastcgi.server.transport;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The peers allowed to connect over TCP: IP literals (IPv4, IPv6, IPv4-mapped IPv6), compared as addresses, so
 * {@code ::ffff:127.0.0.1} and {@code 127.0.0.1} are the same peer. Host names are refused (no DNS at accept time).
 * An empty list allows everyone. Unix-socket peers are not checked here (file permissions guard them).
 */
public final class AddressAllowList {

	/** The environment variable web servers set to restrict which peers may connect. */
	public static final String WEB_SERVER_ADDRS = "FCGI_WEB_SERVER_ADDRS";

	private static final AddressAllowList EVERYONE = new AddressAllowList(Set.of());

	private final Set<InetAddress> addresses;

	private AddressAllowList(Set<InetAddress> addresses) {
		this.addresses = addresses;
	}

	/**
	 * Parses IP literals.
	 * @throws IllegalArgumentException naming fastcgi.allowed-addresses and the bad entry
	 */
	public static AddressAllowList of(Collection<String> literals) {
		if (literals == null || literals.isEmpty()) {
			return EVERYONE;
		}
		Set<InetAddress> set = new LinkedHashSet<>();
		for (String literal : literals) {
			set.add(parseLiteral(literal));
		}
		return new AddressAllowList(Set.copyOf(set));
	}

	/**
	 * Splits the value of {@code FCGI_WEB_SERVER_ADDRS} (comma-separated, blanks trimmed, empty entries skipped);
	 * null or blank gives an empty list. The caller merges the result with fastcgi.allowed-addresses.
	 */
	public static List<String> parseWebServerAddrs(String value) {
		List<String> result = new ArrayList<>();
		if (value == null) {
			return result;
		}
		for (String part : value.split(",")) {
			String trimmed = part.trim();
			if (!trimmed.isEmpty()) {
				result.add(trimmed);
			}
		}
		return result;
	}

	/** {@link #parseWebServerAddrs} of this process's {@code FCGI_WEB_SERVER_ADDRS}. */
	public static List<String> fromEnvironment() {
		return parseWebServerAddrs(System.getenv(WEB_SERVER_ADDRS));
	}

	/** Whether every peer is allowed (the list is empty). */
	public boolean allowsEveryone() {
		return this.addresses.isEmpty();
	}

	/** Whether {@code peer} may connect. */
	public boolean allows(InetAddress peer) {
		if (this.addresses.isEmpty()) {
			return true;
		}
		return peer != null && this.addresses.contains(normalize(peer));
	}

	/** An IPv4-mapped IPv6 address as the IPv4 address; other addresses unchanged (scope ids dropped). */
	static InetAddress normalize(InetAddress address) {
		if (address instanceof Inet6Address) {
			byte[] b = address.getAddress();
			boolean mapped = true;
			for (int i = 0; i < 10; i++) {
				mapped &= (b[i] == 0);
			}
			mapped &= (b[10] == (byte) 0xFF) && (b[11] == (byte) 0xFF);
			try {
				if (mapped) {
					return Inet4Address.getByAddress(new byte[] { b[12], b[13], b[14], b[15] });
				}
				return InetAddress.getByAddress(b);
			}
			catch (UnknownHostException ex) {
				return address;
			}
		}
		return address;
	}

	private static InetAddress parseLiteral(String literal) {
		byte[] address = IpLiterals.parse((literal != null) ? literal.trim() : "");
		if (address == null) {
			throw new IllegalArgumentException("fastcgi.allowed-addresses (or " + WEB_SERVER_ADDRS + ") entry '"
					+ literal + "' is not an IPv4 or IPv6 address literal");
		}
		try {
			// no name lookup: the bytes are parsed already (an IPv4-mapped IPv6 literal comes back as IPv4)
			return InetAddress.getByAddress(address);
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException("fastcgi.allowed-addresses (or " + WEB_SERVER_ADDRS + ") entry '"
					+ literal + "' is not a valid IP address: " + ex.getMessage());
		}
	}

	@Override
	public String toString() {
		return this.addresses.isEmpty() ? "everyone" : this.addresses.toString();
	}

}
