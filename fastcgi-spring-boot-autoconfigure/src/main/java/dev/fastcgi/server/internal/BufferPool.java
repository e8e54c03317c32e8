package dev.fastcgi.server.internal;

import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers of one size, reused across connections so that short-lived connections (a web server without
 * keep-alive opens one per request) do not allocate and free direct memory each time. Keeps at most
 * {@code maxPooled} idle buffers; beyond that a returned buffer is left to the garbage collector.
 */
final class BufferPool {

	private final int size;

	private final int maxPooled;

	private final Queue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();

	private final AtomicInteger idleCount = new AtomicInteger();

	BufferPool(int size, int maxPooled) {
		this.size = size;
		this.maxPooled = maxPooled;
	}

	/** A cleared buffer of {@link #size()} bytes. */
	ByteBuffer acquire() {
		ByteBuffer buffer = this.idle.poll();
		if (buffer == null) {
			return ByteBuffer.allocateDirect(this.size);
		}
		this.idleCount.decrementAndGet();
		return buffer.clear();
	}

	/** Gives a buffer back; the caller must not touch it afterwards. */
	void release(ByteBuffer buffer) {
		if (buffer == null || buffer.capacity() != this.size) {
			return;
		}
		if (this.idleCount.incrementAndGet() <= this.maxPooled) {
			this.idle.add(buffer);
		}
		else {
			this.idleCount.decrementAndGet();
		}
	}

	int size() {
		return this.size;
	}

}
