package dev.fastcgi.server.internal;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.fastcgi.server.ServerListener;
import dev.fastcgi.server.ServerListener.HandOffReason;

/**
 * One selector that watches connections between requests (fastcgi.event-loop), and the thread that leads it.
 * <p>
 * A connection whose reader has nothing more to read parks here ({@link Connection#park}). When its input arrives
 * the leading thread serves the connection itself: it reads, decodes and, once a request's input has all arrived,
 * runs the request, then parks the connection again and serves the next ready one. Under load the leader is
 * awake, so the web server's write finds no thread asleep on the socket to wake (a blocked reader per connection
 * costs the web server a wake-up per request), and a handful of connections are served per {@code epoll_wait}.
 * <p>
 * Handlers may block. The {@link EventLoopWatch} hands the selector to a new thread when the leader has been
 * serving one connection for a while without using CPU (blocked on a lock, a socket, a sleep) or for longer than
 * {@link #MAX_SERVE_NANOS}; the old leader finishes its connection and leaves. So a slow request delays the other
 * connections of its selector by a few milliseconds, never for its whole length; a full socket buffer hands the
 * selector over at once ({@link #beforeBlocking}).
 * <p>
 * When requests that block the leader are common (the watch found it asleep in a request in more than a tenth of
 * its checks over 50 ms: handlers that wait on a database, say), handing the selector over after the fact would
 * still queue requests behind them: the loop then dispatches, handing each ready connection to a pooled thread (a
 * wake-up per request, as a thread pool behind a selector does) until fewer than 1 in 20 of them take over
 * {@link #SLOW_SERVE_NANOS}.
 * <p>
 * The read interest stays set across requests (level-triggered), so parking costs no system call. An event for a
 * connection that another thread serves (a body streamed to a worker, a drain) drops the interest; the connection
 * asks for it again when it parks.
 */
final class EventLoop {

	private static final System.Logger logger = System.getLogger(EventLoop.class.getName());

	/** How long the leader may serve one connection at all before the selector goes to another thread (10 ms). */
	static final long MAX_SERVE_NANOS = 10_000_000L;


	/** A dispatched serve longer than this counts as slow (1 ms): the loop dispatches until few are. */
	static final long SLOW_SERVE_NANOS = 1_000_000L;

	/** {@link #serving} when the leader is not serving a connection. */
	private static final long IDLE = 0;

	/** {@link #serving} once the selector was handed to a new leader. */
	private static final long TAKEN = 2;

	/** The loop the current thread leads or led (set for a leader's whole run). */
	private static final ThreadLocal<EventLoop> LED = new ThreadLocal<>();

	private final Selector selector;

	private final Workers workers;

	private final ServerListener listener;

	private final String name;

	/** Connections that parked with no read interest set (first park, or after the interest was dropped). */
	private final ConcurrentLinkedQueue<Connection> toArm = new ConcurrentLinkedQueue<>();

	/** Ready connections claimed by the last select and not served yet (leader only). */
	private final ArrayDeque<Connection> ready = new ArrayDeque<>();

	/** IDLE, TAKEN, or when the leader began serving its current connection (nanoTime | 1). */
	private final AtomicLong serving = new AtomicLong();

	private volatile Thread leader;

	/** Serves by pooled threads while dispatching, and those of them over {@link #SLOW_SERVE_NANOS} (read by the watch). */
	final AtomicInteger dispatchedServes = new AtomicInteger();

	final AtomicInteger dispatchedSlowServes = new AtomicInteger();

	/** Whether ready connections go to pooled threads instead of being served by the leader (set by the watch). */
	private volatile boolean dispatching;

	/** The leader's Linux thread id, or 0 where it cannot be known (the watch then reads Java thread states). */
	private volatile int leaderTid;

	private volatile boolean running = true;

	/** Counted down when the thread leading at the stop has left (its pooled thread lives on). */
	private final CountDownLatch ended = new CountDownLatch(1);

