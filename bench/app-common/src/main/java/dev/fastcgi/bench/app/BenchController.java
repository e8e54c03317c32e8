package dev.fastcgi.bench.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.CRC32;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The benchmarked endpoints, identical for every server variant: a tiny text response, a 64 KiB binary response, a
 * streaming echo of the request body, and an upload sink that reads any amount of input in constant memory.
 */
@RestController
public class BenchController {

	/** Size of the {@code /bytes/64k} body. */
	public static final int BODY_64K = 64 * 1024;

	private static final byte[] BYTES_64K = createBody(BODY_64K);

	private static final int COPY_BUFFER_SIZE = 8192;

	/**
	 * A five-byte text response: measures per-request overhead.
	 * @return {@code hello}
	 */
	@GetMapping(path = "/hello", produces = MediaType.TEXT_PLAIN_VALUE)
	public String hello() {
		return "hello";
	}

	/**
	 * A five-byte text response after a 2 ms sleep, standing in for a handler that waits on a database: measures
	 * what a blocking handler costs the server (opt-in endpoint {@code blocking2ms} of {@code bench/run.sh}).
	 * @return {@code hello}
	 * @throws InterruptedException if interrupted while sleeping
	 */
	@GetMapping(path = "/blocking", produces = MediaType.TEXT_PLAIN_VALUE)
	public String blocking() throws InterruptedException {
		Thread.sleep(2);
		return "hello";
	}

	/**
	 * A 64 KiB binary response (the same bytes every time): measures body throughput.
	 * @return the body
	 */
	@GetMapping(path = "/bytes/64k", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	public byte[] bytes64k() {
		return BYTES_64K;
	}

	/**
	 * Echoes the request body with the request's content type, streaming it through an 8 KiB buffer. With a known
	 * length it reads exactly that many bytes and sets the response's Content-Length (a container may end the
	 * exchange, and close the input, once that many bytes are written, so it does not read on to EOF then).
	 * @param request the request
	 * @param response the response
	 * @throws IOException if the body cannot be read or written
	 */
	@PostMapping("/echo")
	public void echo(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String contentType = request.getContentType();
		response.setContentType((contentType != null) ? contentType : MediaType.APPLICATION_OCTET_STREAM_VALUE);
		long remaining = request.getContentLengthLong();
		if (remaining >= 0) {
			response.setContentLengthLong(remaining);
		}
		byte[] buffer = new byte[COPY_BUFFER_SIZE];
		InputStream in = request.getInputStream();
		OutputStream out = response.getOutputStream();
		while (remaining != 0) {
			int want = (remaining < 0) ? buffer.length : (int) Math.min(buffer.length, remaining);
			int n = in.read(buffer, 0, want);
			if (n == -1) {
				break;
			}
			out.write(buffer, 0, n);
			if (remaining > 0) {
				remaining -= n;
			}
		}
	}

	/**
	 * Reads the whole request body without keeping it and answers its length and CRC-32, for the large-upload
	 * check: {@code bytes=<n> crc32=<hex>}.
	 * @param request the request
	 * @return the summary line
	 * @throws IOException if the body cannot be read
	 */
	@PostMapping(path = "/upload", produces = MediaType.TEXT_PLAIN_VALUE)
	public String upload(HttpServletRequest request) throws IOException {
		byte[] buffer = new byte[64 * 1024];
		CRC32 crc = new CRC32();
		long total = 0;
		InputStream in = request.getInputStream();
		for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
			crc.update(buffer, 0, n);
			total += n;
		}
		return "bytes=" + total + " crc32=" + Long.toHexString(crc.getValue()) + "\n";
	}

	private static byte[] createBody(int size) {
		byte[] body = new byte[size];
		for (int i = 0; i < size; i++) {
			body[i] = (byte) ('a' + (i % 26));
		}
		return body;
	}

}
