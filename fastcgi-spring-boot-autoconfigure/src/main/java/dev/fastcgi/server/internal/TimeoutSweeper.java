package dev.fastcgi.server.internal;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.server.ServerConfig;

/**
 * One thread that checks every connection's timeouts (fastcgi.idle-timeout, fastcgi.read-timeout,
 * fastcgi.write-timeout, fastcgi.params-timeout, fastcgi.request-timeout) a few times per shortest timeout, and
 * closes connections (or, for the request timeout, ends requests) that ran over. Blocking reads and
 * writes end when their channel is closed, so no I/O call needs a timeout of its own.
 */
public final class TimeoutSweeper {

	private final EngineContext context;

	private final ScheduledExecutorService executor;

	/** Creates the sweeper (its thread starts with {@link #start()}). */
	public TimeoutSweeper(EngineContext context) {
		this.context = context;
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, (runnable) -> {
			Thread thread = new Thread(runnable, "fastcgi-timeouts");
			thread.setDaemon(true);
			return thread;
		});
		scheduler.setRemoveOnCancelPolicy(true);
		this.executor = scheduler;
	}

	/** Starts sweeping. */
	public void start() {
		long period = period(this.context.config());
		this.executor.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
	}

	static long period(ServerConfig config) {
		Duration shortest = config.idleTimeout();
		if (config.readTimeout().compareTo(shortest) < 0) {
			shortest = config.readTimeout();
		}
		if (config.writeTimeout().compareTo(shortest) < 0) {
			shortest = config.writeTimeout();
		}
		if (config.paramsTimeout().compareTo(shortest) < 0) {
			shortest = config.paramsTimeout();
		}
		if (!config.requestTimeout().isZero() && config.requestTimeout().compareTo(shortest) < 0) {
			shortest = config.requestTimeout();
		}
		// at most 50 ms: the sweeper also hands reading to a new thread when a reader runs a slow request
		return Math.max(10, Math.min(50, shortest.toMillis() / 4));
	}

	private void sweep() {
		long now = System.nanoTime();
		for (Connection connection : this.context.connections()) {
			try {
				connection.checkTimeouts(now);
			}
			catch (RuntimeException ex) {
				// never let one connection stop the sweeps
			}
		}
	}

	/** Stops the sweeper thread and waits for it. */
	public void stop() {
		this.executor.shutdownNow();
		try {
			this.executor.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