	/** The watch's view of the current serve and of the loop (watch thread only). */
	long watchedStamp;

	/** Consecutive ticks the watch saw the leader asleep in the current serve. */
	int asleepTicks;

	/** Ticks of the current window, and those of them that saw the leader asleep in a serve. */
	int windowTicks;

	int asleepWindowTicks;

	long dispatchLoggedNanos;

	private EventLoop(Selector selector, Workers workers, ServerListener listener, String name) {
		this.selector = selector;
		this.workers = workers;
		this.listener = listener;
		this.name = name;
	}

	/** Opens the selector and starts its first leader. */
	static EventLoop start(Workers workers, ServerListener listener, String name) throws IOException {
		EventLoop loop = new EventLoop(Selector.open(), workers, listener, name);
		Thread thread = new Thread(loop::lead, name);
		thread.setDaemon(true);
		thread.start();
		return loop;
	}

	/** Asks for read interest on a parked connection's channel (registering it the first time). */
	void arm(Connection connection) {
		this.toArm.add(connection);
		this.selector.wakeup();
	}

	/** Makes the leader run its loop once (so keys of closed channels are flushed and their sockets closed). */
	void wakeup() {
		this.selector.wakeup();
	}

	/** Runs the loop on the calling thread until stopped or until the selector is handed to another thread. */
	private void lead() {
		Thread current = Thread.currentThread();
		// a pooled thread taking over wears the loop's name while it leads (thread dumps, the tests)
		String previousName = current.getName();
		current.setName(this.name);
		this.leader = current;
		this.leaderTid = KernelThreadState.currentTid();
		this.serving.set(IDLE);
		LED.set(this);
		try {
			while (this.running) {
				Connection next = this.ready.poll();
				if (next == null) {
					armParked();
					this.selector.select(this::collect);
					continue;
				}
				if (this.dispatching) {
					dispatch(next);
					continue;
				}
				long stamp = System.nanoTime() | 1;
				this.serving.set(stamp);
				serve(next);
				if (!this.serving.compareAndSet(stamp, IDLE)) {
					// the watch gave the selector to a new leader while this thread served: leave it to that one
					return;
				}
			}
		}
		catch (IOException | ClosedSelectorException ex) {
			if (this.running) {
				logger.log(System.Logger.Level.ERROR, "FastCGI event loop " + this.name
						+ " failed; its connections are closed", ex);
				this.running = false;
			}
		}
		finally {
			LED.remove();
			current.setName(previousName);
		}
		if (this.leader == current) {
			closeSelector();
			this.ended.countDown();
		}
	}

	/**
	 * Called by a thread about to wait for its socket (a full send buffer): if it leads a loop and is serving a
	 * connection, the loop goes to another thread now rather than when the watch notices.
	 */
	static void beforeBlocking() {
		EventLoop loop = LED.get();
		if (loop != null && loop.leader == Thread.currentThread()) {
			long stamp = loop.servingStamp();
			if (stamp != 0) {
				loop.takeOver(stamp, HandOffReason.SOCKET_FULL);
			}
		}
	}

	private static void serve(Connection connection) {
		try {
			connection.serveOnLoop();
		}
		catch (RuntimeException | Error ex) {
			logger.log(System.Logger.Level.WARNING, "FastCGI connection " + connection.id() + " failed", ex);
		}
	}

	/** Dispatching: a pooled thread serves the connection, as the leader would (it parks it again when done). */
	private void dispatch(Connection connection) {
		Runnable task = () -> {
			long started = System.nanoTime();
			serve(connection);
			long took = System.nanoTime() - started;
			this.dispatchedServes.incrementAndGet();
			if (took > SLOW_SERVE_NANOS) {
				this.dispatchedSlowServes.incrementAndGet();
			}
		};
		if (!this.workers.executeConnection(task)) {
			connection.closeClaimed();
		}
	}

