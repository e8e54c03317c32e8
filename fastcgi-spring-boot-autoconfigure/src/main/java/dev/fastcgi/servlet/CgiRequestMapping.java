package dev.fastcgi.servlet;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pure mapping from CGI/1.1 params (as a FastCGI web server sends them) to the parts of an HTTP request line
 * the servlet request needs: method, URI, path for mapping, query, protocol, scheme, server, client and local
 * addresses, authenticated user. No I/O and no state, so it is table-tested against nginx, Apache, lighttpd and
 * HAProxy param sets.
 * <p>
 * Param values arrive as ISO-8859-1 strings holding the raw bytes; text that is UTF-8 on the wire (the URI path) is
 * re-decoded here.
 */
public final class CgiRequestMapping {

	/** How many header names {@link #paramName} remembers (the application's own, mostly constants). */
	private static final int PARAM_NAMES_KEPT = 256;

	/** Header name, as asked for, to its param name: most requests ask for the same dozen headers. */
	private static final Map<String, String> PARAM_NAMES = new ConcurrentHashMap<>();

	private CgiRequestMapping() {
	}

	/**
	 * The mapped request line and connection data.
	 * @param method the HTTP method ({@code GET} if absent)
	 * @param requestUri the raw (still percent-encoded) request URI without the query, as sent by the client
	 * @param queryString the raw query string, or null if none
	 * @param path the decoded, normalized path used for servlet mapping and security checks, or null when the URI
	 * is malformed or tries to escape the root (the container answers 400)
	 * @param protocol the protocol, e.g. {@code HTTP/1.1}, {@code HTTP/2.0}
	 * @param scheme {@code http} or {@code https}
	 * @param secure whether the request came over TLS to the web server
	 * @param serverName the host name the client asked for (Host header first, then SERVER_NAME)
	 * @param serverPort the port the client connected to (Host header port, then SERVER_PORT, then the scheme's)
	 * @param remoteAddr the client address
	 * @param remoteHost the client host name (REMOTE_HOST, else the address)
	 * @param remotePort the client port, or 0 if unknown
	 * @param localAddr the address the web server accepted the client on
	 * @param localName the local host name (SERVER_NAME)
	 * @param localPort the port the web server accepted the client on
	 * @param remoteUser the user the web server authenticated, or null
	 * @param authType the web server's authentication scheme, or null
	 */
	public record CgiRequest(String method, String requestUri, String queryString, String path, String protocol,
			String scheme, boolean secure, String serverName, int serverPort, String remoteAddr, String remoteHost,
			int remotePort, String localAddr, String localName, int localPort, String remoteUser, String authType) {
	}

	/**
	 * Maps params to a request.
	 * @param params the CGI params
	 * @param peer the web server's address, used only when REMOTE_ADDR is absent (may be null)
	 * @param local the local address of the FastCGI connection, used only when SERVER_ADDR is absent (may be null)
	 * @return the request line
	 */
	public static CgiRequest map(Map<String, String> params, SocketAddress peer, SocketAddress local) {
		String method = orDefault(params.get("REQUEST_METHOD"), "GET");
		String rawUri;
		String query;
		String requestUri = params.get("REQUEST_URI");
		if (requestUri != null && !requestUri.isEmpty()) {
			requestUri = stripSchemeAndAuthority(requestUri);
			int q = requestUri.indexOf('?');
			rawUri = (q >= 0) ? requestUri.substring(0, q) : requestUri;
			query = (q >= 0) ? requestUri.substring(q + 1) : null;
		}
		else {
			String script = orDefault(params.get("SCRIPT_NAME"), "");
			String pathInfo = orDefault(params.get("PATH_INFO"), "");
			rawUri = encodePath(utf8(script + pathInfo));
			if (rawUri.isEmpty()) {
				rawUri = "/";
			}
			query = params.get("QUERY_STRING");
		}
		if (query != null && query.isEmpty()) {
			query = null;
		}
		String protocol = orDefault(params.get("SERVER_PROTOCOL"), "HTTP/1.1");
		String https = params.get("HTTPS");
		String requestScheme = params.get("REQUEST_SCHEME");
		boolean secure = (https != null) ? ("on".equalsIgnoreCase(https) || "1".equals(https))
				: "https".equalsIgnoreCase(requestScheme);
		String scheme = secure ? "https" : "http";
		int defaultPort = secure ? 443 : 80;
		String localName = params.get("SERVER_NAME");
		int localPort = parsePort(params.get("SERVER_PORT"), -1);
		String localAddr = params.get("SERVER_ADDR");
		if (localAddr == null && local instanceof InetSocketAddress inet) {
			localAddr = inet.getAddress().getHostAddress();
			if (localPort < 0) {
				localPort = inet.getPort();
			}
		}
		if (localPort < 0) {
			localPort = defaultPort;
		}
		String serverName;
		int serverPort;
		String host = params.get("HTTP_HOST");
		if (host != null && !host.isEmpty()) {
			int colon = portColon(host);
			serverName = (colon >= 0) ? host.substring(0, colon) : host;
			serverPort = (colon >= 0) ? parsePort(host.substring(colon + 1), defaultPort) : defaultPort;
		}
		else {
			serverName = (localName != null) ? localName : orDefault(localAddr, "localhost");
			serverPort = localPort;
		}
		String remoteAddr = params.get("REMOTE_ADDR");
		int remotePort = parsePort(params.get("REMOTE_PORT"), 0);
		if (remoteAddr == null && peer instanceof InetSocketAddress inet) {
			remoteAddr = inet.getAddress().getHostAddress();
			remotePort = inet.getPort();
		}
		remoteAddr = orDefault(remoteAddr, "127.0.0.1");
		String remoteHost = orDefault(params.get("REMOTE_HOST"), remoteAddr);
		String remoteUser = emptyToNull(params.get("REMOTE_USER"));
		String authType = emptyToNull(params.get("AUTH_TYPE"));
		return new CgiRequest(method, rawUri, query, normalizePath(rawUri), protocol, scheme, secure, serverName,
				serverPort, remoteAddr, remoteHost, remotePort, orDefault(localAddr, "127.0.0.1"),
				orDefault(localName, serverName), localPort, (remoteUser != null) ? utf8(remoteUser) : null, authType);
	}

