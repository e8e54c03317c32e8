package dev.fastcgi.servlet;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Generated multipart bodies of any size, streamed without holding the file in memory. */
final class MultipartBodies {

	static final String BOUNDARY = "fcgi-boundary-7MA4YWxkTrZu0gW";

	static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;

	private MultipartBodies() {
	}

	static byte[] head(String title, String filename) {
		return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + title + "\r\n--"
				+ BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
				+ "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
			.getBytes(StandardCharsets.UTF_8);
	}

	static byte[] tail() {
		return ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
	}

	static long length(String title, String filename, long fileSize) {
		return head(title, filename).length + fileSize + tail().length;
	}

	static InputStream body(String title, String filename, long fileSize) {
		return new SequenceInputStream(Collections.enumeration(List.of(new ByteArrayInputStream(head(title, filename)),
				generated(fileSize), new ByteArrayInputStream(tail()))));
	}

	static InputStream generated(long size) {
		return new InputStream() {

			private long remaining = size;

			@Override
			public int read() {
				if (this.remaining <= 0) {
					return -1;
				}
				this.remaining--;
				return 'x';
			}

			@Override
			public int read(byte[] b, int off, int len) {
				if (this.remaining <= 0) {
					return -1;
				}
				int n = (int) Math.min(len, this.remaining);
				Arrays.fill(b, off, off + n, (byte) 'x');
				this.remaining -= n;
				return n;
			}

		};
	}

}
