package dev.fastcgi.server.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * The byte pipe under one connection: a socket channel in production (blocking, or non-blocking when it parks on
 * an event loop between requests), an in-memory pipe in tests.
 */
public interface Endpoint {

	/** Blocking read; -1 at end of stream. */
	int read(ByteBuffer dst) throws IOException;

	/** Blocking write of everything remaining in {@code src}. */
	void write(ByteBuffer src) throws IOException;

	/**
	 * Blocking gathered write of everything remaining in {@code srcs} (one system call when the transport allows):
	 * by default one {@link #write(ByteBuffer)} per buffer.
	 */
	default void write(ByteBuffer[] srcs, int offset, int length) throws IOException {
		for (int i = offset; i < offset + length; i++) {
			write(srcs[i]);
		}
	}

	/** Half-closes the output side (the peer sees end of stream after what was written). */
	void shutdownOutput() throws IOException;

	/** Closes both directions; a blocked read or write fails. Idempotent. */
	void close();

	/** The peer's address, or null (Unix sockets). */
	SocketAddress remoteAddress();

	/** The local address, or null. */
	SocketAddress localAddress();

	/**
	 * Switches the endpoint to non-blocking mode so its channel can be watched by an {@link EventLoop}: reads and writes
	 * still block the caller (waiting on a selector of their own), and {@link #readArrived} reads without waiting.
	 * @return the channel to register, or null if this endpoint cannot be polled (it then stays blocking)
	 */
	default SelectableChannel enablePolling() {
		return null;
	}

	/** Back to blocking mode (no event loop after all). */
	default void disablePolling() {
	}

	/** {@link #readArrived}: this endpoint cannot read without waiting. */
	int CANNOT_TELL = -2;

	/**
	 * Reads only what has already arrived, without waiting: the bytes read, 0 when none has, -1 at the end of the
	 * stream, or {@link #CANNOT_TELL} when this endpoint cannot read without waiting. After {@link #enablePolling} a
	 * plain non-blocking read; in blocking mode it may also answer 0 at the end of the stream (where the transport
	 * tells that nothing is there without reading).
	 */
	default int readArrived(ByteBuffer dst) throws IOException {
		return CANNOT_TELL;
	}

	/** Wraps a connected blocking {@link SocketChannel}. */
	static Endpoint of(SocketChannel channel) {
		return new SocketEndpoint(channel);
	}

	/**
	 * {@link Endpoint} over a {@link SocketChannel}: blocking, or non-blocking once {@link #enablePolling()} is
	 * called, where a read or write that cannot proceed waits on a selector of its own (one for reads, one for
	 * writes, opened on first use and closed with the endpoint).
	 */
	final class SocketEndpoint implements Endpoint {

		private final SocketChannel channel;

		private volatile boolean nonBlocking;

		private final Object waitLock = new Object();

		private Selector readWait;

		private Selector writeWait;

		private boolean closed;

		private final SocketAddress remote;

		private final SocketAddress local;

		SocketEndpoint(SocketChannel channel) {
			this.channel = channel;
			this.remote = addressOf(channel, true);
			this.local = addressOf(channel, false);
		}

		private static SocketAddress addressOf(SocketChannel channel, boolean remote) {
			try {
				SocketAddress a = remote ? channel.getRemoteAddress() : channel.getLocalAddress();
				if (a instanceof java.net.UnixDomainSocketAddress) {
					return null;
				}
				return a;
			}
			catch (IOException | RuntimeException ex) {
				return null;
			}
		}

		@Override
		public SelectableChannel enablePolling() {
			try {
				this.channel.configureBlocking(false);
			}
			catch (IOException | RuntimeException ex) {
				return null;
			}
			this.nonBlocking = true;
			return this.channel;
		}

		@Override
		public void disablePolling() {
			try {
				this.channel.configureBlocking(true);
				this.nonBlocking = false;
			}
			catch (IOException | RuntimeException ex) {
				// stays non-blocking: reads and writes still wait on their own selectors
			}
		}

