package dev.fastcgi.server.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Logs at most one line per interval for a class of events that a misbehaving peer can trigger at will (refused
 * connections, overload), counting what it suppressed.
 */
final class RateLimitedLog {

	private final long intervalNanos;

	private final AtomicLong nextNanos = new AtomicLong(Long.MIN_VALUE);

	private final AtomicLong suppressed = new AtomicLong();

	RateLimitedLog(long intervalNanos) {
		this.intervalNanos = intervalNanos;
	}

	/** One line per 10 seconds. */
	static RateLimitedLog every10Seconds() {
		return new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
	}

	/** Logs the message at WARNING unless a line was logged within the interval. */
	void log(System.Logger logger, Supplier<String> message) {
		long now = System.nanoTime();
		long next = this.nextNanos.get();
		boolean tooSoon = next != Long.MIN_VALUE && now - next < 0;
		if (tooSoon || !this.nextNanos.compareAndSet(next, now + this.intervalNanos)) {
			this.suppressed.incrementAndGet();
			return;
		}
		long count = this.suppressed.getAndSet(0);
		String suffix = (count > 0) ? " (" + count + " similar events not logged)" : "";
		logger.log(System.Logger.Level.WARNING, message.get() + suffix);
	}

}
