package dev.fastcgi.servlet.multipart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Test helper building multipart bodies byte by byte, and streams that deliver them in chunks.
 */
final class MultipartBody {

	static final String BOUNDARY = "----FastCgiFormBoundary7MA4YWxkTrZu0gW";

	static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;

	private final String boundary;

	private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

	MultipartBody() {
		this(BOUNDARY);
	}

	MultipartBody(String boundary) {
		this.boundary = boundary;
	}

	MultipartBody raw(String text) {
		return raw(text.getBytes(StandardCharsets.UTF_8));
	}

	MultipartBody raw(byte[] data) {
		this.bytes.writeBytes(data);
		return this;
	}

	/** Opening delimiter line for the first part (no leading CRLF). */
	MultipartBody first() {
		return raw("--" + this.boundary + "\r\n");
	}

	/** Delimiter line between parts. */
	MultipartBody next() {
		return raw("\r\n--" + this.boundary + "\r\n");
	}

	MultipartBody close() {
		return raw("\r\n--" + this.boundary + "--");
	}

	MultipartBody field(String name, String value) {
		return raw("Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value);
	}

	MultipartBody file(String name, String fileName, String contentType, byte[] content) {
		raw("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + fileName + "\"\r\n"
				+ "Content-Type: " + contentType + "\r\n\r\n");
		return raw(content);
	}

	/** A well-formed body of the given fields (name, value pairs). */
	static byte[] fields(List<String[]> fields) {
		MultipartBody body = new MultipartBody();
		for (int i = 0; i < fields.size(); i++) {
			if (i == 0) {
				body.first();
			}
			else {
				body.next();
			}
			body.field(fields.get(i)[0], fields.get(i)[1]);
		}
		return body.close().raw("\r\n").build();
	}

	byte[] build() {
		return this.bytes.toByteArray();
	}

	/** A stream that returns at most the next chunk size per read. */
	static InputStream chunked(byte[] data, IntSupplier chunkSizes) {
		return new InputStream() {

			private int position;

			@Override
			public int read() {
				return (this.position < data.length) ? data[this.position++] & 0xff : -1;
			}

			@Override
			public int read(byte[] b, int off, int len) {
				if (len == 0) {
					return 0;
				}
				if (this.position >= data.length) {
					return -1;
				}
				int count = Math.min(Math.min(len, Math.max(1, chunkSizes.getAsInt())), data.length - this.position);
				System.arraycopy(data, this.position, b, off, count);
				this.position += count;
				return count;
			}

		};
	}

	/** A stream that delivers the data then fails, like a client that disconnects. */
	static InputStream failingAfter(byte[] data) {
		return new InputStream() {

			private int position;

			@Override
			public int read() throws IOException {
				byte[] one = new byte[1];
				return (read(one, 0, 1) < 0) ? -1 : one[0] & 0xff;
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				if (this.position >= data.length) {
					throw new IOException("connection reset by peer");
				}
				int count = Math.min(len, data.length - this.position);
				System.arraycopy(data, this.position, b, off, count);
				this.position += count;
				return count;
			}

		};
	}

}
