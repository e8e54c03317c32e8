package dev.fastcgi.server.internal;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.server.ServerConfig;

/**
 * One thread that checks every connection's timeouts (fastcgi.idle-timeout, fastcgi.read-timeout,
 * fastcgi.write-timeout, fastcgi.params-timeout, fastcgi.request-timeout) a few times per shortest timeout, and
 * closes connections (or, for the request timeout, ends requests) that ran over; every {@link #BUSY_PERIOD_MILLIS}
 * while multiplexed connections' readers run requests themselves ({@link Connection#checkTimeouts}). Blocking reads and
 * writes end when their channel is closed, so no I/O call needs a timeout of its own.
 */
public final class TimeoutSweeper {

	private final EngineContext context;

	private final ScheduledExecutorService executor;

	/**
	 * The period while multiplexed connections' readers run requests themselves (2 ms): with
	 * {@link Connection#MULTIPLEXED_TAKEOVER_NANOS}, a slow one hands reading to another thread within about 4 ms.
	 */
	static final long BUSY_PERIOD_MILLIS = 2;

	private volatile long period;

	/** Reads the state of multiplexed readers running requests (sweeper thread only). */
	private final KernelThreadState threadStates = new KernelThreadState();

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
		this.period = period(this.context.config());
		schedule(this.period);
	}

	private void schedule(long millis) {
		try {
			this.executor.schedule(this::sweepAndReschedule, millis, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// stopping
		}
	}

	private void sweepAndReschedule() {
		try {
			sweep();
		}
		finally {
			// while multiplexed readers run requests themselves, a slow one must lose its reading within milliseconds
			schedule(this.context.takeInlineRunsSeen() ? Math.min(this.period, BUSY_PERIOD_MILLIS) : this.period);
		}
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
				connection.checkTimeouts(now, this.threadStates);
			}
			catch (RuntimeException ex) {
				// never let one connection stop the sweeps
			}
		}
		// no file stays open between sweeps (the readers it looked at may be gone by the next one)
		this.threadStates.close();
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
