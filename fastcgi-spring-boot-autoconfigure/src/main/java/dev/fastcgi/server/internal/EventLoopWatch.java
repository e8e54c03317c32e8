package dev.fastcgi.server.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.fastcgi.server.ServerListener.HandOffReason;

/**
 * Watches the {@link EventLoop}s of one server every {@link #TICK_NANOS} (every {@link #QUIET_TICK_NANOS} after
 * {@link #QUIET_TICKS} checks found no loop serving) and hands a loop's selector to a new thread
 * when its leader is stuck in a request: blocked (its thread used less than a quarter of the time that passed over the
 * last {@link #BLOCKED_NANOS} or more; where thread CPU times are not available, it waits on a lock, a condition or
 * a sleep), or busy for longer than
 * {@link EventLoop#MAX_SERVE_NANOS}. The handler keeps running on its thread; only the other connections move on.
 */
final class EventLoopWatch implements Runnable {

	/** How often the loops are checked (1 ms). */
	static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** How often once no loop was seen serving for {@link #QUIET_TICKS} checks (an idle server wakes less). */
	static final long QUIET_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	static final int QUIET_TICKS = 100;

	/**
	 * How long a serve is watched before its thread's CPU time can tell that it is blocked (2 ms: a thread waiting
	 * for a core on a busy machine must not look blocked).
	 */
	static final long BLOCKED_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

	private final EventLoop[] loops;

	private final ThreadMXBean threads;

	private final boolean cpuTime;

	private final Thread thread;

	private volatile boolean running = true;

	EventLoopWatch(EventLoop[] loops) {
		this.loops = loops;
		ThreadMXBean bean = null;
		boolean supported = false;
		try {
			bean = ManagementFactory.getThreadMXBean();
			supported = bean.isThreadCpuTimeSupported() && bean.isThreadCpuTimeEnabled();
		}
		catch (RuntimeException | LinkageError ex) {
			// no CPU times: thread states and the serve limit still apply
		}
		this.threads = bean;
		this.cpuTime = supported;
		this.thread = new Thread(this, "fastcgi-loop-watch");
		this.thread.setDaemon(true);
	}

	void start() {
		this.thread.start();
	}

	void stop() {
		this.running = false;
		LockSupport.unpark(this.thread);
	}

	@Override
	public void run() {
		int quiet = 0;
		while (this.running) {
			LockSupport.parkNanos(this, (quiet < QUIET_TICKS) ? TICK_NANOS : QUIET_TICK_NANOS);
			long now = System.nanoTime();
			boolean serving = false;
			for (EventLoop loop : this.loops) {
				serving |= check(loop, now);
			}
			quiet = serving ? 0 : Math.min(quiet + 1, QUIET_TICKS);
		}
	}

	/** Checks one loop; whether it was serving a connection. */
	private boolean check(EventLoop loop, long now) {
		long stamp = loop.servingStamp();
		if (stamp == 0) {
			loop.watchedStamp = 0;
			return false;
		}
		Thread leader = loop.leader();
		if (leader == null) {
			return true;
		}
		if (stamp != loop.watchedStamp) {
			loop.watchedStamp = stamp;
			loop.watchedAtNanos = now;
			loop.watchedCpuNanos = cpuNanos(leader);
			return true;
		}
		HandOffReason reason = (now - stamp > EventLoop.MAX_SERVE_NANOS) ? HandOffReason.BUSY : null;
		long watched = now - loop.watchedAtNanos;
		if (reason == null && watched >= BLOCKED_NANOS) {
			long cpu = cpuNanos(leader);
			boolean blocked;
			if (cpu >= 0 && loop.watchedCpuNanos >= 0) {
				blocked = cpu - loop.watchedCpuNanos < watched / 4;
			}
			else {
				Thread.State state = leader.getState();
				blocked = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING
						|| state == Thread.State.BLOCKED;
			}
			reason = blocked ? HandOffReason.BLOCKED : null;
			loop.watchedAtNanos = now;
			loop.watchedCpuNanos = cpu;
		}
		if (reason != null && loop.takeOver(stamp, reason)) {
			loop.watchedStamp = 0;
		}
		return true;
	}

	@SuppressWarnings("deprecation")
	private long cpuNanos(Thread thread) {
		if (!this.cpuTime) {
			return -1;
		}
		try {
			return this.threads.getThreadCpuTime(thread.getId());
		}
		catch (RuntimeException ex) {
			return -1;
		}
	}

}
