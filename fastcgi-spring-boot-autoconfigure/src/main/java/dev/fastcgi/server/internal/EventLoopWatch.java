package dev.fastcgi.server.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.fastcgi.server.ServerListener.HandOffReason;

/**
 * Watches the {@link EventLoop}s of one server: every {@link #TICK_NANOS} while a loop's request has run for a tick
 * or more (or a loop dispatches), every {@link #RELAXED_TICK_NANOS} while every request it finds is younger than that
 * (under load, nearly every check), and every {@link #QUIET_TICK_NANOS} after {@link #QUIET_TICKS} checks found no
 * loop serving. Each wake-up of the watch costs the machine a timer and two context switches (about 30 µs of CPU on
 * a virtual machine here), so a loaded server with fast requests pays for half as many as with a fixed 1 ms tick.
 * <p>
 * It hands a loop's selector to a new thread when the leader is stuck in a request: asleep in it at two checks in a
 * row (blocked on a lock, a socket, a sleep), or busy for longer than {@link EventLoop#MAX_SERVE_NANOS}. The handler
 * keeps running on its thread; only the other connections move on. Asleep means the kernel's state of the thread
 * (S or D in {@code /proc/self/task/<tid>/stat}), so a thread that only waits for a core on a busy machine (R) is
 * not taken for blocked; where {@code /proc} is not there, the Java thread state (waiting on a lock, a condition or
 * a sleep; a socket read then goes unseen until the 10 ms limit). A pause of the whole JVM (a garbage collection, a
 * safepoint) stops the leaders and the watch together, and a leader stopped in one looks asleep: a wake-up of the
 * watch {@link #STALL_NANOS} late judges nothing, nor do checks that took that long (the pause came while the watch
 * checked), and a serve's time counts from the end of such a stall ({@link #resumed}).
 * <p>
 * It also decides when a loop dispatches: once the leader was found asleep in a request in more than a tenth of the
 * checks of a window of {@link #WINDOW_TICKS}, ready connections go to pooled threads, until a window in which
 * fewer than 1 in 20 of the (at least {@link #MIN_DISPATCHED_SERVES}) serves of those threads took over
 * {@link EventLoop#SLOW_SERVE_NANOS}. A request is only checked once it has run for a tick, so fast requests cost
 * the watch nothing. A leader that blocks is handed over within about 4 ms: the first check that finds its request a
 * tick old (within a relaxed tick and a tick of the block), then a second check a tick later.
 */
final class EventLoopWatch implements Runnable {

	private static final System.Logger logger = System.getLogger(EventLoop.class.getName());

	/** How often the loops are checked while a request has run for a tick or more (1 ms). */
	static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** How often while every request found running is younger than a tick (2 ms). */
	static final long RELAXED_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

	/** How late a wake-up of the watch may be before it counts as a stall of the JVM or the machine (1 ms). */
	static final long STALL_NANOS = TICK_NANOS;

	/** What a check found of a loop. */
	private enum Seen {

		/** Not serving a connection. */
		IDLE,

		/** Serving one for less than a tick. */
		SERVING,

		/** Serving one for a tick or more, or dispatching: the watch looks again after a tick. */
		WATCHING

	}

	/** How often once no loop was seen serving for {@link #QUIET_TICKS} checks (an idle server wakes less). */
	static final long QUIET_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	static final int QUIET_TICKS = 100;

	/** Checks per window that decides whether a loop dispatches (50, i.e. 50 ms under load). */
	static final int WINDOW_TICKS = 50;

	/** Dispatched serves a window needs before it may end the dispatching. */
	static final int MIN_DISPATCHED_SERVES = 20;

	private static final long DISPATCH_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final EventLoop[] loops;

	/** The kernel state of each loop's leader, by the loops' index (watch thread only). */
	private final KernelThreadState[] leaderStates;

	private final Thread thread;

	private volatile boolean running = true;

	/** When the watch last woke from a stall ({@link #resumed}); serves count from then at the earliest. */
	private long resumedNanos = System.nanoTime();

