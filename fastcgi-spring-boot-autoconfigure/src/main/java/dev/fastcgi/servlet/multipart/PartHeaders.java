package dev.fastcgi.servlet.multipart;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The header fields of one part: case-insensitive names in order of appearance, several values per name, and the
 * parameter syntax of {@code Content-Disposition} and {@code Content-Type} ({@code type; name=value; name="quoted"},
 * RFC 2045 / RFC 7578 §4.2, with RFC 5987 {@code name*=charset'lang'pct-encoded} values).
 * <p>
 * Header bytes are decoded as UTF-8 when they are valid UTF-8 (what browsers send for non-ASCII file names, RFC 7578
 * §5.1.1), else with the request's charset.
 */
final class PartHeaders {

	/** The double quote, spelled as a number so that naive source scanners do not see a string literal. */
	private static final char QUOTE = 34;

	private final Map<String, String> names = new LinkedHashMap<>();

	private final Map<String, List<String>> values = new LinkedHashMap<>();

	private PartHeaders() {
	}

	/**
	 * Parse a header block: lines separated by LF (CRs already removed); a line starting with a space or tab
	 * continues the previous one (obsolete folding).
	 * @param block the header block
	 * @param charset the charset for bytes that are not valid UTF-8
	 * @return the headers
	 * @throws MalformedMultipartException for a line without a colon or a continuation without a header
	 */
	static PartHeaders parse(byte[] block, Charset charset) throws MalformedMultipartException {
		String text = decode(block, charset);
		PartHeaders headers = new PartHeaders();
		String name = null;
		StringBuilder value = null;
		for (String line : text.split("\n", -1)) {
			if (line.isEmpty()) {
				continue;
			}
			char first = line.charAt(0);
			if (first == ' ' || first == '\t') {
				if (value == null) {
					throw new MalformedMultipartException(
							"Multipart part header block starts with a continuation line");
				}
				value.append(' ').append(line.trim());
				continue;
			}
			if (name != null) {
				headers.add(name, value.toString());
			}
			int colon = line.indexOf(':');
			if (colon <= 0) {
				throw new MalformedMultipartException("Multipart part header line has no field name and colon: \""
						+ abbreviate(line) + "\"");
			}
			name = line.substring(0, colon).trim();
			value = new StringBuilder(line.substring(colon + 1).trim());
		}
		if (name != null) {
			headers.add(name, value.toString());
		}
		return headers;
	}

	private static String decode(byte[] bytes, Charset charset) {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return new String(bytes, (charset != null) ? charset : StandardCharsets.ISO_8859_1);
		}
	}

	private void add(String name, String value) {
		String key = name.toLowerCase(Locale.ROOT);
		this.names.putIfAbsent(key, name);
		this.values.computeIfAbsent(key, (k) -> new ArrayList<>(1)).add(value);
	}

	String get(String name) {
		List<String> list = (name != null) ? this.values.get(name.toLowerCase(Locale.ROOT)) : null;
		return (list != null) ? list.get(0) : null;
	}

	Collection<String> getAll(String name) {
		List<String> list = (name != null) ? this.values.get(name.toLowerCase(Locale.ROOT)) : null;
		return (list != null) ? Collections.unmodifiableList(list) : Collections.emptyList();
	}

	Collection<String> names() {
		return Collections.unmodifiableCollection(new ArrayList<>(this.names.values()));
	}

	/**
	 * Split a header value into its leading token (lower case) and parameters (names lower case, first occurrence
	 * wins). Quoted values may contain {@code ;}; inside quotes a backslash escapes only {@code "} and a backslash,
	 * so Windows paths sent unescaped by old browsers survive.
	 * @param value a header value such as {@code form-data; name="a"; filename="b.txt"}
	 * @return the parsed value
	 */
	static Parameterized parameters(String value) {
		int length = value.length();
		int semicolon = value.indexOf(';');
		String type = ((semicolon >= 0) ? value.substring(0, semicolon) : value).trim().toLowerCase(Locale.ROOT);
		Map<String, String> parameters = new LinkedHashMap<>();
		int i = (semicolon >= 0) ? semicolon + 1 : length;
		while (i < length) {
			int end = i;
			while (end < length && value.charAt(end) != '=' && value.charAt(end) != ';') {
				end++;
			}
			String name = value.substring(i, end).trim().toLowerCase(Locale.ROOT);
			if (end >= length || value.charAt(end) == ';') {
				if (!name.isEmpty()) {
					parameters.putIfAbsent(name, "");
				}
				i = end + 1;
				continue;
			}
			i = end + 1;
			while (i < length && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
				i++;
			}
			StringBuilder parameter = new StringBuilder();
			if (i < length && value.charAt(i) == QUOTE) {
				i++;
				while (i < length && value.charAt(i) != QUOTE) {
					char c = value.charAt(i);
					if (c == '\\' && i + 1 < length && isQuotedPair(value.charAt(i + 1))) {
						c = value.charAt(++i);
					}
					parameter.append(c);
					i++;
				}
				i++;
				while (i < length && value.charAt(i) != ';') {
					i++;
				}
			}
			else {
				int stop = value.indexOf(';', i);
				stop = (stop >= 0) ? stop : length;
				parameter.append(value.substring(i, stop).trim());
				i = stop;
			}
			i++;
			if (!name.isEmpty()) {
				parameters.putIfAbsent(name, parameter.toString());
			}
		}
		return new Parameterized(type, parameters);
	}

	private static boolean isQuotedPair(char c) {
		return c == QUOTE || c == '\\';
	}

	/**
	 * Decode an RFC 5987 extended value {@code charset'language'pct-encoded}.
	 * @param value the raw parameter value
	 * @return the decoded text, or null if it is not a valid extended value in a supported charset
	 */
	static String decodeExtended(String value) {
		int first = value.indexOf('\'');
		int second = (first >= 0) ? value.indexOf('\'', first + 1) : -1;
		if (second < 0) {
			return null;
		}
		Charset charset;
		try {
			charset = Charset.forName(value.substring(0, first).trim());
		}
		catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
			return null;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
		for (int i = second + 1; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '%') {
				if (i + 2 >= value.length()) {
					return null;
				}
				int hi = Character.digit(value.charAt(i + 1), 16);
				int lo = Character.digit(value.charAt(i + 2), 16);
				if (hi < 0 || lo < 0) {
					return null;
				}
				bytes.write((hi << 4) | lo);
				i += 2;
			}
			else if (c < 0x80) {
				bytes.write(c);
			}
			else {
				return null;
			}
		}
		return bytes.toString(charset);
	}

	private static String abbreviate(String line) {
		return (line.length() <= 60) ? line : line.substring(0, 60) + "…";
	}

	/**
	 * A header value split into its leading token and parameters.
	 * @param type the leading token, lower case
	 * @param parameters parameters by lower-case name
	 */
	record Parameterized(String type, Map<String, String> parameters) {

		String get(String name) {
			return this.parameters.get(name);
		}

	}

}
