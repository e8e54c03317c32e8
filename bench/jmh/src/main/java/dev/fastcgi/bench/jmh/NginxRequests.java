package dev.fastcgi.bench.jmh;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

/**
 * What nginx 1.22 sends for one request with the stock {@code fastcgi_params} and a browser-like set of headers:
 * about 30 params, in the record layout nginx uses (BEGIN_REQUEST with KEEP_CONN, all params in one PARAMS record,
 * the empty PARAMS record, STDIN records, the empty STDIN record).
 */
final class NginxRequests {

	static final int REQUEST_ID = 1;

	private NginxRequests() {
	}

	/** The params nginx sends for {@code method uri}, with a body of {@code contentLength} bytes (or none if 0). */
	static Map<String, String> params(String method, String uri, int contentLength) {
		Map<String, String> p = new LinkedHashMap<>();
		int query = uri.indexOf('?');
		String path = (query >= 0) ? uri.substring(0, query) : uri;
		p.put("QUERY_STRING", (query >= 0) ? uri.substring(query + 1) : "");
		p.put("REQUEST_METHOD", method);
		p.put("CONTENT_TYPE", (contentLength > 0) ? "application/octet-stream" : "");
		p.put("CONTENT_LENGTH", (contentLength > 0) ? Integer.toString(contentLength) : "");
		p.put("SCRIPT_NAME", path);
		p.put("REQUEST_URI", uri);
		p.put("DOCUMENT_URI", path);
		p.put("DOCUMENT_ROOT", "/usr/share/nginx/html");
		p.put("SERVER_PROTOCOL", "HTTP/1.1");
		p.put("REQUEST_SCHEME", "http");
		p.put("GATEWAY_INTERFACE", "CGI/1.1");
		p.put("SERVER_SOFTWARE", "nginx/1.22.1");
		p.put("REMOTE_ADDR", "127.0.0.1");
		p.put("REMOTE_PORT", "53422");
		p.put("REMOTE_USER", "");
		p.put("SERVER_ADDR", "127.0.0.1");
		p.put("SERVER_PORT", "8081");
		p.put("SERVER_NAME", "localhost");
		p.put("REDIRECT_STATUS", "200");
		p.put("HTTP_HOST", "localhost:8081");
		p.put("HTTP_USER_AGENT",
				"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
		p.put("HTTP_ACCEPT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
		p.put("HTTP_ACCEPT_LANGUAGE", "en-US,en;q=0.5");
		p.put("HTTP_ACCEPT_ENCODING", "gzip, deflate, br, zstd");
		p.put("HTTP_CONNECTION", "keep-alive");
		p.put("HTTP_COOKIE", "JSESSIONID=5A1F0C9E2B7D4E3F8A6B1C0D9E8F7A6B; theme=dark; lang=en");
		p.put("HTTP_UPGRADE_INSECURE_REQUESTS", "1");
		p.put("HTTP_SEC_FETCH_DEST", "document");
		p.put("HTTP_SEC_FETCH_MODE", "navigate");
		p.put("HTTP_CACHE_CONTROL", "max-age=0");
		if (contentLength > 0) {
			p.put("HTTP_CONTENT_TYPE", "application/octet-stream");
			p.put("HTTP_CONTENT_LENGTH", Integer.toString(contentLength));
		}
		return Collections.unmodifiableMap(p);
	}

	/** The PARAMS content (one record's worth) for {@code params}. */
	static byte[] paramsContent(Map<String, String> params) {
		byte[] content = NameValuePairs.encode(params);
		if (content.length > FastCgi.MAX_CONTENT_LENGTH) {
			throw new IllegalStateException("params do not fit one record");
		}
		return content;
	}

	/** The whole request on the wire: BEGIN, PARAMS, empty PARAMS, STDIN records of {@code body}, empty STDIN. */
	static byte[] wire(Map<String, String> params, byte[] body) {
		byte[] content = paramsContent(params);
		int length = RecordEncoder.recordLength(8) + RecordEncoder.recordLength(content.length)
				+ FastCgi.HEADER_LENGTH + RecordEncoder.streamLength(body.length, 32768) + FastCgi.HEADER_LENGTH;
		ByteBuffer out = ByteBuffer.allocate(length);
		RecordEncoder.writeBeginRequest(out, REQUEST_ID, Role.RESPONDER.code(), FastCgi.KEEP_CONN);
		RecordEncoder.writeRecord(out, RecordType.PARAMS, REQUEST_ID, content, 0, content.length);
		RecordEncoder.writeEmpty(out, RecordType.PARAMS, REQUEST_ID);
		// nginx cuts STDIN at its buffer size; 32 KiB is what a 64-bit nginx with default buffers tends to send
		RecordEncoder.writeStream(out, RecordType.STDIN, REQUEST_ID, body, 0, body.length, 32768);
		RecordEncoder.writeEmpty(out, RecordType.STDIN, REQUEST_ID);
		if (out.hasRemaining()) {
			throw new IllegalStateException("length miscomputed: " + out.remaining() + " bytes left");
		}
		return out.array();
	}

}
