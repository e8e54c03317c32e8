package dev.fastcgi.server.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fastcgi.server.ServerConfig;

/**
 * The engine's threads: a worker executor for handlers (a {@link RequestPool} of platform threads with a bounded
 * queue, one thread when single-threaded, or a virtual thread per request on Java 21+) and an executor for connection reader threads.
 * Nothing here queues without bound: the request count is capped before a task is submitted, and the queue is no
 * longer than that cap. A connection's reader may also run a request itself ({@link #tryEnterInline()}) while fewer
 * than fastcgi.threads requests run in the pool and inline together.
 */
public final class Workers {

	private static final System.Logger logger = System.getLogger(Workers.class.getName());

	private final ExecutorService requests;

	private final ExecutorService connections;

	private final boolean virtual;

	/** Requests run by connection readers themselves right now. */
	private final AtomicInteger inline = new AtomicInteger();

	/** At most this many requests run inline and in the pool together (0: never inline, single-threaded). */
	private final int inlineLimit;

	/** Multiplexed readers with requests of their own to run. */
	private final AtomicInteger busyReaders = new AtomicInteger();

	/** Requests that fill the cores ({@link #coresBusy()}). */
	private final int busyTarget = RequestPool.defaultBusyTarget();

	private Workers(ExecutorService requests, ExecutorService connections, boolean virtual, int inlineLimit) {
		this.requests = requests;
		this.connections = connections;
		this.virtual = virtual;
		this.inlineLimit = inlineLimit;
	}

	/** Creates the executors the configuration asks for. */
	public static Workers create(ServerConfig config) {
		ThreadFactory virtualFactory = config.virtualThreads() ? virtualThreadFactory("fastcgi-") : null;
		if (config.virtualThreads() && virtualFactory == null) {
			logger.log(System.Logger.Level.INFO, "fastcgi.virtual-threads is set but this runtime (Java "
					+ Runtime.version().feature() + ") has no virtual threads; using platform threads");
		}
		ExecutorService connections;
		ExecutorService requests;
		if (virtualFactory != null) {
			connections = newThreadPerTask(virtualThreadFactory("fastcgi-conn-"));
		}
		else {
			connections = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
					named("fastcgi-conn-", true));
		}
		if (!config.multithreaded()) {
			ThreadPoolExecutor single = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
					new ArrayBlockingQueue<>(config.maxRequests()), named("fastcgi-worker-", false));
			single.allowCoreThreadTimeOut(true);
			requests = single;
		}
		else if (virtualFactory != null) {
			requests = newThreadPerTask(virtualThreadFactory("fastcgi-worker-"));
		}
		else {
			requests = new RequestPool(config.threads(), Math.max(1, config.maxRequests()),
					RequestPool.defaultBusyTarget(), named("fastcgi-worker-", false));
		}
		int inlineLimit = !config.multithreaded() ? 0 : (virtualFactory != null) ? Integer.MAX_VALUE : config.threads();
		return new Workers(requests, connections, virtualFactory != null, inlineLimit);
	}

	/** Whether requests run on virtual threads. */
	public boolean isVirtual() {
		return this.virtual;
	}

	/** Runs a request task; false if the executor refused it (the request is then answered OVERLOADED). */
	public boolean executeRequest(Runnable task) {
		try {
			this.requests.execute(task);
			return true;
		}
		catch (RejectedExecutionException ex) {
			return false;
		}
	}

	/**
	 * Claims the right for a connection's reader to run a request itself instead of handing it to a worker; false
	 * when single-threaded (one request at a time server-wide), when stopping, or when fastcgi.threads requests
	 * already run. A true answer must be followed by {@link #exitInline()}.
	 */
	public boolean tryEnterInline() {
		if (this.inlineLimit == 0 || this.requests.isShutdown()) {
			return false;
		}
		int running = this.inline.incrementAndGet();
		if (this.requests instanceof RequestPool pool) {
			running += pool.submitted();
		}
		if (running > this.inlineLimit) {
			this.inline.decrementAndGet();
			return false;
		}
		return true;
	}

	/**
	 * Whether the requests in the pool (running or queued) and the multiplexed readers that have requests of their
	 * own to run ({@link #readerBusy}) fill every core ({@link RequestPool#defaultBusyTarget()}): a request handed to
	 * a worker now would wait for a core anyway.
	 */
	public boolean coresBusy() {
		int running = this.busyReaders.get();
		if (this.requests instanceof RequestPool pool) {
			running += pool.submitted();
		}
		return running >= this.busyTarget;
	}

	/** Requests that fill the cores: their count ({@link RequestPool#defaultBusyTarget()}). */
	public int busyTarget() {
		return this.busyTarget;
	}

	/** A multiplexed connection's reader starts (+1) or stops (-1) having requests of its own to run. */
	public void readerBusy(int delta) {
		this.busyReaders.addAndGet(delta);
	}

	/** Ends a {@link #tryEnterInline()} claim. */
	public void exitInline() {
		this.inline.decrementAndGet();
	}

	/** Starts a connection's reader; false if refused (server stopping). */
	public boolean executeConnection(Runnable task) {
		try {
			this.connections.execute(task);
			return true;
		}
		catch (RejectedExecutionException ex) {
			return false;
		}
	}

	/** Stops both executors, interrupting what runs, and waits up to {@code millis} for their threads to end. */
	public boolean shutdownNow(long millis) {
		this.requests.shutdownNow();
		this.connections.shutdownNow();
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		try {
			boolean done = this.requests.awaitTermination(Math.max(0, deadline - System.nanoTime()),
					TimeUnit.NANOSECONDS);
			return this.connections.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
					&& done;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static ThreadFactory named(String prefix, boolean daemon) {
		AtomicInteger counter = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
			thread.setDaemon(daemon);
			return thread;
		};
	}

	/** A virtual-thread factory via reflection (the code is compiled for Java 17), or null before Java 21. */
	static ThreadFactory virtualThreadFactory(String prefix) {
		if (Runtime.version().feature() < 21) {
			return null;
		}
		try {
			MethodHandles.Lookup lookup = MethodHandles.publicLookup();
			Class<?> builderClass = Class.forName("java.lang.Thread$Builder");
			Class<?> ofVirtualClass = Class.forName("java.lang.Thread$Builder$OfVirtual");
			MethodHandle ofVirtual = lookup.findStatic(Thread.class, "ofVirtual",
					MethodType.methodType(ofVirtualClass));
			MethodHandle name = lookup.findVirtual(builderClass, "name",
					MethodType.methodType(builderClass, String.class, long.class));
			MethodHandle factory = lookup.findVirtual(builderClass, "factory",
					MethodType.methodType(ThreadFactory.class));
			Object builder = ofVirtual.invoke();
			builder = name.invoke(builder, prefix, 1L);
			return (ThreadFactory) factory.invoke(builder);
		}
		catch (Throwable ex) {
			return null;
		}
	}

	private static ExecutorService newThreadPerTask(ThreadFactory factory) {
		try {
			MethodHandle handle = MethodHandles.publicLookup()
				.findStatic(java.util.concurrent.Executors.class, "newThreadPerTaskExecutor",
						MethodType.methodType(ExecutorService.class, ThreadFactory.class));
			return (ExecutorService) handle.invoke(factory);
		}
		catch (Throwable ex) {
			throw new IllegalStateException("Cannot create a virtual thread executor", ex);
		}
	}

}
