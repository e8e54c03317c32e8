package dev.fastcgi.server.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The byte pipe under one connection: a blocking socket channel in production, an in-memory pipe in tests.
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

	/** Wraps a connected blocking {@link SocketChannel}. */
	static Endpoint of(SocketChannel channel) {
		return new SocketEndpoint(channel);
	}

	/** {@link Endpoint} over a blocking {@link SocketChannel}. */
	final class SocketEndpoint implements Endpoint {

		private final SocketChannel channel;

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
		public int read(ByteBuffer dst) throws IOException {
			return this.channel.read(dst);
		}

		@Override
		public void write(ByteBuffer src) throws IOException {
			while (src.hasRemaining()) {
				this.channel.write(src);
			}
		}

		@Override
		public void write(ByteBuffer[] srcs, int offset, int length) throws IOException {
			int first = offset;
			int end = offset + length;
			while (first < end) {
				this.channel.write(srcs, first, end - first);
				while (first < end && !srcs[first].hasRemaining()) {
					first++;
				}
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
