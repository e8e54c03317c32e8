package dev.fastcgi.servlet;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

/**
 * The request body: the exchange's stdin, which ends at the empty FCGI_STDIN record. A read listener is served by
 * blocking reads on an async thread.
 */
final class RequestBody extends ServletInputStream {

	private final FastCgiRequest request;

	private final InputStream stdin;

	private boolean finished;

	private ReadListener readListener;

	RequestBody(FastCgiRequest request, InputStream stdin) {
		this.request = request;
		this.stdin = stdin;
	}

	@Override
	public int read() throws IOException {
		if (this.finished) {
			return -1;
		}
		int b = this.stdin.read();
		if (b < 0) {
			this.finished = true;
		}
		return b;
	}

	@Override
	public int read(byte[] bytes, int offset, int length) throws IOException {
		if (this.finished) {
			return -1;
		}
		if (length == 0) {
			return 0;
		}
		int n = this.stdin.read(bytes, offset, length);
		if (n < 0) {
			this.finished = true;
		}
		return n;
	}

	@Override
	public int available() throws IOException {
		return this.finished ? 0 : this.stdin.available();
	}

	@Override
	public boolean isFinished() {
		return this.finished;
	}

	@Override
	public boolean isReady() {
		return true;
	}

	@Override
	public void setReadListener(ReadListener readListener) {
		if (readListener == null) {
			throw new NullPointerException("ReadListener must not be null");
		}
		if (this.readListener != null) {
			throw new IllegalStateException("A ReadListener is already set");
		}
		if (!this.request.isAsyncStarted()) {
			throw new IllegalStateException("A ReadListener can only be set in asynchronous mode");
		}
		this.readListener = readListener;
		this.request.container().runAsync(() -> {
			try {
				while (!this.finished) {
					readListener.onDataAvailable();
				}
				readListener.onAllDataRead();
			}
			catch (Throwable ex) {
				readListener.onError(ex);
			}
		});
	}

	/** Reads and discards what is left of the body, up to a limit; false if more was left. */
	boolean drain(long limit) throws IOException {
		byte[] skip = new byte[4096];
		long total = 0;
		while (!this.finished && total < limit) {
			int n = read(skip, 0, skip.length);
			if (n > 0) {
				total += n;
			}
		}
		return this.finished;
	}

}
