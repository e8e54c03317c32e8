package dev.fastcgi.servlet;

import java.io.IOException;
import java.io.OutputStream;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.server.RequestAbortedException;

/**
 * The response body: a buffer in front of the exchange's stdout. The CGI header block is written when the response
 * commits (buffer overflow, flush, close or the end of the request); when the whole body fits the buffer at close,
 * {@code Content-Length} is set. Writes after an abort fail with an {@link IOException}; writes after close or while
 * an error is pending are ignored. A write that completes a declared Content-Length closes the body; when it goes
 * straight to the exchange, the request ends with it ({@link FastCgiExchange#completeWith}) where nothing can
 * still need the request.
 */
final class ResponseOutput extends ServletOutputStream {

	private static final int INITIAL_BUFFER = 1024;

	private final FastCgiResponse response;

	private final FastCgiExchange exchange;

	private final OutputStream stdout;

	private byte[] buffer;

	private int count;

	private int bufferSize;

	private long written;

	private boolean committed;

	private boolean closed;

	private WriteListener writeListener;

	ResponseOutput(FastCgiResponse response, FastCgiExchange exchange, int bufferSize) {
		this.response = response;
		this.exchange = exchange;
		this.stdout = exchange.stdout();
		this.bufferSize = bufferSize;
	}

	boolean isCommitted() {
		return this.committed;
	}

	boolean isClosed() {
		return this.closed;
	}

	int getBufferSize() {
		return this.bufferSize;
	}

	void setBufferSize(int size) {
		if (this.committed || this.count > 0 || this.written > 0) {
			throw new IllegalStateException("Cannot set the buffer size after content has been written");
		}
		this.bufferSize = Math.max(size, 0);
		this.buffer = null;
	}

	/** Bytes written so far in this response (after the last reset). */
	long getWritten() {
		return this.written;
	}

	/** Discards buffered content (not committed content). */
	void resetBuffer() {
		if (this.committed) {
			throw new IllegalStateException("Cannot reset the buffer after the response has been committed");
		}
		this.count = 0;
		this.written = 0;
	}

	/** Re-opens a response closed by a forward, for an error page. */
	void reopen() {
		if (!this.committed) {
			this.closed = false;
			this.count = 0;
			this.written = 0;
		}
	}

	@Override
	public void write(int b) throws IOException {
		if (!accept(1)) {
			return;
		}
		ensureCapacity(1);
		if (this.count == this.buffer.length) {
			flushBuffer();
		}
		this.buffer[this.count++] = (byte) b;
		written(1);
	}

	@Override
	public void write(byte[] bytes, int offset, int length) throws IOException {
		long declared = this.response.getContentLengthLong();
		if (declared >= 0 && !this.response.isHead()) {
			// like Tomcat, bytes beyond a declared Content-Length are dropped (the web server would reject them)
			length = (int) Math.max(0, Math.min(length, declared - this.written));
		}
		if (length == 0 || !accept(length)) {
			return;
		}
		// nothing to merge with: a write as large as the buffer, or one that completes the declared length with
		// nothing buffered (the response closes right after it), goes straight to the exchange without a copy
		if (length >= this.bufferSize || (this.count == 0 && declared >= 0 && this.written + length >= declared)) {
			flushBuffer();
			if (declared >= 0 && this.written + length == declared && this.response.mayEndWithBody()
					&& this.exchange.completeWith(bytes, offset, length)) {
				// the body is whole: its last bytes left with the end of the request, in one write (the web
				// server has the whole response while the application unwinds, as after a Content-Length
				// response over HTTP)
				this.written += length;
				this.closed = true;
				return;
			}
			this.stdout.write(bytes, offset, length);
		}
		else {
			ensureCapacity(length);
			if (length > this.buffer.length - this.count) {
				flushBuffer();
			}
			System.arraycopy(bytes, offset, this.buffer, this.count, length);
			this.count += length;
		}
		written(length);
	}

	/**
	 * Grows the buffer towards the configured size so small responses do not allocate the whole buffer: starts at
	 * 1 KiB (or the first write), doubles as needed, never beyond the buffer size. With a declared Content-Length
	 * that fits, the first allocation is exactly that long (bytes beyond it are dropped), so it never grows.
	 */
	private void ensureCapacity(int length) {
		int max = Math.max(this.bufferSize, 1);
		if (this.buffer == null) {
			long declared = this.response.getContentLengthLong();
			int size = (declared >= length && declared <= max) ? (int) declared
					: Math.min(max, Math.max(INITIAL_BUFFER, length));
			this.buffer = new byte[size];
			return;
		}
		int needed = this.count + length;
		if (needed > this.buffer.length && this.buffer.length < max) {
			int size = this.buffer.length;
			while (size < needed && size < max) {
				size <<= 1;
			}
			this.buffer = java.util.Arrays.copyOf(this.buffer, Math.min(size, max));
		}
	}

	/** Whether bytes should be written (false after close, while suspended or for HEAD); counts HEAD bytes. */
	private boolean accept(int length) throws IOException {
		checkAborted();
		if (this.closed || this.response.isSuspended()) {
			return false;
		}
		if (this.response.isHead()) {
			this.written += length;
			if (!this.committed && this.written > this.bufferSize) {
				commit();
			}
			return false;
		}
		return true;
	}

	private void written(int length) throws IOException {
		this.written += length;
		long contentLength = this.response.getContentLengthLong();
		if (contentLength >= 0 && this.written >= contentLength) {
			close();
		}
	}

	private void checkAborted() throws IOException {
		if (this.exchange.isAborted()) {
			throw new ClientAbortException("The web server aborted the request or the connection was lost");
		}
	}

	/** Commits if needed and hands the buffered bytes to the exchange (which may still buffer them). */
	void flushBuffer() throws IOException {
		if (!this.committed) {
			commit();
		}
		if (this.count > 0) {
			int n = this.count;
			this.count = 0;
			this.stdout.write(this.buffer, 0, n);
		}
	}

	private void commit() throws IOException {
		this.committed = true;
		this.stdout.write(this.response.headerBlock());
	}

	@Override
	public void flush() throws IOException {
		checkAborted();
		if (this.response.isSuspended() && !this.committed) {
			return;
		}
		flushBuffer();
		this.stdout.flush();
		checkAborted();
	}

	/** Completes the body: sets Content-Length if the body is complete and uncommitted, then commits. */
	@Override
	public void close() throws IOException {
		if (this.closed) {
			return;
		}
		this.closed = true;
		if (!this.committed) {
			this.response.contentComplete(this.written);
		}
		flushBuffer();
	}

	@Override
	public boolean isReady() {
		return true;
	}

	@Override
	public void setWriteListener(WriteListener writeListener) {
		if (writeListener == null) {
			throw new NullPointerException("WriteListener must not be null");
		}
		if (this.writeListener != null) {
			throw new IllegalStateException("A WriteListener is already set");
		}
		this.writeListener = writeListener;
		this.response.startNonBlockingWrite(writeListener);
	}

	/** An {@link IOException} for a write to a request that the web server aborted or lost. */
	static final class ClientAbortException extends RequestAbortedException {

		ClientAbortException(String message) {
			super(message);
		}

	}

}
