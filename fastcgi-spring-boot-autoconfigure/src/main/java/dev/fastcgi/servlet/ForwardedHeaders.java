package dev.fastcgi.servlet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.core.log.LogAccessor;

import dev.fastcgi.server.transport.IpLiterals;
import dev.fastcgi.servlet.CgiRequestMapping.CgiRequest;

/**
 * Applies {@code X-Forwarded-For}, {@code X-Forwarded-Proto}, {@code X-Forwarded-Host} and
 * {@code X-Forwarded-Port} to a request line, the way Tomcat's {@code RemoteIpValve} does
 * ({@code server.forward-headers-strategy=native}), but only when the web server's client (REMOTE_ADDR) is a trusted
 * proxy. Immutable and thread-safe; it never resolves host names.
 * <ul>
 * <li>REMOTE_ADDR not trusted (or not an IP literal): the headers are ignored entirely.</li>
 * <li>{@code X-Forwarded-For} is walked right to left skipping trusted proxies; the first untrusted entry (or the
 * leftmost, when every entry is trusted) becomes the remote address and host; the remote port becomes 0 (unknown).
 * A {@code :port} after an entry is dropped; a malformed entry stops the walk and the last good address is kept
 * (Tomcat would take the malformed text as the address).</li>
 * <li>{@code X-Forwarded-Proto} {@code https} (every entry of a list must be {@code https}) makes the request secure
 * with scheme {@code https} and server port {@code X-Forwarded-Port} or 443; {@code http} makes it plain with port
 * {@code X-Forwarded-Port} or 80. Other values are ignored. As in Tomcat, {@code X-Forwarded-Port} is read only
 * together with {@code X-Forwarded-Proto}.</li>
 * <li>{@code X-Forwarded-Host} replaces the server name (a port in it is dropped, as Tomcat does); an invalid host
 * is ignored.</li>
 * </ul>
 * The headers themselves stay visible unchanged, and the raw params too. The RFC 7239 {@code Forwarded} header is
 * not read (one warning is logged the first time a trusted proxy sends it).
 */
public final class ForwardedHeaders {

