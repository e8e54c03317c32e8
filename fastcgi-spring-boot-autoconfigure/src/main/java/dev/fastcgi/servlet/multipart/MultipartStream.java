package dev.fastcgi.servlet.multipart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The framing of a multipart body (RFC 2046 §5.1.1): finds the delimiters {@code CRLF--boundary} in a stream through
 * one fixed buffer, yields each part's header block and then its body bytes. Never holds more than the buffer, one
 * header block ({@link MultipartParser#MAX_HEADER_BLOCK_SIZE}) and what the caller asks for.
 * <p>
 * A virtual CRLF is put in front of the stream so that a delimiter at the very start is found like any other.
 * Counts every byte read and enforces the request size limit as it reads.
 */
final class MultipartStream {

	/** Where the reader stands. */
	enum State {

		/** Before the first delimiter: the preamble, discarded. */
		PREAMBLE,

		/** Right after a delimiter: "--" (close) or transport padding and CRLF follow. */
		DELIMITER,

		/** Inside a part's header block. */
		HEADERS,

		/** Inside a part's body. */
		BODY,

		/** After the close delimiter; the epilogue is not read. */
		DONE

	}

	static final int BUFFER_SIZE = 16 * 1024;

	private static final byte CR = '\r';

	private static final byte LF = '\n';

	private static final byte DASH = '-';

	private final InputStream in;

	private final byte[] delimiter;

	private final byte[] buffer = new byte[BUFFER_SIZE];

	private final long maxRequestSize;

	private int head;

	private int tail;

	private long bytesRead;

	private boolean eof;

	private State state = State.PREAMBLE;

	/**
	 * Create a reader.
	 * @param in the body
	 * @param boundary the boundary (without the leading dashes)
	 * @param maxRequestSize the request size limit, negative for none
	 */
	MultipartStream(InputStream in, byte[] boundary, long maxRequestSize) {
		this.in = in;
		this.delimiter = new byte[boundary.length + 4];
		this.delimiter[0] = CR;
		this.delimiter[1] = LF;
		this.delimiter[2] = DASH;
		this.delimiter[3] = DASH;
		System.arraycopy(boundary, 0, this.delimiter, 4, boundary.length);
		this.maxRequestSize = maxRequestSize;
		this.buffer[0] = CR;
		this.buffer[1] = LF;
		this.tail = 2;
	}

	State state() {
		return this.state;
	}

	long bytesRead() {
		return this.bytesRead;
	}

	/**
	 * Move to the next part: skip the preamble or the rest of the current part, then read the delimiter line.
	 * @return true if a part follows (its header block is next), false after the close delimiter
	 * @throws IOException on a read failure or malformed framing
	 */
	boolean nextPart() throws IOException {
		if (this.state == State.DONE) {
			return false;
		}
		if (this.state == State.HEADERS) {
			readHeaderBlock();
		}
		if (this.state == State.PREAMBLE || this.state == State.BODY) {
			skipToDelimiter();
		}
		return readDelimiterLine();
	}

	private void skipToDelimiter() throws IOException {
		byte[] scratch = new byte[4096];
		while (read(scratch, 0, scratch.length) != -1) {
			// discard
		}
	}

	private boolean readDelimiterLine() throws IOException {
		require(2, "after a boundary");
		if (this.buffer[this.head] == DASH && this.buffer[this.head + 1] == DASH) {
			this.head += 2;
			this.state = State.DONE;
			return false;
		}
		while (true) {
			require(1, "after a boundary");
			byte b = this.buffer[this.head];
			if (b != ' ' && b != '\t') {
				break;
			}
			this.head++;
		}
		require(2, "after a boundary");
		if (this.buffer[this.head] != CR || this.buffer[this.head + 1] != LF) {
			throw new MalformedMultipartException("Multipart boundary is followed by '"
					+ printable(this.buffer[this.head]) + "' instead of CRLF or \"--\" (RFC 2046 §5.1.1)");
		}
		this.head += 2;
		this.state = State.HEADERS;
		return true;
	}

	/**
	 * Read the current part's header block up to and including the empty line that ends it.
	 * @return the bytes of the header lines, without the final empty line
	 * @throws IOException on a read failure, a truncated stream or a block larger than the limit
	 */
	byte[] readHeaderBlock() throws IOException {
		if (this.state != State.HEADERS) {
			throw new IllegalStateException("Not at a part header block: " + this.state);
		}
		ByteArrayOutputStream block = new ByteArrayOutputStream(256);
		int consumed = 0;
		int lineLength = 0;
		while (true) {
			if (this.head == this.tail && !fill()) {
				throw truncated("inside a part's header block");
			}
			if (++consumed > MultipartParser.MAX_HEADER_BLOCK_SIZE) {
				throw new MalformedMultipartException("Multipart part header block is larger than "
						+ MultipartParser.MAX_HEADER_BLOCK_SIZE
						+ " bytes (MultipartParser.MAX_HEADER_BLOCK_SIZE); is it ended by an empty line?");
			}
			byte b = this.buffer[this.head++];
			if (b == LF) {
				if (lineLength == 0) {
					this.state = State.BODY;
					return block.toByteArray();
				}
				block.write(LF);
				lineLength = 0;
			}
			else if (b != CR) {
				block.write(b);
				lineLength++;
			}
		}
	}

	/**
	 * Read body bytes of the current part (or the preamble).
	 * @param b the destination
	 * @param off where to start in it
	 * @param len how many bytes at most, at least 1
	 * @return the number of bytes read, or -1 at the delimiter that ends the part
	 * @throws IOException on a read failure or a stream that ends before the delimiter
	 */
	int read(byte[] b, int off, int len) throws IOException {
		if (this.state != State.BODY && this.state != State.PREAMBLE) {
			return -1;
		}
		int delimiterLength = this.delimiter.length;
		while (true) {
			int limit = Math.min(this.tail, this.head + len + delimiterLength - 1);
			int found = indexOfDelimiter(limit);
			if (found == this.head) {
				this.head += delimiterLength;
				this.state = State.DELIMITER;
				return -1;
			}
			int available = (found >= 0) ? found - this.head : limit - this.head - (delimiterLength - 1);
			if (available > 0) {
				int count = Math.min(available, len);
				System.arraycopy(this.buffer, this.head, b, off, count);
				this.head += count;
				return count;
			}
			if (!fill()) {
				throw truncated((this.state == State.PREAMBLE) ? "before the first boundary"
						: "inside a part's body (no closing boundary)");
			}
		}
	}

	/** The start of the first full delimiter in [head, limit), or -1. */
	private int indexOfDelimiter(int limit) {
		byte[] delimiter = this.delimiter;
		byte[] buffer = this.buffer;
		int last = limit - delimiter.length;
		outer: for (int i = this.head; i <= last; i++) {
			if (buffer[i] != CR) {
				continue;
			}
			for (int j = 1; j < delimiter.length; j++) {
				if (buffer[i + j] != delimiter[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	private void require(int count, String where) throws IOException {
		while (this.tail - this.head < count) {
			if (!fill()) {
				throw truncated(where);
			}
		}
	}

	/** Compact the buffer and read more; false at end of stream. */
	private boolean fill() throws IOException {
		if (this.eof) {
			return false;
		}
		if (this.head > 0) {
			System.arraycopy(this.buffer, this.head, this.buffer, 0, this.tail - this.head);
			this.tail -= this.head;
			this.head = 0;
		}
		int n = this.in.read(this.buffer, this.tail, this.buffer.length - this.tail);
		if (n < 0) {
			this.eof = true;
			return false;
		}
		this.tail += n;
		this.bytesRead += n;
		if (this.maxRequestSize >= 0 && this.bytesRead > this.maxRequestSize) {
			throw new MultipartLimitExceededException("The multipart request size exceeds the configured maximum of "
					+ this.maxRequestSize + " bytes (" + MultipartParser.MAX_REQUEST_SIZE_PROPERTY + ")",
					this.maxRequestSize, MultipartParser.MAX_REQUEST_SIZE_PROPERTY);
		}
		return true;
	}

	private MalformedMultipartException truncated(String where) {
		return new MalformedMultipartException("Multipart body ended " + where + " after " + this.bytesRead
				+ " bytes; the upload is truncated or the closing boundary \""
				+ new String(this.delimiter, 2, this.delimiter.length - 2, StandardCharsets.ISO_8859_1)
				+ "--\" is missing");
	}

	private static String printable(byte b) {
		return (b >= 0x21 && b < 0x7f) ? String.valueOf((char) b) : String.format("0x%02x", b & 0xff);
	}

}
