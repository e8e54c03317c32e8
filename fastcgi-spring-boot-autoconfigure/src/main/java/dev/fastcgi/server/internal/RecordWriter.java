package dev.fastcgi.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

import dev.fastcgi.protocol.EndRequestBody;
import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.UnknownTypeBody;
import dev.fastcgi.server.ConnectionClosedException;
import dev.fastcgi.server.ServerListener;

/**
 * Serializes the records of every request on one connection: one lock, one reused direct buffer. Output is cut into
 * records of at most {@code maxWrite} content bytes, padded to a multiple of 8; the tail of a response (last STDOUT
 * bytes, up to {@link RecordOutput#STDOUT_CAPACITY}, empty STDOUT, STDERR, END_REQUEST) is gathered into the buffer
 * and leaves in one write. The lock is held only while encoding and writing; the reader thread never takes it except
 * to answer management records.
 */
final class RecordWriter {

	private final ReentrantLock lock = new ReentrantLock();

	private final Endpoint endpoint;

	private final ServerListener listener;

	private final int maxWrite;

	/**
	 * Content bytes per gathered write (at least one record): bounds the system call and the JDK's temporary direct
	 * buffers per thread, and lets a 64 KiB body with its header block leave in one write at the default maxWrite.
	 */
	static final int GATHER_BYTES = 128 * 1024;

	/** The most records per gathered write (at a small maxWrite). */
	private static final int MAX_GATHER_RECORDS = 16;

	/** Records per gathered write for this maxWrite. */
	private final int gatherRecords;

	private final ByteBuffer buffer;

	/**
	 * Reused under the lock: pending bytes, then per record its header, up to two content parts and padding, then
	 * the end of a response.
	 */
	private final ByteBuffer[] gathered;

	private volatile long writeStartedNanos;

	private volatile boolean failed;

	private final FailureHandler failureHandler;

	/** Told when a write fails (the connection then closes). */
	interface FailureHandler {

		void writeFailed(IOException cause);

	}

	RecordWriter(Endpoint endpoint, ServerListener listener, int maxWrite, ByteBuffer buffer,
			FailureHandler failureHandler) {
		this.endpoint = endpoint;
		this.listener = listener;
		this.maxWrite = maxWrite;
		this.failureHandler = failureHandler;
		this.buffer = buffer;
		this.gatherRecords = Math.max(1, Math.min(MAX_GATHER_RECORDS, GATHER_BYTES / maxWrite));
		this.gathered = new ByteBuffer[2 + 4 * this.gatherRecords];
	}

	/**
	 * The write buffer size for a maxWrite: room for two whole records, and for a response tail of up to
	 * {@link RecordOutput#STDOUT_CAPACITY} bytes with the empty STDOUT and END_REQUEST, so that it leaves in one write.
	 */
	static int bufferSize(int maxWrite) {
		int tail = RecordOutput.stdoutCapacity(maxWrite);
		int records = (tail + maxWrite - 1) / maxWrite;
		return Math.max(2 * RecordEncoder.recordLength(maxWrite), tail + records * 2 * FastCgi.HEADER_LENGTH)
				+ FastCgi.HEADER_LENGTH + RecordEncoder.recordLength(EndRequestBody.LENGTH) + 64;
	}

