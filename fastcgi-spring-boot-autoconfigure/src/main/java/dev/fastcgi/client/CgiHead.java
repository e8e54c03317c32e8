package dev.fastcgi.client;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The header block of a CGI response (RFC 3875 section 6): status from the {@code Status:} header (200 when absent,
 * 302 when absent but {@code Location:} is present, as nginx does), the reason phrase and all header lines.
 *
 * @param status the HTTP status code
 * @param reason the reason phrase ("" if the Status header had none)
 * @param headers every header line, {@code Status} included
 * @param length the bytes the header block took in stdout, blank line included
 */
public record CgiHead(int status, String reason, CgiHeaders headers, int length) {

	/**
	 * Parses the header block at the start of {@code stdout[0, limit)}.
	 * @return the head, or null if the blank line ending it is not there yet
	 * @throws IllegalArgumentException on a line without a colon or a bad Status value
	 */
	public static CgiHead parse(byte[] stdout, int limit) {
		List<Map.Entry<String, String>> lines = new ArrayList<>();
		int start = 0;
		while (true) {
			int newline = indexOf(stdout, (byte) '\n', start, limit);
			if (newline < 0) {
				return null;
			}
			int end = (newline > start && stdout[newline - 1] == '\r') ? newline - 1 : newline;
			if (end == start) {
				return create(lines, newline + 1);
			}
			String line = new String(stdout, start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1);
			int colon = line.indexOf(':');
			if (colon <= 0) {
				throw new IllegalArgumentException("CGI header line without a name and colon: '" + line + "'");
			}
			lines.add(new AbstractMap.SimpleImmutableEntry<>(line.substring(0, colon).trim(),
					line.substring(colon + 1).trim()));
			start = newline + 1;
		}
	}

	/** Parses the header block of a whole stdout. */
	public static CgiHead parse(byte[] stdout) {
		return parse(stdout, stdout.length);
	}

	private static CgiHead create(List<Map.Entry<String, String>> lines, int length) {
		CgiHeaders headers = new CgiHeaders(lines);
		String statusLine = headers.get("Status");
		if (statusLine == null) {
			return headers.contains("Location") ? new CgiHead(302, "Found", headers, length)
					: new CgiHead(200, "OK", headers, length);
		}
		int space = statusLine.indexOf(' ');
		String code = (space < 0) ? statusLine : statusLine.substring(0, space);
		try {
			int status = Integer.parseInt(code);
			if (status < 100 || status > 999) {
				throw new NumberFormatException();
			}
			return new CgiHead(status, (space < 0) ? "" : statusLine.substring(space + 1).trim(), headers, length);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("CGI Status header '" + statusLine + "' has no 3-digit status code");
		}
	}

	static int indexOf(byte[] bytes, byte b, int from, int limit) {
		for (int i = from; i < limit; i++) {
			if (bytes[i] == b) {
				return i;
			}
		}
		return -1;
	}

}