	/**
	 * The trusted proxies by default: the same networks as the default {@code server.tomcat.remoteip.internal-proxies}
	 * of Spring Boot 4 (private, loopback, link-local and carrier-grade NAT ranges of IPv4 and IPv6).
	 */
	public static final List<String> DEFAULT_TRUSTED_PROXIES = List.of("10.0.0.0/8", "192.168.0.0/16",
			"172.16.0.0/12", "169.254.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "::1/128", "fe80::/10", "fc00::/7");

	/** The property the trusted proxies come from, named in error messages. */
	static final String PROPERTY = "fastcgi.forwarded.trusted-proxies";

	private static final LogAccessor logger = new LogAccessor(ForwardedHeaders.class);

	private static final int MAX_FORWARDED_FOR_ENTRIES = 100;

	private final List<IpLiterals.Network> trustedProxies;

	private final AtomicBoolean forwardedHeaderReported = new AtomicBoolean();

	private ForwardedHeaders(List<IpLiterals.Network> trustedProxies) {
		this.trustedProxies = trustedProxies;
	}

	/**
	 * Creates a resolver trusting the given proxies.
	 * @param trustedProxies IP literals ({@code 10.1.2.3}, {@code ::1}) and CIDR blocks ({@code 10.0.0.0/8},
	 * {@code fc00::/7}); blanks are skipped; empty trusts nobody
	 * @return the resolver
	 * @throws IllegalArgumentException naming {@code fastcgi.forwarded.trusted-proxies} and the bad entry
	 */
	public static ForwardedHeaders of(Collection<String> trustedProxies) {
		List<IpLiterals.Network> networks = new ArrayList<>();
		for (String entry : trustedProxies) {
			if (entry == null || entry.isBlank()) {
				continue;
			}
			IpLiterals.Network network = IpLiterals.parseNetwork(entry.trim());
			if (network == null) {
				throw new IllegalArgumentException(PROPERTY + " entry '" + entry
						+ "' is not an IP address or CIDR block (such as 10.0.0.0/8 or fc00::/7)");
			}
			networks.add(network);
		}
		return new ForwardedHeaders(List.copyOf(networks));
	}

	/**
	 * A resolver trusting {@link #DEFAULT_TRUSTED_PROXIES}.
	 * @return the resolver
	 */
	public static ForwardedHeaders withDefaultTrustedProxies() {
		return of(DEFAULT_TRUSTED_PROXIES);
	}

	/**
	 * Whether nobody is trusted (the headers are never applied).
	 * @return whether the trusted list is empty
	 */
	public boolean trustsNobody() {
		return this.trustedProxies.isEmpty();
	}

	/**
	 * Whether an address is a trusted proxy.
	 * @param address an IP literal (IPv4, IPv6, bracketed IPv6, IPv4-mapped IPv6)
	 * @return true if it is an IP literal inside one of the trusted networks
	 */
	public boolean isTrusted(String address) {
		byte[] bytes = IpLiterals.parse(address);
		return bytes != null && isTrusted(bytes);
	}

	private boolean isTrusted(byte[] address) {
		for (IpLiterals.Network network : this.trustedProxies) {
			if (network.contains(address)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Applies the forwarded headers among {@code params} to a request line.
	 * @param line the line mapped from the params
	 * @param params the CGI params ({@code HTTP_X_FORWARDED_FOR} and so on)
	 * @return the line as the original client sent it, or {@code line} itself when REMOTE_ADDR is not trusted or
	 * no header applies
	 */
	public CgiRequest apply(CgiRequest line, Map<String, String> params) {
		if (this.trustedProxies.isEmpty() || !isTrusted(line.remoteAddr())) {
			return line;
		}
		reportForwardedHeader(params);
		String remoteAddr = line.remoteAddr();
		String remoteHost = line.remoteHost();
		int remotePort = line.remotePort();
		String client = clientAddress(params.get("HTTP_X_FORWARDED_FOR"));
		if (client != null) {
			remoteAddr = client;
			remoteHost = client;
			remotePort = 0;
		}
		String scheme = line.scheme();
		boolean secure = line.secure();
		int serverPort = line.serverPort();
		Boolean forwardedSecure = forwardedSecure(params.get("HTTP_X_FORWARDED_PROTO"));
		if (forwardedSecure != null) {
			secure = forwardedSecure;
			scheme = secure ? "https" : "http";
			serverPort = parsePort(params.get("HTTP_X_FORWARDED_PORT"), secure ? 443 : 80);
		}
		String serverName = line.serverName();
		String forwardedHost = hostName(params.get("HTTP_X_FORWARDED_HOST"));
		if (forwardedHost != null) {
			serverName = forwardedHost;
		}
		if (client == null && forwardedSecure == null && forwardedHost == null) {
			return line;
		}
		return new CgiRequest(line.method(), line.requestUri(), line.queryString(), line.path(), line.protocol(),
				scheme, secure, serverName, serverPort, remoteAddr, remoteHost, remotePort, line.localAddr(),
				line.localName(), line.localPort(), line.remoteUser(), line.authType());
	}

	/**
	 * The client address in an {@code X-Forwarded-For} value: walking right to left (at most
	 * {@value #MAX_FORWARDED_FOR_ENTRIES} entries), the first entry that is not a trusted proxy, or the last one
	 * looked at when all are. A port after an address ({@code 203.0.113.9:1234}, {@code [2001:db8::1]:1234}, as
	 * some load balancers send) is dropped. A malformed entry ends the walk at the last valid one.
	 * @param value the header value, or null
	 * @return the client address, or null when the header is absent or its last entry is malformed
	 */
	String clientAddress(String value) {
		if (value == null) {
			return null;
		}
		String client = null;
		int end = value.length();
		for (int hops = 0; hops < MAX_FORWARDED_FOR_ENTRIES && end >= 0; hops++) {
			int comma = value.lastIndexOf(',', end - 1);
			String entry = withoutPort(value.substring(comma + 1, end).trim());
			byte[] bytes = IpLiterals.parse(entry);
			if (bytes == null) {
				break;
			}
			client = IpLiterals.unbracket(entry);
			if (!isTrusted(bytes)) {
				break;
			}
			end = comma;
		}
		return client;
	}

	/** An IPv4 address or bracketed IPv6 address without a {@code :port} suffix; anything else unchanged. */
	private static String withoutPort(String entry) {
		if (entry.startsWith("[")) {
			int close = entry.indexOf(']');
			return (close > 0 && isPortSuffix(entry.substring(close + 1))) ? entry.substring(0, close + 1) : entry;
		}
		int colon = entry.indexOf(':');
		if (colon > 0 && colon == entry.lastIndexOf(':') && isPortSuffix(entry.substring(colon))) {
			return entry.substring(0, colon);
		}
		return entry;
	}

	/** TRUE for https, FALSE for http, null when absent or anything else. */
	private static Boolean forwardedSecure(String value) {
		if (value == null) {
			return null;
		}
		boolean allHttps = true;
		boolean any = false;
		for (String entry : value.split(",", -1)) {
			String proto = entry.trim();
			if (proto.equalsIgnoreCase("https")) {
				any = true;
			}
			else if (proto.equalsIgnoreCase("http")) {
				any = true;
				allHttps = false;
			}
			else {
				return null;
			}
		}
		return any ? allHttps : null;
	}

	/** The host name of an {@code X-Forwarded-Host} value without its port, or null when absent or invalid. */
	static String hostName(String value) {
		if (value == null) {
			return null;
		}
		String host = value.trim();
		int comma = host.indexOf(',');
		if (comma >= 0) {
			host = host.substring(0, comma).trim();
		}
		if (host.isEmpty()) {
			return null;
		}
		if (host.charAt(0) == '[') {
			int close = host.indexOf(']');
			if (close < 0 || IpLiterals.parse(host.substring(0, close + 1)) == null) {
				return null;
			}
			String rest = host.substring(close + 1);
			return (rest.isEmpty() || isPortSuffix(rest)) ? host.substring(0, close + 1) : null;
		}
		int colon = host.indexOf(':');
		String name = (colon >= 0) ? host.substring(0, colon) : host;
		if (colon >= 0 && !isPortSuffix(host.substring(colon))) {
			return null;
		}
		return isRegName(name) ? name : null;
	}

	private static boolean isPortSuffix(String suffix) {
		return suffix.length() > 1 && suffix.charAt(0) == ':' && parsePort(suffix.substring(1), -1) >= 0;
	}

	/** A host name: letters, digits, '-', '.', '_' (no spaces, slashes, '@' or control characters). */
	private static boolean isRegName(String name) {
		if (name.isEmpty() || name.length() > 255) {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
					|| c == '.' || c == '_';
			if (!ok) {
				return false;
			}
		}
		return true;
	}

	private static int parsePort(String value, int fallback) {
		if (value == null) {
			return fallback;
		}
		String text = value.trim();
		if (text.isEmpty() || text.length() > 5) {
			return fallback;
		}
		int port = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return fallback;
			}
			port = port * 10 + (c - '0');
		}
		return (port >= 1 && port <= 65535) ? port : fallback;
	}

	private void reportForwardedHeader(Map<String, String> params) {
		if (params.containsKey("HTTP_FORWARDED") && this.forwardedHeaderReported.compareAndSet(false, true)) {
			logger.warn("A trusted proxy sent the RFC 7239 'Forwarded' header, which "
					+ "server.forward-headers-strategy=native does not read (only X-Forwarded-For, -Proto, -Host and"
					+ " -Port). Have the proxy send X-Forwarded-* headers, or use"
					+ " server.forward-headers-strategy=framework. (Logged once.)");
		}
	}

	@Override
	public String toString() {
		return "ForwardedHeaders trusting " + this.trustedProxies;
	}

}