	/** Whether the loop hands ready connections to pooled threads now (its recent requests were slow). */
	boolean isDispatching() {
		return this.dispatching;
	}

	void dispatching(boolean dispatching) {
		this.dispatching = dispatching;
	}

	int leaderTid() {
		return this.leaderTid;
	}

	String name() {
		return this.name;
	}

	private void armParked() {
		Connection connection;
		while ((connection = this.toArm.poll()) != null) {
			SelectableChannel channel = connection.selectableChannel();
			SelectionKey key = channel.keyFor(this.selector);
			try {
				if (key == null) {
					channel.register(this.selector, SelectionKey.OP_READ, connection);
				}
				else {
					key.interestOps(SelectionKey.OP_READ);
				}
				connection.armed = true;
			}
			catch (ClosedChannelException | CancelledKeyException ex) {
				// closed meanwhile: nothing to watch
			}
		}
	}

	/** A key selected as readable: its connection is queued if parked, or its interest dropped if served. */
	private void collect(SelectionKey key) {
		Connection connection = (Connection) key.attachment();
		if (connection.claimParked()) {
			this.ready.add(connection);
			return;
		}
		// a thread serves it and reads its input itself: stop watching until it parks again
		try {
			key.interestOps(0);
		}
		catch (CancelledKeyException ex) {
			return;
		}
		connection.armed = false;
		if (connection.claimParked()) {
			// parked between the two checks, having seen the interest still set
			this.ready.add(connection);
		}
	}

	// ---- the watch's side ------------------------------------------------------------------------------------

	/** The serve in progress (its start, nanoTime | 1) or 0 when none. */
	long servingStamp() {
		long s = this.serving.get();
		return (s == IDLE || s == TAKEN) ? 0 : s;
	}

	/** The thread leading the loop now. */
	Thread leader() {
		return this.leader;
	}

	/** Hands the selector to a new thread if the serve {@code stamp} is still in progress; true if it did. */
	boolean takeOver(long stamp, HandOffReason reason) {
		if (!this.running || !this.serving.compareAndSet(stamp, TAKEN)) {
			return false;
		}
		this.listener.eventLoopHandedOff(reason);
		if (logger.isLoggable(System.Logger.Level.DEBUG)) {
			long servedNanos = System.nanoTime() - stamp;
			logger.log(System.Logger.Level.DEBUG, "FastCGI event loop " + this.name + " handed to a new thread ("
					+ reason + ", its connection served for " + (servedNanos / 1000) + " µs)");
		}
		if (!this.workers.executeConnection(this::lead)) {
			// stopping: no new leader; the connections are being closed anyway
			return false;
		}
		return true;
	}

	/** Stops the loop: the leader leaves and the selector closes (connections still parked are closed). */
	void stop() {
		this.running = false;
		this.selector.wakeup();
		if (this.leader != Thread.currentThread()) {
			try {
				// the leader leaves at once unless it serves a connection (a closed one, by now)
				this.ended.await(1, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		closeSelector();
	}

	/** Closes the selector; connections still parked are closed (normally none: the server closed them first). */
	private synchronized void closeSelector() {
		List<Connection> parked = new ArrayList<>();
		try {
			for (SelectionKey key : this.selector.keys()) {
				parked.add((Connection) key.attachment());
			}
		}
		catch (ClosedSelectorException ex) {
			// already closed
		}
		try {
			this.selector.close();
		}
		catch (IOException ex) {
			// nothing more to do
		}
		Connection connection;
		while ((connection = this.toArm.poll()) != null) {
			parked.add(connection);
		}
		while ((connection = this.ready.poll()) != null) {
			// claimed by the last select, never served
			connection.closeClaimed();
		}
		for (Connection c : parked) {
			if (c.claimParked()) {
				c.closeClaimed();
			}
		}
	}

	@Override
	public String toString() {
		return this.name;
	}

}