		/**
		 * Non-blocking, a plain read. Blocking, over TCP, first one {@code ioctl(FIONREAD)} through the socket adaptor:
		 * when it finds nothing, no read is needed. Otherwise (bytes are there, or a Unix socket, which has no
		 * adaptor) one read in non-blocking mode, then blocking again.
		 */
		@Override
		public int readArrived(ByteBuffer dst) throws IOException {
			if (this.nonBlocking) {
				return this.channel.read(dst);
			}
			if (this.remote != null && bytesArrived() == 0) {
				return 0;
			}
			this.channel.configureBlocking(false);
			this.nonBlocking = true;
			try {
				return this.channel.read(dst);
			}
			finally {
				// if it cannot go back, it stays non-blocking, as after a failed disablePolling
				disablePolling();
			}
		}

		/** What {@code ioctl(FIONREAD)} tells of a TCP socket (0 at the end of the stream too), or -1 on failure. */
		private int bytesArrived() {
			try {
				return this.channel.socket().getInputStream().available();
			}
			catch (IOException | RuntimeException ex) {
				return -1;
			}
		}

		@Override
		public int read(ByteBuffer dst) throws IOException {
			int n = this.channel.read(dst);
			while (n == 0 && this.nonBlocking && dst.hasRemaining()) {
				await(SelectionKey.OP_READ);
				n = this.channel.read(dst);
			}
			return n;
		}

		@Override
		public void write(ByteBuffer src) throws IOException {
			while (src.hasRemaining()) {
				if (this.channel.write(src) == 0 && this.nonBlocking) {
					await(SelectionKey.OP_WRITE);
				}
			}
		}

		@Override
		public void write(ByteBuffer[] srcs, int offset, int length) throws IOException {
			int first = offset;
			int end = offset + length;
			while (first < end) {
				if (this.channel.write(srcs, first, end - first) == 0 && this.nonBlocking) {
					await(SelectionKey.OP_WRITE);
				}
				while (first < end && !srcs[first].hasRemaining()) {
					first++;
				}
			}
		}

		/** Waits until the channel is ready for {@code op} (non-blocking mode); fails if the endpoint closes. */
		private void await(int op) throws IOException {
			Selector selector;
			synchronized (this.waitLock) {
				if (this.closed) {
					throw new AsynchronousCloseException();
				}
				selector = (op == SelectionKey.OP_READ) ? this.readWait : this.writeWait;
				if (selector == null) {
					selector = Selector.open();
					this.channel.register(selector, op);
					if (op == SelectionKey.OP_READ) {
						this.readWait = selector;
					}
					else {
						this.writeWait = selector;
					}
				}
			}
			EventLoop.beforeBlocking();
			try {
				selector.select();
				selector.selectedKeys().clear();
			}
			catch (ClosedSelectorException ex) {
				throw new AsynchronousCloseException();
			}
			if (Thread.currentThread().isInterrupted()) {
				// as a blocking channel does: an interrupted read or write closes the channel
				close();
				throw new ClosedByInterruptException();
			}
			if (!this.channel.isOpen()) {
				throw new AsynchronousCloseException();
			}
		}

		@Override
		public void shutdownOutput() throws IOException {
			this.channel.shutdownOutput();
		}

		@Override
		public void close() {
			try {
				this.channel.close();
			}
			catch (IOException ex) {
				// nothing more to do
			}
			Selector read;
			Selector write;
			synchronized (this.waitLock) {
				this.closed = true;
				read = this.readWait;
				write = this.writeWait;
			}
			// wakes a waiting read or write, and deregisters the channel so its socket really closes
			closeQuietly(read);
			closeQuietly(write);
		}

		private static void closeQuietly(Selector selector) {
			if (selector != null) {
				try {
					selector.close();
				}
				catch (IOException ex) {
					// nothing more to do
				}
			}
		}

		@Override
		public SocketAddress remoteAddress() {
			return this.remote;
		}

		@Override
		public SocketAddress localAddress() {
			return this.local;
		}

	}

}