	EventLoopWatch(EventLoop[] loops) {
		this.loops = loops;
		this.leaderStates = new KernelThreadState[loops.length];
		for (int i = 0; i < loops.length; i++) {
			this.leaderStates[i] = new KernelThreadState();
		}
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
		long tick = TICK_NANOS;
		long checked = System.nanoTime();
		try {
			while (this.running) {
				long sleep = (quiet < QUIET_TICKS) ? tick : QUIET_TICK_NANOS;
				LockSupport.parkNanos(this, sleep);
				long now = System.nanoTime();
				if (now - checked - sleep > STALL_NANOS) {
					// stalled while asleep, or between the last checks and the sleep
					resumed(now);
					checked = now;
					tick = TICK_NANOS;
					continue;
				}
				Seen most = Seen.IDLE;
				for (int i = 0; i < this.loops.length; i++) {
					Seen seen = check(this.loops[i], this.leaderStates[i], now);
					if (seen.compareTo(most) > 0) {
						most = seen;
					}
				}
				quiet = (most != Seen.IDLE) ? 0 : Math.min(quiet + 1, QUIET_TICKS);
				tick = (most == Seen.WATCHING) ? TICK_NANOS : RELAXED_TICK_NANOS;
				checked = System.nanoTime();
				if (checked - now > STALL_NANOS) {
					// stalled during the checks: the serves they timed from before it count from now
					resumed(checked);
					tick = TICK_NANOS;
				}
			}
		}
		finally {
			for (KernelThreadState state : this.leaderStates) {
				state.close();
			}
		}
	}

	/**
	 * The watch woke {@link #STALL_NANOS} or more after it was due, or its checks took that long: the whole JVM was
	 * paused (a garbage collection, a safepoint) or the machine gave the watch no CPU, and the leaders were stopped or
	 * kept waiting with it. What they were doing then says nothing about their requests, so this check judges
	 * nothing, a leader must be found asleep at two checks after it, and a serve's time towards
	 * {@link EventLoop#MAX_SERVE_NANOS} counts from now.
	 */
	private void resumed(long now) {
		this.resumedNanos = now;
		for (EventLoop loop : this.loops) {
			loop.asleepTicks = 0;
		}
	}

	/** Checks one loop. */
	private Seen check(EventLoop loop, KernelThreadState leaderState, long now) {
		if (loop.isDispatching()) {
			if (++loop.windowTicks >= WINDOW_TICKS) {
				loop.windowTicks = 0;
				int served = loop.dispatchedServes.get();
				if (served >= MIN_DISPATCHED_SERVES) {
					int slow = loop.dispatchedSlowServes.getAndSet(0);
					loop.dispatchedServes.addAndGet(-served);
					if (slow * 20 < served) {
						loop.asleepWindowTicks = 0;
						loop.dispatching(false);
					}
				}
			}
			return Seen.WATCHING;
		}
		Seen seen = checkServe(loop, leaderState, now);
		if (++loop.windowTicks >= WINDOW_TICKS) {
			endWindow(loop, now);
		}
		return seen;
	}

	private Seen checkServe(EventLoop loop, KernelThreadState leaderState, long now) {
		long stamp = loop.servingStamp();
		if (stamp == 0) {
			loop.watchedStamp = 0;
			return Seen.IDLE;
		}
		Thread leader = loop.leader();
		if (leader == null) {
			return Seen.SERVING;
		}
		// a serve that began before the last stall counts from the end of it
		long since = (stamp - this.resumedNanos < 0) ? this.resumedNanos : stamp;
		if (stamp != loop.watchedStamp) {
			// a serve seen for the first time: most end long before a tick
			loop.watchedStamp = stamp;
			loop.asleepTicks = 0;
			if (now - since < TICK_NANOS) {
				return Seen.SERVING;
			}
		}
		boolean asleep = KernelThreadState.isAsleep(leaderState, loop.leaderTid(), leader);
		if (asleep) {
			loop.asleepWindowTicks++;
			loop.asleepTicks++;
		}
		else {
			loop.asleepTicks = 0;
		}
		HandOffReason reason = null;
		if (now - since > EventLoop.MAX_SERVE_NANOS) {
			reason = HandOffReason.BUSY;
		}
		else if (loop.asleepTicks >= 2) {
			reason = HandOffReason.BLOCKED;
		}
		if (reason != null && loop.takeOver(stamp, reason)) {
			loop.watchedStamp = 0;
		}
		return Seen.WATCHING;
	}

	private void endWindow(EventLoop loop, long now) {
		boolean blocking = loop.asleepWindowTicks * 10 > loop.windowTicks;
		loop.windowTicks = 0;
		loop.asleepWindowTicks = 0;
		if (!blocking) {
			return;
		}
		loop.dispatchedServes.set(0);
		loop.dispatchedSlowServes.set(0);
		loop.dispatching(true);
		if (loop.dispatchLoggedNanos == 0 || now - loop.dispatchLoggedNanos > DISPATCH_LOG_INTERVAL_NANOS) {
			loop.dispatchLoggedNanos = now | 1;
			logger.log(System.Logger.Level.INFO, () -> "FastCGI event loop " + loop.name() + ": requests often block "
					+ "its thread, so pooled threads serve its connections until few of them take over 1 ms (an "
					+ "application whose requests mostly wait, on a database say, may be served better with "
					+ "fastcgi.event-loop=false; logged at most once a minute)");
		}
	}

}
