package dev.fastcgi.client;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A non-blocking socket channel (TCP or Unix domain) driven by one selector, giving blocking reads and writes with
 * timeouts. While a write is stuck because the peer does not read, bytes the peer sends meanwhile are handed to an
 * {@link Incoming} callback, so a client writing a large body never deadlocks with a server writing a large
 * response. Not thread-safe.
 */
final class Transport implements Closeable {

	/** Receives bytes read while a write waits. */
	interface Incoming {

		/** Called with the bytes read (flipped buffer); the callee consumes what it can. */
		void accept(ByteBuffer bytes) throws IOException;

	}

	private final SocketChannel channel;

	private final Selector selector;

	private final SelectionKey key;

	private final SocketAddress remote;

	private boolean inputEnded;

	private Transport(SocketChannel channel, Selector selector, SelectionKey key, SocketAddress remote) {
		this.channel = channel;
		this.selector = selector;
		this.key = key;
		this.remote = remote;
	}

	/**
	 * Connects to {@code address} (an {@link java.net.InetSocketAddress} or {@link UnixDomainSocketAddress}).
	 * @throws ConnectException when refused, {@link SocketTimeoutException} when the connect timeout elapses
	 */
	static Transport connect(SocketAddress address, Duration connectTimeout) throws IOException {
		SocketChannel channel = (address instanceof UnixDomainSocketAddress)
				? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
		Selector selector = null;
		try {
			channel.configureBlocking(false);
			selector = Selector.open();
			SelectionKey key = channel.register(selector, 0);
			if (!channel.connect(address)) {
				key.interestOps(SelectionKey.OP_CONNECT);
				long deadline = deadline(connectTimeout);
				while (!channel.finishConnect()) {
					long remaining = remainingMillis(deadline);
					if (remaining <= 0) {
						throw new SocketTimeoutException(
								"connect to " + address + " timed out after " + connectTimeout.toMillis() + " ms");
					}
					selector.select(remaining);
					selector.selectedKeys().clear();
				}
			}
			key.interestOps(0);
			return new Transport(channel, selector, key, address);
		}
		catch (IOException | RuntimeException ex) {
			closeQuietly(selector);
			closeQuietly(channel);
			if (ex instanceof ConnectException && ex.getMessage() != null && !ex.getMessage().contains(address.toString())) {
				ConnectException described = new ConnectException(ex.getMessage() + ": " + address);
				described.initCause(ex);
				throw described;
			}
			throw ex;
		}
	}

	/** The local address, or null for an unnamed Unix socket. */
	SocketAddress localAddress() {
		try {
			return this.channel.getLocalAddress();
		}
		catch (IOException ex) {
			return null;
		}
	}

	/**
	 * Reads at least one byte into {@code dst}, waiting up to {@code timeout}.
	 * @return the number of bytes read, or -1 at end of stream (also after a connection reset)
	 * @throws SocketTimeoutException when nothing arrives in time
	 */
	int read(ByteBuffer dst, Duration timeout) throws IOException {
		if (this.inputEnded) {
			return -1;
		}
		long deadline = deadline(timeout);
		while (true) {
			int n = readNow(dst);
			if (n != 0) {
				return n;
			}
			long remaining = remainingMillis(deadline);
			if (remaining <= 0) {
				throw new SocketTimeoutException("no data from " + this.remote + " within " + timeout.toMillis() + " ms");
			}
			await(SelectionKey.OP_READ, remaining);
		}
	}

	/**
	 * Reads what is available without waiting.
	 * @return bytes read, 0 if none are available, -1 at end of stream
	 */
	int readNow(ByteBuffer dst) throws IOException {
		if (this.inputEnded) {
			return -1;
		}
		if (!dst.hasRemaining()) {
			throw new IllegalStateException("read buffer is full");
		}
		int n;
		try {
			n = this.channel.read(dst);
		}
		catch (IOException ex) {
			// a reset by the peer is an end of stream for our purposes
			n = -1;
		}
		if (n < 0) {
			this.inputEnded = true;
		}
		return n;
	}

	/** Whether the peer ended its output (EOF or reset was seen). */
	boolean isInputEnded() {
		return this.inputEnded;
	}

	/**
	 * Writes all of {@code src}. While the socket is not writable, readable bytes are read into {@code readBuffer}
	 * and passed to {@code incoming} (if not null).
	 * @throws SocketTimeoutException if no progress is made for {@code timeout}
	 */
	void write(ByteBuffer src, Duration timeout, ByteBuffer readBuffer, Incoming incoming) throws IOException {
		long deadline = deadline(timeout);
		while (src.hasRemaining()) {
			if (this.channel.write(src) > 0) {
				deadline = deadline(timeout);
				continue;
			}
			long remaining = remainingMillis(deadline);
			if (remaining <= 0) {
				throw new SocketTimeoutException("write to " + this.remote + " made no progress for "
						+ timeout.toMillis() + " ms (the peer stopped reading)");
			}
			boolean readToo = incoming != null && !this.inputEnded && readBuffer.hasRemaining();
			int ready = await(SelectionKey.OP_WRITE | (readToo ? SelectionKey.OP_READ : 0), remaining);
			if (readToo && (ready & SelectionKey.OP_READ) != 0) {
				int n = readNow(readBuffer);
				if (n > 0) {
					readBuffer.flip();
					incoming.accept(readBuffer);
					readBuffer.compact();
				}
			}
		}
	}

	/** Half-closes the output (FIN) while still reading. */
	void shutdownOutput() throws IOException {
		this.channel.shutdownOutput();
	}

	/** Whether the channel is still open on our side. */
	boolean isOpen() {
		return this.channel.isOpen();
	}

	private int await(int ops, long timeoutMillis) throws IOException {
		this.key.interestOps(ops);
		try {
			this.selector.select(Math.max(1, timeoutMillis));
			int ready = this.key.isValid() ? this.key.readyOps() : 0;
			this.selector.selectedKeys().clear();
			return ready;
		}
		finally {
			if (this.key.isValid()) {
				this.key.interestOps(0);
			}
		}
	}

	@Override
	public void close() {
		closeQuietly(this.selector);
		closeQuietly(this.channel);
	}

	static long deadline(Duration timeout) {
		return System.nanoTime() + timeout.toNanos();
	}

	static long remainingMillis(long deadline) {
		long nanos = deadline - System.nanoTime();
		return (nanos <= 0) ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
	}

	static void closeQuietly(Closeable closeable) {
		if (closeable != null) {
			try {
				closeable.close();
			}
			catch (IOException ex) {
				// nothing useful to do
			}
		}
	}

}
