package dev.fastcgi.server.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The platform-thread pool that runs requests (multithreaded, without virtual threads): up to {@code maxThreads}
 * threads, at most {@code queueCapacity} tasks waiting, idle threads ending after {@link #KEEP_ALIVE_NANOS}.
 * <p>
 * It keeps the number of workers that run at once near the number of CPUs. Every task enters one FIFO queue; a worker
 * is sent for it (the one idle for the shortest time, else a new thread) only while fewer than {@code busyTarget}
 * workers run tasks or are on their way; otherwise the next worker to finish takes it without going to sleep. Whoever
 * comes first takes the task, so a woken worker that is slow to get a CPU holds nothing up. Waking a sleeping thread
 * for every request costs a wake-up, a sleep and two context switches per request, which is what a multiplexed
 * connection (whose requests all go to workers) spent most of its extra time on.
 * <p>
 * A task never waits long for workers that are busy but blocked (handlers waiting for a database): a watch thread
 * sends a worker for every task that has waited {@link #HANDOFF_NANOS} with none on its way (idle or new, up to
 * {@code maxThreads}). So with handlers that block, the pool grows until tasks wait less than that; a queued task
 * waits at most about that long while threads remain. The watch sleeps while nothing waits, and wakes at most once
 * per {@link #HANDOFF_NANOS} while tasks keep being queued.
 */
final class RequestPool extends AbstractExecutorService {

	private static final System.Logger logger = System.getLogger(RequestPool.class.getName());

	/** How long a queued task may wait for a busy worker before the watch gives it a worker of its own. */
	static final long HANDOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** How long a thread stays idle before it ends. */
	static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(30);

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition terminated = this.lock.newCondition();

	private final int maxThreads;

	private final int busyTarget;

	private final long handoffNanos;

	private final ThreadFactory factory;

	private final int queueCapacity;

	private final RateLimitedLog startFailures = RateLimitedLog.every10Seconds();

	/** Queued tasks in a ring, with when each was queued. */
	private final Runnable[] queue;

	private final long[] queuedAt;

	private int head;

	private int count;

	/** Idle workers, the most recently idle first. */
	private final ArrayDeque<Worker> idle = new ArrayDeque<>();

	private final Set<Worker> workers = new HashSet<>();

	/** Workers running a task. */
	private int busy;

	/** Workers sent for a queued task and not there yet (woken, or new threads starting). */
	private int waking;

	/** Tasks accepted and not yet finished (busy + queued), for {@link Workers#tryEnterInline()}. */
	private volatile int submitted;

	/** Tasks queued since the watch last looked. */
	private int queuedSinceWatch;

	private Thread watch;

	private boolean watchSleeping;

	private volatile boolean shutdown;

	/**
	 * @param maxThreads the most threads
	 * @param queueCapacity the most tasks waiting for a worker
	 * @param busyTarget while this many workers run tasks, a new task waits for one of them (up to
	 * {@link #HANDOFF_NANOS})
	 * @param factory makes the worker threads
	 */
	RequestPool(int maxThreads, int queueCapacity, int busyTarget, ThreadFactory factory) {
		this(maxThreads, queueCapacity, busyTarget, HANDOFF_NANOS, factory);
	}

	RequestPool(int maxThreads, int queueCapacity, int busyTarget, long handoffNanos, ThreadFactory factory) {
		this.maxThreads = maxThreads;
		this.busyTarget = Math.max(1, busyTarget);
		this.handoffNanos = handoffNanos;
		this.factory = factory;
		this.queueCapacity = queueCapacity;
		// room for the tasks that wait and for those that workers are on their way to take
		this.queue = new Runnable[queueCapacity + maxThreads];
		this.queuedAt = new long[this.queue.length];
	}

	/** The busy target for this machine: its CPU count, at least 2. */
	static int defaultBusyTarget() {
		return Math.max(2, Runtime.getRuntime().availableProcessors());
	}

	@Override
	public void execute(Runnable task) {
		Worker signalled;
		Thread wakeWatch = null;
		this.lock.lock();
		try {
			if (this.shutdown) {
				throw new RejectedExecutionException("the request pool is shut down");
			}
			if (this.count - this.waking >= this.queueCapacity) {
				throw new RejectedExecutionException("no worker and the queue is full");
			}
			enqueue(task);
			this.submitted++;
			signalled = (this.waking < this.count && this.busy + this.waking < this.busyTarget) ? signal() : null;
			if (signalled == null) {
				wakeWatch = armWatch();
			}
		}
		finally {
			this.lock.unlock();
		}
		wake(signalled);
		if (wakeWatch != null) {
			LockSupport.unpark(wakeWatch);
		}
	}

	/** Tasks accepted and not yet finished. */
	int submitted() {
		return this.submitted;
	}

	/** Threads in the pool. */
	int threadCount() {
		this.lock.lock();
		try {
			return this.workers.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Tasks waiting with no worker on its way to take them. */
	int waiting() {
		this.lock.lock();
		try {
			return this.count - this.waking;
		}
		finally {
			this.lock.unlock();
		}
	}

	// ---- under the lock ---------------------------------------------------------------------------------------

	private void enqueue(Runnable task) {
		int tail = (this.head + this.count) % this.queue.length;
		this.queue[tail] = task;
		this.queuedAt[tail] = System.nanoTime();
		this.count++;
		this.queuedSinceWatch++;
	}

	private Runnable dequeue() {
		Runnable task = this.queue[this.head];
		this.queue[this.head] = null;
		this.head = (this.head + 1) % this.queue.length;
		this.count--;
		return task;
	}

	/**
	 * Sends a worker for the queue: the most recently idle one, else a new thread (to {@link #wake} after the lock);
	 * null when every thread is busy.
	 */
	private Worker signal() {
		Worker worker = this.idle.poll();
		if (worker == null) {
			if (this.workers.size() >= this.maxThreads) {
				return null;
			}
			worker = new Worker();
			worker.thread = this.factory.newThread(worker);
			worker.unstarted = true;
			this.workers.add(worker);
		}
		worker.signalled = true;
		this.waking++;
		return worker;
	}

	/** The watch thread to wake (started first if there is none yet), or null when it is awake already. */
	private Thread armWatch() {
		if (this.watch == null) {
			Thread thread = new Thread(this::watch, "fastcgi-worker-watch");
			thread.setDaemon(true);
			try {
				thread.start();
				this.watch = thread;
			}
			catch (Throwable ex) {
				// no thread (out of native threads): the task waits for a running worker; the next task tries again
				startFailures.log(logger, () -> "Cannot start the request pool's watch thread (" + ex + ")");
			}
			return null;
		}
		if (this.watchSleeping) {
			this.watchSleeping = false;
			return this.watch;
		}
		return null;
	}

	private void workerEnded(Worker worker) {
		this.workers.remove(worker);
		if (this.shutdown && this.workers.isEmpty()) {
			this.terminated.signalAll();
		}
	}

	// ---- threads ----------------------------------------------------------------------------------------------

	/** Wakes a worker {@link #signal()} returned, starting its thread if it is new. */
	private void wake(Worker worker) {
		if (worker == null) {
			return;
		}
		if (!worker.unstarted) {
			LockSupport.unpark(worker.thread);
			return;
		}
		worker.unstarted = false;
		try {
			worker.thread.start();
		}
		catch (Throwable ex) {
			// no thread (out of native threads): the task stays queued, for a running worker or the watch
			Thread wakeWatch;
			this.lock.lock();
			try {
				this.waking--;
				workerEnded(worker);
				wakeWatch = armWatch();
			}
			finally {
				this.lock.unlock();
			}
			if (wakeWatch != null) {
				LockSupport.unpark(wakeWatch);
			}
			startFailures.log(logger, () -> "Cannot start a request thread (" + ex + "); the request waits");
		}
	}

	/** A worker's life: take queued tasks while there are any, wait idle until signalled, end when idle too long. */
	private void work(Worker worker) {
		Runnable task = awaitSignal(worker);
		while (task != null) {
			run(task);
			task = nextTask(worker);
		}
	}

	private void run(Runnable task) {
		if (!this.shutdown) {
			Thread.interrupted(); // an interrupt left by the previous task is not this one's
		}
		try {
			task.run();
		}
		catch (Throwable ex) {
			logger.log(System.Logger.Level.WARNING, "A request task failed", ex);
		}
	}

	/** After a task: the next queued one without sleeping, else idle until signalled; null to end. */
	private Runnable nextTask(Worker worker) {
		this.lock.lock();
		try {
			this.submitted--;
			if (this.count > 0) {
				return dequeue();
			}
			this.busy--;
			if (this.shutdown) {
				workerEnded(worker);
				return null;
			}
			this.idle.push(worker);
		}
		finally {
			this.lock.unlock();
		}
		return awaitSignal(worker);
	}

	/**
	 * Waits (signalled, or idle in the stack) until a signal finds a queued task to take; null when the pool shuts
	 * down or the worker was idle for {@link #KEEP_ALIVE_NANOS}.
	 */
	private Runnable awaitSignal(Worker worker) {
		long idleSince = System.nanoTime();
		while (true) {
			this.lock.lock();
			try {
				if (worker.signalled) {
					worker.signalled = false;
					this.waking--;
					if (this.count > 0) {
						this.busy++;
						return dequeue();
					}
					// another worker took the task first
					if (this.shutdown) {
						workerEnded(worker);
						return null;
					}
					this.idle.push(worker);
					idleSince = System.nanoTime();
				}
				else if (this.shutdown || System.nanoTime() - idleSince >= KEEP_ALIVE_NANOS) {
					this.idle.remove(worker);
					workerEnded(worker);
					return null;
				}
			}
			finally {
				this.lock.unlock();
			}
			if (!this.shutdown) {
				Thread.interrupted(); // else a stale interrupt would make every park return at once
			}
			LockSupport.parkNanos(this, KEEP_ALIVE_NANOS - (System.nanoTime() - idleSince));
		}
	}

	/** The watch: sends a worker for every task that waited {@link #HANDOFF_NANOS} with none on its way. */
	private void watch() {
		List<Worker> signalled = new ArrayList<>();
		while (true) {
			long sleep;
			this.lock.lock();
			try {
				if (this.shutdown) {
					return;
				}
				long now = System.nanoTime();
				// the waking workers take the oldest tasks; the watch looks no further than threads are left for
				int reach = Math.min(this.count,
						this.waking + this.idle.size() + this.maxThreads - this.workers.size());
				int overdue = this.waking;
				while (overdue < reach
						&& now - this.queuedAt[(this.head + overdue) % this.queue.length] >= this.handoffNanos) {
					signalled.add(signal());
					overdue++;
				}
				if (this.count > this.waking && this.waking < reach) {
					long age = now - this.queuedAt[(this.head + this.waking) % this.queue.length];
					sleep = Math.max(this.handoffNanos / 4, this.handoffNanos - age);
				}
				else if (this.count > 0 || this.queuedSinceWatch > 0) {
					// all covered, or no thread left (finishing workers take the rest); or tasks are being queued:
					// look again soon rather than be woken for each
					sleep = this.handoffNanos;
				}
				else {
					sleep = 0;
					this.watchSleeping = true;
				}
				this.queuedSinceWatch = 0;
			}
			finally {
				this.lock.unlock();
			}
			signalled.forEach(this::wake);
			signalled.clear();
			if (sleep > 0) {
				LockSupport.parkNanos(this, sleep);
			}
			else {
				LockSupport.park(this);
			}
		}
	}

	// ---- ExecutorService --------------------------------------------------------------------------------------

	@Override
	public void shutdown() {
		stop(null).forEach(LockSupport::unpark);
	}

	@Override
	public List<Runnable> shutdownNow() {
		List<Runnable> dropped = new ArrayList<>();
		stop(dropped).forEach(Thread::interrupt);
		return dropped;
	}

	/**
	 * Marks the pool shut down and returns the threads to wake: the watch, and the idle workers, or with
	 * {@code dropped} (which gets the queued tasks) every worker.
	 */
	private List<Thread> stop(List<Runnable> dropped) {
		List<Thread> threads = new ArrayList<>();
		this.lock.lock();
		try {
			this.shutdown = true;
			if (dropped != null) {
				while (this.count > 0) {
					dropped.add(dequeue());
				}
				this.submitted -= dropped.size();
			}
			for (Worker worker : (dropped != null) ? this.workers : this.idle) {
				threads.add(worker.thread);
			}
			if (this.watch != null) {
				threads.add(this.watch);
			}
			if (this.workers.isEmpty()) {
				this.terminated.signalAll();
			}
		}
		finally {
			this.lock.unlock();
		}
		return threads;
	}

	@Override
	public boolean isShutdown() {
		return this.shutdown;
	}

	@Override
	public boolean isTerminated() {
		this.lock.lock();
		try {
			return this.shutdown && this.workers.isEmpty();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		long nanos = unit.toNanos(timeout);
		this.lock.lock();
		try {
			while (!(this.shutdown && this.workers.isEmpty())) {
				if (nanos <= 0) {
					return false;
				}
				nanos = this.terminated.awaitNanos(nanos);
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** One worker thread. */
	private final class Worker implements Runnable {

		Thread thread;

		/** Sent for a queued task and not yet there (counted in {@code waking}), under the lock. */
		boolean signalled;

		/** Made by {@link #signal()} and not yet started: {@link #wake} starts it (only the signaller sees it). */
		boolean unstarted;

		@Override
		public void run() {
			work(this);
		}

	}

}
