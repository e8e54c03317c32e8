package dev.fastcgi.servlet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed CGI response (as a web server reads it from FCGI_STDOUT): status, headers in order, body.
 *
 * @param status the status code from the Status line
 * @param statusLine the whole Status header value
 * @param headerNames header names in order (excluding Status)
 * @param headerValues header values in order
 * @param body the body bytes
 * @param raw the whole output
 */
record CgiResponse(int status, String statusLine, List<String> headerNames, List<String> headerValues, byte[] body,
		String raw) {

	static CgiResponse parse(byte[] bytes) {
		String raw = new String(bytes, StandardCharsets.ISO_8859_1);
		int end = raw.indexOf("\r\n\r\n");
		if (end < 0) {
			throw new IllegalStateException("No header block in output: " + raw);
		}
		String[] lines = raw.substring(0, end).split("\r\n");
		if (!lines[0].startsWith("Status: ")) {
			throw new IllegalStateException("First line is not a Status header: " + lines[0]);
		}
		String statusLine = lines[0].substring(8);
		int status = Integer.parseInt(statusLine.split(" ")[0]);
		List<String> names = new ArrayList<>();
		List<String> values = new ArrayList<>();
		for (int i = 1; i < lines.length; i++) {
			int colon = lines[i].indexOf(':');
			names.add(lines[i].substring(0, colon));
			values.add(lines[i].substring(colon + 1).trim());
		}
		byte[] body = new byte[bytes.length - end - 4];
		System.arraycopy(bytes, end + 4, body, 0, body.length);
		return new CgiResponse(status, statusLine, names, values, body, raw);
	}

	String header(String name) {
		for (int i = 0; i < this.headerNames.size(); i++) {
			if (this.headerNames.get(i).equalsIgnoreCase(name)) {
				return this.headerValues.get(i);
			}
		}
		return null;
	}

	List<String> headers(String name) {
		List<String> result = new ArrayList<>();
		for (int i = 0; i < this.headerNames.size(); i++) {
			if (this.headerNames.get(i).equalsIgnoreCase(name)) {
				result.add(this.headerValues.get(i));
			}
		}
		return result;
	}

	List<String> lowerCaseHeaderNames() {
		return this.headerNames.stream().map((name) -> name.toLowerCase(Locale.ROOT)).toList();
	}

	String bodyText() {
		return new String(this.body, StandardCharsets.UTF_8);
	}

}
