package dev.fastcgi.server.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

import dev.fastcgi.protocol.RecordType;

/**
 * FCGI_STDOUT or FCGI_STDERR of one request. Bytes collect in a buffer of up to {@code capacity} bytes, a whole
 * number of records of at most {@code maxWrite} bytes: {@link #STDOUT_CAPACITY} for stdout, so that a response body of
 * up to 32 KiB leaves together with END_REQUEST in one write (the buffer grows to it only when a response needs it).
 * A full buffer leaves at once, {@link #flush()} sends what is buffered, and a write that fills the buffer sends the
 * buffered bytes and the whole records of the new ones in one gathered write, without copying them into the buffer.
 * What is still buffered when the request ends leaves in the request's final write, with the empty STDOUT and
 * END_REQUEST.
 */
final class RecordOutput extends OutputStream {

	/** A lock rather than a monitor: a virtual thread writing to the socket must not pin its carrier. */
	private final ReentrantLock lock = new ReentrantLock();

	private final Request request;

	private final RecordType type;

	/** Bytes of stdout held before they are sent, rounded down to whole records: see {@link #stdoutCapacity}. */
	static final int STDOUT_CAPACITY = 32 * 1024;

	private final int maxWrite;

	private final int capacity;

	private byte[] buffer;

	private int count;

	private boolean used;

	private boolean sent;

	private boolean closed;

	/** Later writes are dropped silently (the engine answered for the handler). */
	private boolean sealed;

	/**
	 * @param maxWrite the most content bytes per record
	 * @param capacity the buffer size, a multiple of {@code maxWrite} (see {@link #stdoutCapacity})
	 */
	RecordOutput(Request request, RecordType type, int maxWrite, int capacity) {
		if (capacity < maxWrite || capacity % maxWrite != 0) {
			throw new IllegalArgumentException("capacity " + capacity + " is not a multiple of maxWrite " + maxWrite);
		}
		this.request = request;
		this.type = type;
		this.maxWrite = maxWrite;
		this.capacity = capacity;
	}

	/**
	 * The stdout capacity for a maxWrite: the whole records of at most maxWrite bytes within
	 * {@link #STDOUT_CAPACITY}, at least one record, so that a write reaching it sends whole records only.
	 */
	static int stdoutCapacity(int maxWrite) {
		return maxWrite * Math.max(1, STDOUT_CAPACITY / maxWrite);
	}

	@Override
	public void write(int b) throws IOException {
		this.lock.lock();
		try {
			if (this.buffer != null && this.count < this.buffer.length && this.count < this.capacity && writable()) {
				this.buffer[this.count++] = (byte) b;
				this.used = true;
				if (this.count == this.capacity) {
					sendBuffered();
				}
				return;
			}
		}
		finally {
			this.lock.unlock();
		}
		write(new byte[] { (byte) b }, 0, 1);
	}

	@Override
	public void write(byte[] b, int off, int len) throws IOException {
		this.lock.lock();
		try {
			java.util.Objects.checkFromIndexSize(off, len, b.length);
			if (len == 0 || !writable()) {
				return;
			}
			this.used = true;
			long total = (long) this.count + len;
			if (total >= this.capacity) {
				// whole records leave at once, the buffered bytes first, the new ones without a copy; the capacity
				// being whole records, they cover at least what was buffered, and the rest fits the buffer
				int direct = (int) (total - (total % this.maxWrite) - this.count);
				int buffered = this.count;
				this.count = 0;
				this.sent = true;
				this.request.send(this.type, this.buffer, buffered, b, off, direct);
				off += direct;
				len -= direct;
			}
			if (len > 0) {
				if (this.buffer == null) {
					this.buffer = this.request.borrowBuffer(this.type);
				}
				if (this.count + len > this.buffer.length) {
					grow(this.count + len);
				}
				System.arraycopy(b, off, this.buffer, this.count, len);
				this.count += len;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void flush() throws IOException {
		this.lock.lock();
		try {
			if (this.count > 0 && writable()) {
				sendBuffered();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Ends the stream from the handler's side; the request sends the rest when it completes. */
	@Override
	public void close() throws IOException {
		flush();
	}

	/**
	 * The buffer starts at what the connection lends (one record's worth at first) and doubles up to the capacity
	 * only for responses that need it: the grown array goes back to the connection for its next response.
	 */
	private void grow(int needed) {
		int size = Math.max(this.buffer.length, 1);
		while (size < needed) {
			size <<= 1;
		}
		this.buffer = java.util.Arrays.copyOf(this.buffer, Math.min(size, this.capacity));
	}

	private boolean writable() throws IOException {
		if (this.request.isOutputDropped() || this.sealed) {
			return false;
		}
		if (this.closed) {
			throw new IOException("FCGI_" + this.type + " of request " + this.request.requestId()
					+ " is closed: the request has completed");
		}
		return true;
	}

	private void sendBuffered() throws IOException {
		int n = this.count;
		this.count = 0;
		this.sent = true;
		this.request.send(this.type, this.buffer, 0, n);
	}

	/** Whether writes are still taken (not closed, not sealed by the engine). */
	boolean isOpen() {
		this.lock.lock();
		try {
			return !this.closed && !this.sealed;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Records that the handler's last bytes leave with END_REQUEST ({@link Request#completeWith}). */
	void lastBytesTaken() {
		this.lock.lock();
		try {
			this.used = true;
			this.sent = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Whether any byte was written by the handler. */
	boolean isUsed() {
		this.lock.lock();
		try {
			return this.used;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Whether any record of this stream has left the engine (the response is committed). */
	boolean isSent() {
		this.lock.lock();
		try {
			return this.sent;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Drops every later write silently; what is buffered stays for the request's final write. */
	void seal() {
		this.lock.lock();
		try {
			this.sealed = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Seals the stream and, if nothing has left yet, replaces what is buffered with {@code response}.
	 * @return whether the response was put in place (false: the response was already committed)
	 */
	boolean replaceIfUnsent(byte[] response) {
		this.lock.lock();
		try {
			this.sealed = true;
			if (this.sent || this.closed) {
				return false;
			}
			if (this.buffer == null) {
				this.buffer = this.request.borrowBuffer(this.type);
			}
			if (this.buffer.length < response.length) {
				this.buffer = new byte[response.length];
			}
			System.arraycopy(response, 0, this.buffer, 0, response.length);
			this.count = response.length;
			this.used = true;
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Drops buffered bytes (to replace an unsent response with an error one). */
	void resetBuffer() {
		this.lock.lock();
		try {
			this.count = 0;
		}
		finally {
			this.lock.unlock();
		}
	}

	byte[] buffer() {
		this.lock.lock();
		try {
			return this.buffer;
		}
		finally {
			this.lock.unlock();
		}
	}

	int count() {
		this.lock.lock();
		try {
			return this.count;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Closes for good and hands the buffer back; later writes fail. */
	byte[] closeAndTakeBuffer() {
		this.lock.lock();
		try {
			this.closed = true;
			this.count = 0;
			byte[] b = this.buffer;
			this.buffer = null;
			return b;
		}
		finally {
			this.lock.unlock();
		}
	}

}