	/**
	 * Fails the writer for good and hands its buffer to {@code pool} once no write is using it.
	 */
	void release(BufferPool pool) {
		this.lock.lock();
		try {
			this.failed = true;
			pool.release(this.buffer);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** When the write in progress started ({@link System#nanoTime()}), or 0 when none is in progress. */
	long writeStartedNanos() {
		return this.writeStartedNanos;
	}

	/** One record of at most 65535 content bytes. */
	void writeRecord(RecordType type, int requestId, byte[] content, int offset, int length) throws IOException {
		this.lock.lock();
		try {
			checkOpen();
			record(type, requestId, content, offset, length);
			flush();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Stream content as records of a request of at most maxWrite bytes (no end-of-stream record). */
	void writeStream(Request request, RecordType type, int requestId, byte[] content, int offset, int length)
			throws IOException {
		this.lock.lock();
		try {
			checkOpen();
			if (request.isOutputDropped()) {
				return;
			}
			stream(type, requestId, content, offset, length);
			flush();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Stream content given in two parts ({@code head} then {@code content}) as records of a request of at most
	 * maxWrite bytes (no end-of-stream record). Content that does not fit the write buffer leaves in gathered
	 * writes straight from the caller's arrays: one system call for up to {@value #GATHER_BYTES} bytes of content.
	 */
	void writeStream(Request request, RecordType type, int requestId, byte[] head, int headLength, byte[] content,
			int offset, int length) throws IOException {
		this.lock.lock();
		try {
			checkOpen();
			if (request.isOutputDropped()) {
				return;
			}
			int total = headLength + length;
			if (total <= this.maxWrite && RecordEncoder.recordLength(total) <= this.buffer.remaining()) {
				recordOfTwo(type, requestId, head, headLength, content, offset, length);
			}
			else {
				gather(type, requestId, head, headLength, content, offset, length, false, 0);
			}
			flush();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** END_REQUEST alone (rejections, aborts). */
	void writeEndRequest(int requestId, int appStatus, ProtocolStatus status) throws IOException {
		this.lock.lock();
		try {
			checkOpen();
			endRequest(requestId, appStatus, status);
			flush();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** FCGI_UNKNOWN_TYPE for a management record type we do not understand. */
	void writeUnknownType(int type) throws IOException {
		this.lock.lock();
		try {
			checkOpen();
			ensure(RecordEncoder.recordLength(UnknownTypeBody.LENGTH));
			RecordEncoder.writeUnknownType(this.buffer, type);
			this.listener.recordSent(RecordType.UNKNOWN_TYPE, UnknownTypeBody.LENGTH);
			flush();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The end of a response in one write: remaining stdout bytes ({@code out}, then {@code last} if not null), the
	 * empty STDOUT, stderr bytes and the empty STDERR if stderr was used, then END_REQUEST. {@code encoded} runs
	 * once {@code out} is no longer needed.
	 */
	void writeResponseEnd(int requestId, byte[] out, int outLength, byte[] last, int lastOffset, int lastLength,
			byte[] err, int errLength, boolean errUsed, int appStatus, Runnable encoded) throws IOException {
		this.lock.lock();
		try {
			checkOpen();
			int total = outLength + lastLength;
			if (lastLength > 0 && !errUsed && (total > this.maxWrite
					|| RecordEncoder.recordLength(total) + RESPONSE_END_LENGTH > this.buffer.remaining())) {
				// a large body: its records leave from the caller's arrays, the end records in the last write
				gather(RecordType.STDOUT, requestId, out, outLength, last, lastOffset, lastLength, true, appStatus);
				encoded.run();
				return;
			}
			if (lastLength > 0 && total <= this.maxWrite) {
				ensure(RecordEncoder.recordLength(total));
				recordOfTwo(RecordType.STDOUT, requestId, out, outLength, last, lastOffset, lastLength);
			}
			else {
				if (outLength > 0) {
					stream(RecordType.STDOUT, requestId, out, 0, outLength);
				}
				if (lastLength > 0) {
					stream(RecordType.STDOUT, requestId, last, lastOffset, lastLength);
				}
			}
			empty(RecordType.STDOUT, requestId);
			if (errUsed) {
				if (errLength > 0) {
					stream(RecordType.STDERR, requestId, err, 0, errLength);
				}
				empty(RecordType.STDERR, requestId);
			}
			endRequest(requestId, appStatus, ProtocolStatus.REQUEST_COMPLETE);
			encoded.run();
			flush();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Half-closes the output after everything written so far (the web server then sees end of stream). */
	void shutdownOutput() {
		this.lock.lock();
		try {
			if (!this.failed) {
				this.endpoint.shutdownOutput();
			}
		}
		catch (IOException | RuntimeException ex) {
			// closing anyway
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Marks the writer failed: later writes throw at once. */
	void fail() {
		this.failed = true;
	}

	private void checkOpen() throws IOException {
		if (this.failed) {
			throw new ConnectionClosedException("connection to the web server is closed");
		}
	}

	private void stream(RecordType type, int requestId, byte[] content, int offset, int length) throws IOException {
		int end = offset + length;
		for (int pos = offset; pos < end; pos += this.maxWrite) {
			record(type, requestId, content, pos, Math.min(this.maxWrite, end - pos));
		}
	}

	private void record(RecordType type, int requestId, byte[] content, int offset, int length) throws IOException {
		ensure(RecordEncoder.recordLength(length));
		RecordEncoder.writeRecord(this.buffer, type, requestId, content, offset, length);
		this.listener.recordSent(type, length);
	}

	private void recordOfTwo(RecordType type, int requestId, byte[] head, int headLength, byte[] content, int offset,
			int length) {
		int total = headLength + length;
		int padding = FastCgi.paddingFor(total);
		putHeader(type, requestId, total, padding);
		if (headLength > 0) {
			this.buffer.put(head, 0, headLength);
		}
		if (length > 0) {
			this.buffer.put(content, offset, length);
		}
		putPadding(padding);
		this.listener.recordSent(type, total);
	}

	/**
	 * Writes what the buffer holds followed by records cut from head + content, in gathered writes: record headers
	 * and padding are encoded into the write buffer, content is wrapped, not copied. With {@code endResponse} (stdout),
	 * the last write also carries the empty STDOUT and END_REQUEST with {@code appStatus}.
	 */
	private void gather(RecordType type, int requestId, byte[] head, int headLength, byte[] content, int offset,
			int length, boolean endResponse, int appStatus) throws IOException {
		int headPos = 0;
		int pos = offset;
		int end = offset + length;
		int remaining = headLength + length;
		while (remaining > 0) {
			int records = Math.min(this.gatherRecords, (remaining + this.maxWrite - 1) / this.maxWrite);
			ensure(records * 2 * FastCgi.HEADER_LENGTH + RESPONSE_END_LENGTH);
			int n = 0;
			long bytes = this.buffer.position();
			if (bytes > 0) {
				this.gathered[n++] = this.buffer.slice(0, this.buffer.position());
			}
			for (int r = 0; r < records; r++) {
				int recordLength = Math.min(this.maxWrite, remaining);
				int padding = FastCgi.paddingFor(recordLength);
				int at = this.buffer.position();
				putHeader(type, requestId, recordLength, padding);
				this.gathered[n++] = this.buffer.slice(at, FastCgi.HEADER_LENGTH);
				int fromHead = Math.min(recordLength, headLength - headPos);
				if (fromHead > 0) {
					this.gathered[n++] = ByteBuffer.wrap(head, headPos, fromHead);
					headPos += fromHead;
				}
				int fromContent = recordLength - Math.max(fromHead, 0);
				if (fromContent > 0) {
					this.gathered[n++] = ByteBuffer.wrap(content, pos, fromContent);
					pos += fromContent;
				}
				if (padding > 0) {
					at = this.buffer.position();
					putPadding(padding);
					this.gathered[n++] = this.buffer.slice(at, padding);
				}
				remaining -= recordLength;
				bytes += RecordEncoder.recordLength(recordLength);
				this.listener.recordSent(type, recordLength);
			}
			if (remaining == 0 && endResponse) {
				// the batch's headers take at most gatherRecords * 16 bytes of a buffer of two records or more
				int at = this.buffer.position();
				RecordEncoder.writeEmpty(this.buffer, type, requestId);
				this.listener.recordSent(type, 0);
				RecordEncoder.writeEndRequest(this.buffer, requestId, appStatus, ProtocolStatus.REQUEST_COMPLETE.code());
				this.listener.recordSent(RecordType.END_REQUEST, EndRequestBody.LENGTH);
				this.gathered[n++] = this.buffer.slice(at, RESPONSE_END_LENGTH);
				bytes += RESPONSE_END_LENGTH;
			}
			writeGathered(n, bytes);
		}
		if (pos != end) {
			throw new IllegalStateException("gathered " + (pos - offset) + " of " + length + " bytes");
		}
	}

	private void putHeader(RecordType type, int requestId, int contentLength, int padding) {
		this.buffer.put((byte) FastCgi.VERSION_1);
		this.buffer.put((byte) type.code());
		this.buffer.putShort((short) requestId);
		this.buffer.putShort((short) contentLength);
		this.buffer.put((byte) padding);
		this.buffer.put((byte) 0);
	}

	private void putPadding(int padding) {
		for (int i = 0; i < padding; i++) {
			this.buffer.put((byte) 0);
		}
	}

	private void writeGathered(int count, long bytes) throws IOException {
		this.writeStartedNanos = System.nanoTime() | 1;
		try {
			this.endpoint.write(this.gathered, 0, count);
		}
		catch (IOException | RuntimeException ex) {
			throw writeFailure(ex);
		}
		finally {
			this.writeStartedNanos = 0;
			this.buffer.clear();
			java.util.Arrays.fill(this.gathered, 0, count, null);
		}
		this.listener.bytesSent(bytes);
	}

	private IOException writeFailure(Exception ex) {
		this.failed = true;
		IOException cause = (ex instanceof IOException io) ? io : new IOException(ex);
		this.failureHandler.writeFailed(cause);
		return (cause instanceof ConnectionClosedException) ? cause
				: new ConnectionClosedException("write to the web server failed: " + cause.getMessage(), cause);
	}

	/** The empty STDOUT and END_REQUEST that end a response. */
	private static final int RESPONSE_END_LENGTH = FastCgi.HEADER_LENGTH
			+ RecordEncoder.recordLength(EndRequestBody.LENGTH);

	private void empty(RecordType type, int requestId) throws IOException {
		ensure(FastCgi.HEADER_LENGTH);
		RecordEncoder.writeEmpty(this.buffer, type, requestId);
		this.listener.recordSent(type, 0);
	}

	private void endRequest(int requestId, int appStatus, ProtocolStatus status) throws IOException {
		ensure(RecordEncoder.recordLength(EndRequestBody.LENGTH));
		RecordEncoder.writeEndRequest(this.buffer, requestId, appStatus, status.code());
		this.listener.recordSent(RecordType.END_REQUEST, EndRequestBody.LENGTH);
	}

	private void ensure(int bytes) throws IOException {
		if (this.buffer.remaining() < bytes) {
			flush();
		}
	}

	private void flush() throws IOException {
		if (this.buffer.position() == 0) {
			return;
		}
		this.buffer.flip();
		int bytes = this.buffer.remaining();
		this.writeStartedNanos = System.nanoTime() | 1;
		try {
			this.endpoint.write(this.buffer);
		}
		catch (IOException | RuntimeException ex) {
			throw writeFailure(ex);
		}
		finally {
			this.writeStartedNanos = 0;
			this.buffer.clear();
		}
		this.listener.bytesSent(bytes);
	}

}
