package dev.fastcgi.servlet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code application/x-www-form-urlencoded} text (query strings and form bodies) into parameters, decoding
 * with a given charset. The input is a string whose chars are bytes (ISO-8859-1), as the web server sent them.
 * Malformed escapes are kept literally rather than dropping the parameter.
 */
final class FormParser {

	private FormParser() {
	}

	/**
	 * Parses and adds the parameters to a map, in order.
	 * @param raw the raw text
	 * @param charset the charset the escapes encode
	 * @param into the map to add to
	 * @param maxCount the most parameters allowed in total in the map
	 * @throws BadRequestException when there are more parameters than allowed
	 */
	static void parse(String raw, Charset charset, Map<String, List<String>> into, int maxCount) {
		int count = 0;
		for (List<String> values : into.values()) {
			count += values.size();
		}
		int start = 0;
		int length = raw.length();
		while (start < length) {
			int end = raw.indexOf('&', start);
			if (end < 0) {
				end = length;
			}
			if (end > start) {
				int equals = raw.indexOf('=', start);
				String name;
				String value;
				if (equals < 0 || equals > end) {
					name = decode(raw, start, end, charset);
					value = "";
				}
				else {
					name = decode(raw, start, equals, charset);
					value = decode(raw, equals + 1, end, charset);
				}
				if (!name.isEmpty()) {
					if (++count > maxCount) {
						throw new BadRequestException(400, "Request parameter count exceeds the maximum parameter count ("
								+ maxCount + ")");
					}
					into.computeIfAbsent(name, (key) -> new ArrayList<>(1)).add(value);
				}
			}
			start = end + 1;
		}
	}

	/** Decodes {@code +} and {@code %XX} in a range of raw text. */
	static String decode(String raw, int from, int to, Charset charset) {
		boolean plain = true;
		for (int i = from; i < to; i++) {
			char c = raw.charAt(i);
			if (c == '%' || c == '+' || c >= 0x80) {
				plain = false;
				break;
			}
		}
		if (plain) {
			return raw.substring(from, to);
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
		for (int i = from; i < to; i++) {
			char c = raw.charAt(i);
			if (c == '+') {
				bytes.write(' ');
			}
			else if (c == '%' && i + 2 < to && Character.digit(raw.charAt(i + 1), 16) >= 0 && Character.digit(raw.charAt(i + 2), 16) >= 0) {
				bytes.write((Character.digit(raw.charAt(i + 1), 16) << 4) | Character.digit(raw.charAt(i + 2), 16));
				i += 2;
			}
			else {
				bytes.write(c & 0xFF);
			}
		}
		return bytes.toString(charset);
	}

}
