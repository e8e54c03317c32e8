package dev.fastcgi.interop.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a plain socket, for talking to the web servers in interop tests with exact bytes:
 * send any request text, read responses (Content-Length, chunked, or until close) on one kept-alive connection, or
 * read a body incrementally to see streamed output arrive before the response ends.
 */
public final class RawHttpClient implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private final int port;

	private RawHttpClient(Socket socket, int port) throws IOException {
		this.socket = socket;
		this.port = port;
		this.in = new BufferedInputStream(socket.getInputStream());
		this.out = socket.getOutputStream();
	}

	/** Connects to 127.0.0.1:{@code port} with a 30 s read timeout. */
	public static RawHttpClient connect(int port) throws IOException {
		return connect(port, Duration.ofSeconds(30));
	}

	/** Connects to 127.0.0.1:{@code port}. */
	public static RawHttpClient connect(int port, Duration readTimeout) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		socket.setSoTimeout((int) readTimeout.toMillis());
		return new RawHttpClient(socket, port);
	}

	/** One GET with {@code Connection: close}. */
	public static HttpResponse get(int port, String path) throws IOException {
		return request(port, "GET", path, Map.of(), null);
	}

	/** One request with {@code Connection: close}; a non-null body gets a Content-Length. */
	public static HttpResponse request(int port, String method, String path, Map<String, String> headers,
			byte[] body) throws IOException {
		try (RawHttpClient client = connect(port)) {
			Map<String, String> all = new LinkedHashMap<>(headers);
			all.put("Connection", "close");
			client.send(method, path, all, body);
			return client.readResponse(method.equals("HEAD"));
		}
	}

	/** Sends raw bytes and reads everything until the server closes. */
	public static byte[] exchangeRaw(int port, byte[] request) throws IOException {
		try (RawHttpClient client = connect(port)) {
			client.out.write(request);
			client.out.flush();
			return client.in.readAllBytes();
		}
	}

	/** Sends a request (Host added); a non-null body gets a Content-Length unless a header says otherwise. */
	public void send(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
		StringBuilder head = new StringBuilder();
		head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
		head.append("Host: 127.0.0.1:").append(this.port).append("\r\n");
		boolean hasLength = false;
		for (Map.Entry<String, String> header : headers.entrySet()) {
			head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
			String name = header.getKey().toLowerCase(Locale.ROOT);
			hasLength |= name.equals("content-length") || name.equals("transfer-encoding");
		}
		if (body != null && !hasLength) {
			head.append("Content-Length: ").append(body.length).append("\r\n");
		}
		head.append("\r\n");
		this.out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
		if (body != null) {
			this.out.write(body);
		}
		this.out.flush();
	}

	/** Sends raw bytes as they are. */
	public void sendRaw(byte[] bytes) throws IOException {
		this.out.write(bytes);
		this.out.flush();
	}

	/** The socket's output, to stream a request body. */
	public OutputStream output() {
		return this.out;
	}

	/** Reads a whole response (for a HEAD request pass true: no body follows). */
	public HttpResponse readResponse(boolean head) throws IOException {
		HttpHead httpHead = readHead();
		byte[] body = head ? new byte[0] : body(httpHead).readAllBytes();
		return new HttpResponse(httpHead.status(), httpHead.statusLine(), httpHead.headers(), body);
	}

	/** Reads a whole response to a non-HEAD request. */
	public HttpResponse readResponse() throws IOException {
		return readResponse(false);
	}

	/** Reads the status line and headers (skipping 1xx responses). */
	public HttpHead readHead() throws IOException {
		while (true) {
			String statusLine = readLine();
			String[] parts = statusLine.split(" ", 3);
			if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
				throw new IOException("not an HTTP status line: '" + statusLine + "'");
			}
			Map<String, List<String>> headers = new LinkedHashMap<>();
			String line;
			while (!(line = readLine()).isEmpty()) {
				int colon = line.indexOf(':');
				headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
						(k) -> new ArrayList<>()).add(line.substring(colon + 1).trim());
			}
			int status = Integer.parseInt(parts[1]);
			if (status >= 200 || status == 101) {
				return new HttpHead(status, statusLine, headers);
			}
		}
	}

	/**
	 * The body of the response whose head was just read, decoded (chunked or Content-Length or until close), as a
	 * stream that returns bytes as soon as they arrive.
	 */
	public InputStream body(HttpHead head) {
		String transferEncoding = head.header("transfer-encoding");
		if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
			return new ChunkedInputStream();
		}
		String length = head.header("content-length");
		if (length != null) {
			return new LimitedInputStream(Long.parseLong(length));
		}
		if (head.status() == 204 || head.status() == 304) {
			return InputStream.nullInputStream();
		}
		return this.in;
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	private String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = this.in.read()) != '\n') {
			if (b < 0) {
				throw new EOFException("connection closed in a header line: '" + line + "'");
			}
			line.write(b);
		}
		String text = line.toString(StandardCharsets.ISO_8859_1);
		return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
	}

	/** The head of a response; header names lower-cased. */
	public record HttpHead(int status, String statusLine, Map<String, List<String>> headers) {

		/** The first value of a header, or null. */
		public String header(String name) {
			List<String> values = this.headers.get(name.toLowerCase(Locale.ROOT));
			return (values != null) ? values.get(0) : null;
		}

	}

	/** A whole response; header names lower-cased. */
	public record HttpResponse(int status, String statusLine, Map<String, List<String>> headers, byte[] body) {

		/** The first value of a header, or null. */
		public String header(String name) {
			List<String> values = this.headers.get(name.toLowerCase(Locale.ROOT));
			return (values != null) ? values.get(0) : null;
		}

		/** The body as UTF-8. */
		public String bodyAsString() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

		@Override
		public String toString() {
			return this.statusLine + " " + this.headers + " (" + this.body.length + " body bytes)";
		}

	}

	private final class LimitedInputStream extends InputStream {

		private long left;

		LimitedInputStream(long length) {
			this.left = length;
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) < 0) ? -1 : (one[0] & 0xFF);
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			if (this.left == 0) {
				return -1;
			}
			int n = RawHttpClient.this.in.read(b, off, (int) Math.min(len, this.left));
			if (n < 0) {
				throw new EOFException("connection closed with " + this.left + " body bytes missing");
			}
			this.left -= n;
			return n;
		}

	}

	private final class ChunkedInputStream extends InputStream {

		private long chunkLeft;

		private boolean done;

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) < 0) ? -1 : (one[0] & 0xFF);
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			if (this.done) {
				return -1;
			}
			if (this.chunkLeft == 0) {
				String size = readLine();
				int semicolon = size.indexOf(';');
				this.chunkLeft = Long.parseLong((semicolon >= 0) ? size.substring(0, semicolon).trim() : size.trim(),
						16);
				if (this.chunkLeft == 0) {
					while (!readLine().isEmpty()) {
						// trailers
					}
					this.done = true;
					return -1;
				}
			}
			int n = RawHttpClient.this.in.read(b, off, (int) Math.min(len, this.chunkLeft));
			if (n < 0) {
				throw new EOFException("connection closed inside a chunk");
			}
			this.chunkLeft -= n;
			if (this.chunkLeft == 0) {
				readLine();
			}
			return n;
		}

	}

}