	/**
	 * Decodes and normalizes a raw URI path for mapping: path parameters ({@code ;jsessionid=...}) are removed from
	 * every segment, percent escapes decoded as UTF-8, repeated slashes collapsed, {@code .} and {@code ..} segments
	 * resolved.
	 * @param rawPath the raw path, starting with {@code /}
	 * @return the normalized path, or null when the path is malformed (bad escape or UTF-8, an encoded {@code /},
	 * {@code \0}) or {@code ..} would leave the root
	 */
	public static String normalizePath(String rawPath) {
		if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
			return null;
		}
		if (isSimple(rawPath)) {
			return rawPath;
		}
		String decoded = decodePath(stripPathParameters(rawPath));
		return (decoded != null) ? removeDotSegments(decoded) : null;
	}

	/** Whether the path needs no decoding or normalization (the common case, checked in one pass). */
	private static boolean isSimple(String path) {
		char previous = 0;
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if (c == '%' || c == ';' || c >= 0x80 || c == 0 || (c == '/' && previous == '/')
					|| (c == '.' && previous == '/')) {
				return false;
			}
			previous = c;
		}
		return true;
	}

	/** Removes {@code ;params} from every segment of a raw path. */
	static String stripPathParameters(String rawPath) {
		int semicolon = rawPath.indexOf(';');
		if (semicolon < 0) {
			return rawPath;
		}
		StringBuilder result = new StringBuilder(rawPath.length());
		int i = 0;
		while (semicolon >= 0) {
			result.append(rawPath, i, semicolon);
			int slash = rawPath.indexOf('/', semicolon);
			if (slash < 0) {
				return result.toString();
			}
			i = slash;
			semicolon = rawPath.indexOf(';', i);
		}
		result.append(rawPath, i, rawPath.length());
		return result.toString();
	}

	/** Percent-decodes as UTF-8; null on a malformed escape, invalid UTF-8, {@code %2F} or a NUL byte. */
	private static String decodePath(String raw) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
		for (int i = 0; i < raw.length(); i++) {
			int c = raw.charAt(i);
			if (c == '%') {
				if (i + 2 >= raw.length()) {
					return null;
				}
				int hi = Character.digit(raw.charAt(i + 1), 16);
				int lo = Character.digit(raw.charAt(i + 2), 16);
				if (hi < 0 || lo < 0) {
					return null;
				}
				c = (hi << 4) | lo;
				if (c == '/' || c == '\\') {
					return null;
				}
				i += 2;
			}
			if (c == 0 || c > 0xFF) {
				return null;
			}
			bytes.write(c);
		}
		return decodeUtf8Strict(bytes.toByteArray());
	}

	private static String decodeUtf8Strict(byte[] bytes) {
		CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
			.onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT);
		try {
			CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes));
			return chars.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	/** RFC 3986 5.2.4 on a decoded path, also collapsing empty segments; null if {@code ..} leaves the root. */
	static String removeDotSegments(String path) {
		String[] segments = path.split("/", -1);
		String[] out = new String[segments.length];
		int depth = 0;
		boolean trailingSlash = false;
		for (int i = 1; i < segments.length; i++) {
			String segment = segments[i];
			boolean last = (i == segments.length - 1);
			if (segment.isEmpty() || segment.equals(".")) {
				trailingSlash = last;
			}
			else if (segment.equals("..")) {
				if (depth == 0) {
					return null;
				}
				depth--;
				trailingSlash = last;
			}
			else {
				out[depth++] = segment;
				trailingSlash = false;
			}
		}
		StringBuilder result = new StringBuilder(path.length());
		for (int i = 0; i < depth; i++) {
			result.append('/').append(out[i]);
		}
		if (trailingSlash || depth == 0) {
			result.append('/');
		}
		return result.toString();
	}

	/**
	 * Re-decodes an ISO-8859-1 string holding raw bytes as UTF-8 (unchanged if it is ASCII or not valid UTF-8).
	 * @param latin1 the param value
	 * @return the UTF-8 text
	 */
	public static String utf8(String latin1) {
		for (int i = 0; i < latin1.length(); i++) {
			if (latin1.charAt(i) >= 0x80) {
				String decoded = decodeUtf8Strict(latin1.getBytes(StandardCharsets.ISO_8859_1));
				return (decoded != null) ? decoded : latin1;
			}
		}
		return latin1;
	}

	/**
	 * The HTTP header name for a CGI param name ({@code HTTP_ACCEPT_LANGUAGE} → {@code Accept-Language}), or null
	 * if the param is not a header.
	 * @param param the param name
	 * @return the header name or null
	 */
	public static String headerName(String param) {
		if (param.equals("CONTENT_TYPE")) {
			return "Content-Type";
		}
		if (param.equals("CONTENT_LENGTH")) {
			return "Content-Length";
		}
		if (!param.startsWith("HTTP_") || param.length() == 5) {
			return null;
		}
		StringBuilder name = new StringBuilder(param.length() - 5);
		boolean upper = true;
		for (int i = 5; i < param.length(); i++) {
			char c = param.charAt(i);
			if (c == '_') {
				name.append('-');
				upper = true;
			}
			else {
				name.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
				upper = false;
			}
		}
		return name.toString();
	}

	/**
	 * The CGI param name carrying an HTTP header ({@code Accept-Language} → {@code HTTP_ACCEPT_LANGUAGE}).
	 * @param header the header name, any case
	 * @return the param name
	 */
	public static String paramName(String header) {
		String known = PARAM_NAMES.get(header);
		if (known != null) {
			return known;
		}
		String name = composeParamName(header);
		if (PARAM_NAMES.size() < PARAM_NAMES_KEPT) {
			PARAM_NAMES.putIfAbsent(header, name);
		}
		return name;
	}

	private static String composeParamName(String header) {
		if (header.equalsIgnoreCase("Content-Type")) {
			return "CONTENT_TYPE";
		}
		if (header.equalsIgnoreCase("Content-Length")) {
			return "CONTENT_LENGTH";
		}
		char[] chars = new char[header.length() + 5];
		chars[0] = 'H';
		chars[1] = 'T';
		chars[2] = 'T';
		chars[3] = 'P';
		chars[4] = '_';
		for (int i = 0; i < header.length(); i++) {
			char c = header.charAt(i);
			chars[i + 5] = (c == '-') ? '_' : (c >= 'a' && c <= 'z') ? (char) (c - 32) : c;
		}
		return new String(chars);
	}

	private static String stripSchemeAndAuthority(String uri) {
		if (uri.charAt(0) == '/') {
			return uri;
		}
		int scheme = uri.indexOf("://");
		if (scheme > 0 && scheme < 8) {
			int slash = uri.indexOf('/', scheme + 3);
			return (slash >= 0) ? uri.substring(slash) : "/";
		}
		return uri;
	}

	private static String encodePath(String path) {
		StringBuilder result = null;
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
					|| "/-._~!$&'()*+,;=:@".indexOf(c) >= 0;
			if (!safe && result == null) {
				result = new StringBuilder(path.length() + 16).append(path, 0, i);
			}
			if (result != null) {
				if (safe) {
					result.append(c);
				}
				else {
					for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
						result.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
							.append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
					}
				}
			}
		}
		return (result != null) ? result.toString() : path;
	}

	/** Index of the colon before a port in a Host value (IPv6 literals in brackets), or -1. */
	private static int portColon(String host) {
		int colon = host.lastIndexOf(':');
		if (colon < 0) {
			return -1;
		}
		int bracket = host.lastIndexOf(']');
		return (bracket > colon) ? -1 : colon;
	}

	private static int parsePort(String value, int fallback) {
		if (value == null || value.isEmpty() || value.length() > 5) {
			return fallback;
		}
		int port = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return fallback;
			}
			port = port * 10 + (c - '0');
		}
		return (port <= 65535) ? port : fallback;
	}

	private static String orDefault(String value, String fallback) {
		return (value != null) ? value : fallback;
	}

	private static String emptyToNull(String value) {
		return (value == null || value.isEmpty()) ? null : value;
	}

}
