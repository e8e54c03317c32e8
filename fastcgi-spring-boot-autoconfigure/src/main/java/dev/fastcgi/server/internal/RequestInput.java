package dev.fastcgi.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One input stream of a request (FCGI_STDIN or FCGI_DATA). The connection pushes record contents in; the handler
 * reads them out. Unread bytes are held in a memory ring up to a limit, then appended to a temporary spill file that
 * is truncated whenever the reader catches up and deleted when the stream is released, so memory stays bounded
 * however slow the handler is.
 * <p>
 * When the connection hands its input to the request (non-multiplexed mode), an empty stream does not wait: the
 * reading thread pulls the next records from the socket itself ({@link Source#pull}), which is the back-pressure:
 * nothing is read from the web server until the handler asks for it.
 * <p>
 * With a declared length (CONTENT_LENGTH, FCGI_DATA_LENGTH) the reader sees end of stream after exactly that many
 * bytes, bytes beyond it are dropped as they arrive, and an end before it fails the read. Memory rings are reserved
 * from the server-wide fastcgi.max-buffered-input budget; when it is used up, input spills to the file at once.
 */
final class RequestInput extends InputStream {

	/** Where more input comes from when the stream is empty. */
	interface Source {

		/** Whether the calling request currently owns the connection's input (and should pull). */
		boolean owns(Request request);

		/** Reads and decodes records until this request gets input, its input ends, or it fails. */
		void pull(Request request) throws IOException;

	}

	private static final int INITIAL_RING = 4096;

	private final Request request;

	private final Source source;

	private final long memoryLimit;

	private final Path spillDirectory;

	private final SpillListener spillListener;

	private final byte[] single = new byte[1];

	/** Guards the buffer state; a lock rather than a monitor so waiting virtual threads never pin a carrier. */
	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private byte[] ring;

	private int head;

	private int size;

	private FileChannel spill;

	private long fileWrite;

	private long fileRead;

	private boolean spilling;

	private volatile boolean ended;

	private boolean released;

	private IOException failure;

	/** The declared length (CONTENT_LENGTH or FCGI_DATA_LENGTH), or -1 when none was declared. */
	private long declaredLength = -1;

	/** fastcgi.max-body-size for a stream without a declared length, or -1 for none. */
	private long maxUndeclared = -1;

	/** Content bytes accepted so far (pushed and kept). */
	private long pushed;

	/** Content bytes handed to the reader so far. */
	private long delivered;

	private boolean overLimit;

	private final MemoryBudget budget;

	/** Told when a stream starts spilling (tests and metrics). */
	interface SpillListener {

		void spilled(Path file);

	}

	/** The server-wide bound on input held in memory (fastcgi.max-buffered-input). */
	interface MemoryBudget {

		/** No bound (tests). */
		MemoryBudget UNBOUNDED = new MemoryBudget() {

			@Override
			public boolean tryReserve(long bytes) {
				return true;
			}

			@Override
			public void release(long bytes) {
			}

		};

		/** Takes {@code bytes} of the budget; false (nothing taken) when that would pass it. */
		boolean tryReserve(long bytes);

		/** Gives back bytes taken by {@link #tryReserve(long)}. */
		void release(long bytes);

	}

	/** Told when a stream without a declared length passes fastcgi.max-body-size. */
	interface LimitListener {

		void bodyTooLarge(long limit);

	}

	private final LimitListener limitListener;

	RequestInput(Request request, Source source, long memoryLimit, Path spillDirectory, SpillListener spillListener) {
		this(request, source, memoryLimit, spillDirectory, spillListener, MemoryBudget.UNBOUNDED, null);
	}

	RequestInput(Request request, Source source, long memoryLimit, Path spillDirectory, SpillListener spillListener,
			MemoryBudget budget, LimitListener limitListener) {
		this.request = request;
		this.source = source;
		this.memoryLimit = memoryLimit;
		this.spillDirectory = spillDirectory;
		this.spillListener = spillListener;
		this.budget = budget;
		this.limitListener = limitListener;
	}

	/**
	 * Sets the stream's declared length (-1 for none) and the most bytes a stream without one may carry (-1 for no
	 * limit). With a declared length, the reader sees end of stream after exactly that many bytes; more are
	 * discarded, fewer followed by the end of the stream fail the read. Call before any input is pushed.
	 */
	void setLimits(long declaredLength, long maxUndeclared) {
		this.lock.lock();
		try {
			this.declaredLength = declaredLength;
			this.maxUndeclared = maxUndeclared;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Whether the stream failed because it passed fastcgi.max-body-size. */
	boolean isOverLimit() {
		this.lock.lock();
		try {
			return this.overLimit;
		}
		finally {
			this.lock.unlock();
		}
	}


	/** Appends record content (called by whichever thread reads the connection). */
	void push(ByteBuffer content) throws IOException {
		this.lock.lock();
		try {
			if (this.released || this.failure != null || this.ended) {
				return;
			}
			int length = content.remaining();
			if (this.declaredLength >= 0) {
				long room = this.declaredLength - this.pushed;
				if (length > room) {
					content = content.slice(content.position(), (int) room);
					length = (int) room;
				}
				if (length == 0) {
					return;
				}
			}
			else if (this.maxUndeclared >= 0 && this.pushed + length > this.maxUndeclared) {
				this.overLimit = true;
				this.failure = new IOException("request body passed fastcgi.max-body-size (" + this.maxUndeclared
						+ " bytes) without a declared length");
				discard();
				this.changed.signalAll();
				if (this.limitListener != null) {
					this.limitListener.bodyTooLarge(this.maxUndeclared);
				}
				return;
			}
			this.pushed += length;
			if (!this.spilling && (long) this.size + length <= this.memoryLimit && reserveRing(this.size + length)) {
				appendToRing(content, length);
			}
			else {
				appendToFile(content);
			}
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The empty record arrived. */
	void end() {
		this.lock.lock();
		try {
			this.ended = true;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isEnded() {
		return this.ended;
	}

	/**
	 * Whether all the input a reader can get has arrived: the empty record, or the declared length (the empty record
	 * may come later, or only after the response), or the stream failed.
	 */
	boolean isAllArrived() {
		this.lock.lock();
		try {
			return this.ended || this.failure != null || (this.declaredLength >= 0 && this.pushed >= this.declaredLength);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Whether the reader has taken all of the stream, its declared length or, without one, up to the empty record:
	 * no read could return more, so the request may end before its handler returns ({@link Request#completeWith}).
	 * A late empty record then finds the request gone and is skipped.
	 */
	boolean isConsumed() {
		this.lock.lock();
		try {
			return this.failure == null && !this.released && this.delivered == this.pushed
					&& ((this.declaredLength >= 0) ? this.delivered == this.declaredLength : this.ended);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Content bytes pushed and kept so far (whether read out since or not). */
	long pushedBytes() {
		this.lock.lock();
		try {
			return this.pushed;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Makes every later read fail with {@code cause} and drops what is buffered. */
	void fail(IOException cause) {
		this.lock.lock();
		try {
			if (this.failure == null) {
				this.failure = cause;
			}
			discard();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Drops what is buffered and deletes the spill file; later pushes are ignored. */
	void release() {
		this.lock.lock();
		try {
			this.released = true;
			discard();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Wakes a waiting reader (the input ownership changed). */
	void wakeUp() {
		this.lock.lock();
		try {
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public int read() throws IOException {
		int n = read(this.single, 0, 1);
		return (n <= 0) ? -1 : (this.single[0] & 0xFF);
	}

	@Override
	public int read(byte[] b, int off, int len) throws IOException {
		java.util.Objects.checkFromIndexSize(off, len, b.length);
		if (len == 0) {
			return 0;
		}
		while (true) {
			this.lock.lock();
			try {
				if (this.failure != null) {
					throw this.failure;
				}
				if (this.declaredLength >= 0 && this.delivered >= this.declaredLength) {
					return -1;
				}
				if (this.size > 0) {
					int n = readFromRing(b, off, len);
					this.delivered += n;
					return n;
				}
				if (this.spilling) {
					int n = readFromFile(b, off, len);
					this.delivered += n;
					return n;
				}
				if (this.ended && !this.released && this.declaredLength > this.delivered) {
					throw new IOException("request body ended after " + this.delivered + " of "
							+ this.declaredLength + " declared bytes");
				}
				if (this.ended || this.released) {
					return -1;
				}
				if (!this.source.owns(this.request)) {
					this.changed.await();
					continue;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new java.io.InterruptedIOException("interrupted while waiting for request input");
			}
			finally {
				this.lock.unlock();
			}
			this.source.pull(this.request);
		}
	}

	@Override
	public int available() throws IOException {
		this.lock.lock();
		try {
			if (this.failure != null) {
				throw this.failure;
			}
			return (int) Math.min(Integer.MAX_VALUE, this.size + (this.fileWrite - this.fileRead));
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void close() {
		release();
	}

	private void appendToRing(ByteBuffer content, int length) {
		int capacity = this.ring.length;
		int tail = (this.head + this.size) % capacity;
		int first = Math.min(length, capacity - tail);
		content.get(this.ring, tail, first);
		if (first < length) {
			content.get(this.ring, 0, length - first);
		}
		this.size += length;
	}

	/** Makes the ring big enough for {@code needed} bytes within the memory budget; false to spill instead. */
	private boolean reserveRing(long needed) {
		int current = (this.ring != null) ? this.ring.length : 0;
		if (current >= needed) {
			return true;
		}
		long capacity = Math.max(current, INITIAL_RING);
		while (capacity < needed) {
			capacity *= 2;
		}
		capacity = Math.max(needed, Math.min(capacity, this.memoryLimit));
		if (!this.budget.tryReserve(capacity - current)) {
			return false;
		}
		resizeRing((int) capacity);
		return true;
	}

	private void resizeRing(int capacity) {
		byte[] bigger = new byte[capacity];
		if (this.ring != null && this.size > 0) {
			int first = Math.min(this.size, this.ring.length - this.head);
			System.arraycopy(this.ring, this.head, bigger, 0, first);
			System.arraycopy(this.ring, 0, bigger, first, this.size - first);
		}
		this.ring = bigger;
		this.head = 0;
	}

	private int readFromRing(byte[] b, int off, int len) {
		int n = Math.min(len, this.size);
		int first = Math.min(n, this.ring.length - this.head);
		System.arraycopy(this.ring, this.head, b, off, first);
		if (first < n) {
			System.arraycopy(this.ring, 0, b, off + first, n - first);
		}
		this.head = (this.head + n) % this.ring.length;
		this.size -= n;
		if (this.size == 0) {
			this.head = 0;
		}
		return n;
	}

	private void appendToFile(ByteBuffer content) throws IOException {
		if (this.spill == null) {
			Files.createDirectories(this.spillDirectory);
			Path file = Files.createTempFile(this.spillDirectory, "fastcgi-spill-", ".tmp");
			this.spill = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
					StandardOpenOption.DELETE_ON_CLOSE);
			if (this.spillListener != null) {
				this.spillListener.spilled(file);
			}
		}
		this.spilling = true;
		while (content.hasRemaining()) {
			this.fileWrite += this.spill.write(content, this.fileWrite);
		}
	}

	private int readFromFile(byte[] b, int off, int len) throws IOException {
		int n = (int) Math.min(len, this.fileWrite - this.fileRead);
		ByteBuffer dst = ByteBuffer.wrap(b, off, n);
		while (dst.hasRemaining()) {
			int r = this.spill.read(dst, this.fileRead + (n - dst.remaining()));
			if (r < 0) {
				throw new IOException("spill file ended early");
			}
		}
		this.fileRead += n;
		if (this.fileRead == this.fileWrite) {
			// caught up: back to memory, and give the disk space back
			this.spilling = false;
			this.fileRead = 0;
			this.fileWrite = 0;
			this.spill.truncate(0);
		}
		return n;
	}

	private void discard() {
		if (this.ring != null) {
			this.budget.release(this.ring.length);
		}
		this.ring = null;
		this.size = 0;
		this.head = 0;
		this.spilling = false;
		if (this.spill != null) {
			try {
				this.spill.close();
			}
			catch (IOException ex) {
				// DELETE_ON_CLOSE did its best
			}
			this.spill = null;
		}
	}

}
