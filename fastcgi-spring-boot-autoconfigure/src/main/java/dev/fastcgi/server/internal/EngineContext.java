package dev.fastcgi.server.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.fastcgi.server.FastCgiHandler;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerSnapshot;

/**
 * What every connection of one running server shares: configuration, handler, listener, executors, the global
 * request count (fastcgi.max-requests) and the registry of open connections.
 */
public final class EngineContext {

	private final ServerConfig config;

	private final FastCgiHandler handler;

	private final CompositeListener listener;

	private final Workers workers;

	private final Path spillDirectory;

	private final AtomicInteger activeRequests = new AtomicInteger();

	private final AtomicLong totalRequests = new AtomicLong();

	private final AtomicLong totalConnections = new AtomicLong();

	private final AtomicLong connectionIds = new AtomicLong();

	private final Map<Long, Connection> connections = new ConcurrentHashMap<>();

	private final int advertisedMaxRequests;

	private final BufferPool readBuffers;

	private final BufferPool writeBuffers;

	private final RateLimitedLog limitLog = RateLimitedLog.every10Seconds();

	private volatile boolean stopping;

	/** Whether connections park on event loops between requests (fastcgi.event-loop, where it applies). */
	private final boolean eventLoopsEnabled;

	private final Object loopsLock = new Object();

	private volatile EventLoop[] loops;

	private volatile boolean inlineRunsSeen;

	private EventLoopWatch loopWatch;


	private final AtomicLong bufferedInput = new AtomicLong();

	private final RequestInput.MemoryBudget inputBudget = new RequestInput.MemoryBudget() {

		@Override
		public boolean tryReserve(long bytes) {
			long max = EngineContext.this.config.maxBufferedInput();
			while (true) {
				long current = EngineContext.this.bufferedInput.get();
				if (current + bytes > max) {
					return false;
				}
				if (EngineContext.this.bufferedInput.compareAndSet(current, current + bytes)) {
					return true;
				}
			}
		}

		@Override
		public void release(long bytes) {
			EngineContext.this.bufferedInput.addAndGet(-bytes);
		}

	};

	/** Creates the shared state of one running server. */
	public EngineContext(ServerConfig config, FastCgiHandler handler, CompositeListener listener, Workers workers) {
		this.config = config;
		this.handler = handler;
		this.listener = listener;
		this.workers = workers;
		this.spillDirectory = (config.spillDirectory() != null) ? config.spillDirectory()
				: Path.of(System.getProperty("java.io.tmpdir"));
		this.advertisedMaxRequests = config.multithreaded() ? config.maxRequests() : 1;
		int pooled = Math.min(256, config.maxConnections());
		this.readBuffers = new BufferPool(Connection.READ_BUFFER_SIZE, pooled);
		this.writeBuffers = new BufferPool(RecordWriter.bufferSize(config.maxWrite()), pooled);
		this.eventLoopsEnabled = config.eventLoop() && !workers.isVirtual() && config.multithreaded()
				&& !config.multiplexed();
	}

	/** Told by a multiplexed connection's reader as it starts running a request itself. */
	void inlineRunStarted() {
		if (!this.inlineRunsSeen) {
			this.inlineRunsSeen = true;
		}
	}

	/**
	 * Whether a multiplexed connection's reader started running a request itself since the last call: the
	 * {@link TimeoutSweeper} then looks again soon, to hand a slow one's reading to another thread.
	 */
	boolean takeInlineRunsSeen() {
		if (!this.inlineRunsSeen) {
			return false;
		}
		this.inlineRunsSeen = false;
		return true;
	}

	/** Whether connections park on event loops between requests (platform threads, multithreaded, one at a time). */
	boolean eventLoopsEnabled() {
		return this.eventLoopsEnabled;
	}

	/**
	 * The event loop for connection {@code id}, or null when there are none (not enabled, or they could not start):
	 * connections then keep a reader thread each.
	 */
	EventLoop eventLoop(long id) {
		EventLoop[] current = this.loops;
		return (current != null) ? current[(int) (id % current.length)] : null;
	}

	/**
	 * Starts one event loop per core and their watch, if enabled; called once as the server starts, before its first
	 * connection. If a selector cannot be opened, a warning is logged and connections keep a reader thread each.
	 */
	public void startEventLoops() {
		if (!this.eventLoopsEnabled) {
			return;
		}
		int count = Math.max(1, Runtime.getRuntime().availableProcessors());
		EventLoop[] started = new EventLoop[count];
		try {
			for (int i = 0; i < count; i++) {
				started[i] = EventLoop.start(this.workers, this.listener, "fastcgi-loop-" + (i + 1));
			}
		}
		catch (IOException ex) {
			for (EventLoop loop : started) {
				if (loop != null) {
					loop.stop();
				}
			}
			System.getLogger(EngineContext.class.getName()).log(System.Logger.Level.WARNING,
					"Cannot open a selector (fastcgi.event-loop); each connection keeps a reader thread", ex);
			return;
		}
		EventLoopWatch watch = new EventLoopWatch(started);
		watch.start();
		synchronized (this.loopsLock) {
			this.loopWatch = watch;
			this.loops = started;
		}
	}

	/** Stops the event loops (after the connections are closed). */
	public void stopEventLoops() {
		EventLoop[] current;
		EventLoopWatch watch;
		synchronized (this.loopsLock) {
			current = this.loops;
			watch = this.loopWatch;
			this.loopWatch = null;
			this.loops = null;
		}
		if (watch != null) {
			watch.stop();
		}
		if (current != null) {
			for (EventLoop loop : current) {
				loop.stop();
			}
		}
	}

	/** The server-wide bound on request input held in memory (fastcgi.max-buffered-input). */
	RequestInput.MemoryBudget inputBudget() {
		return this.inputBudget;
	}

	/** Request input bytes currently held in memory rings across the server. */
	public long bufferedInputBytes() {
		return this.bufferedInput.get();
	}

	/** The rate-limited log for requests refused with OVERLOADED. */
	RateLimitedLog limitLog() {
		return this.limitLog;
	}

	BufferPool readBuffers() {
		return this.readBuffers;
	}

	BufferPool writeBuffers() {
		return this.writeBuffers;
	}

	/** The engine configuration. */
	public ServerConfig config() {
		return this.config;
	}

	/** The application handler. */
	public FastCgiHandler handler() {
		return this.handler;
	}

	/** The listeners, as one. */
	public CompositeListener listener() {
		return this.listener;
	}

	/** The request and connection executors. */
	public Workers workers() {
		return this.workers;
	}

	/** Where request input spills (fastcgi.spill-directory or java.io.tmpdir). */
	public Path spillDirectory() {
		return this.spillDirectory;
	}

	/** FCGI_MAX_REQS as advertised: fastcgi.max-requests, or 1 when single-threaded. */
	public int advertisedMaxRequests() {
		return this.advertisedMaxRequests;
	}

	/** Takes one of the fastcgi.max-requests slots; false when all are taken. */
	boolean tryAcquireRequest() {
		int max = this.config.maxRequests();
		while (true) {
			int current = this.activeRequests.get();
			if (current >= max) {
				return false;
			}
			if (this.activeRequests.compareAndSet(current, current + 1)) {
				this.totalRequests.incrementAndGet();
				return true;
			}
		}
	}

	/** Gives back a slot taken by {@link #tryAcquireRequest()}. */
	void releaseRequest() {
		this.activeRequests.decrementAndGet();
	}

	/** Requests holding a fastcgi.max-requests slot. */
	public int activeRequests() {
		return this.activeRequests.get();
	}

	/** A new connection id. */
	public long nextConnectionId() {
		return this.connectionIds.incrementAndGet();
	}

	/** Registers an accepted connection. */
	public void register(Connection connection) {
		this.totalConnections.incrementAndGet();
		this.connections.put(connection.id(), connection);
	}

	void unregister(Connection connection) {
		this.connections.remove(connection.id());
	}

	/** Open connections. */
	public int activeConnections() {
		return this.connections.size();
	}

	/** A copy of the open connections. */
	public List<Connection> connections() {
		return new ArrayList<>(this.connections.values());
	}

	/** Connections accepted since start. */
	public long totalConnections() {
		return this.totalConnections.get();
	}

	/** Requests begun since start. */
	public long totalRequests() {
		return this.totalRequests.get();
	}

	/** Whether the server is shutting down (new requests get OVERLOADED). */
	public boolean isStopping() {
		return this.stopping;
	}

	/** Marks the server stopping: new requests get OVERLOADED. */
	public void setStopping() {
		this.stopping = true;
	}

	/** Snapshots of the open connections. */
	public List<ServerSnapshot.ConnectionSnapshot> connectionSnapshots() {
		List<ServerSnapshot.ConnectionSnapshot> result = new ArrayList<>();
		for (Connection connection : this.connections.values()) {
			result.add(connection.snapshot());
		}
		return result;
	}

}
