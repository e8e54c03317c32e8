package dev.fastcgi.server.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import dev.fastcgi.protocol.BeginRequestBody;
import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordDecoder;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ConnectionClosedException;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerListener.Outcome;
import dev.fastcgi.server.ServerSnapshot;

/**
 * One web server connection. A reader thread decodes records and applies the protocol's policy: management records,
 * request lifecycle, limits and malformed input (which closes this connection only, with one log line).
 * <p>
 * Non-multiplexed, the body streams with back-pressure: once a request is running and still expects input, the
 * reader thread parks and hands the connection's input to the request, whose thread reads and decodes records when
 * its handler asks for bytes ({@link #pull}); the reader takes over again when the request's input has ended or the
 * request has ended. Multiplexed, the reader never blocks on a request: input is pushed into each request's
 * {@link RequestInput}, which spills to a file past fastcgi.input-spill-threshold, and a request goes to a worker
 * once its body has arrived or passed 64 KiB ({@link #holdForInput}). A request whose input has all arrived the
 * reader may keep and run itself once it has decoded what it read ({@link #keepForReader}): the first of them always,
 * the others while every core is busy anyway; this saves a worker's wake-up per request, and the lock contention of
 * several threads writing to one socket. A kept request that runs long hands reading to a new thread within a few
 * milliseconds ({@link #multiplexedReaderStuck}), the other kept ones go to workers, and the connection keeps none
 * until the requests its workers run are fast again ({@link #pauseKeeping}).
 * <p>
 * With fastcgi.event-loop (platform threads, not multiplexed) no thread waits in {@code read} for this connection:
 * where the reader would block it parks the connection on an {@link EventLoop} instead ({@link #park}), whose thread
 * serves it when input arrives ({@link #serveOnLoop}). There the reader never blocks on the socket: a request waits
 * for its body parked (up to {@link #HELD_INPUT_LIMIT}), and what must block (a body streamed to a worker, the drain
 * before closing) goes to a thread of its own ({@link #detach}), which parks the connection again once it is idle.
 */
public final class Connection implements Runnable, RequestInput.Source {

	private static final System.Logger logger = System.getLogger(Connection.class.getName());

	/** How long a request may run on the reader thread before another thread takes over reading (50 ms). */
	static final long INLINE_TAKEOVER_NANOS = 50_000_000L;

	/**
	 * Multiplexed: how long a request may run on the reader thread at all before another thread takes over reading
	 * (10 ms, as an event loop's leader); the connection's other requests wait for it meanwhile. One whose thread
	 * blocks is taken over sooner ({@link #multiplexedReaderStuck}).
	 */
	static final long MULTIPLEXED_TAKEOVER_NANOS = EventLoop.MAX_SERVE_NANOS;

	/** Multiplexed: how long a request runs on the reader thread before its blocking may hand reading over (1 ms). */
	static final long MULTIPLEXED_CHECK_NANOS = 1_000_000L;

	/** Multiplexed: the sweeper's looks at inline runs per window that decides whether the reader keeps requests. */
	static final int ASLEEP_WINDOW_LOOKS = 10;

	/**
	 * Multiplexed, while the reader keeps no request: the worker runs per window that decides whether it keeps them
	 * again (when fewer than 1 in 20 of them took over {@link #SLOW_RUN_NANOS}).
	 */
	static final int PAUSED_WINDOW_RUNS = 40;

	/** A request run slower than this (1 ms) counts against keeping requests again. */
	static final long SLOW_RUN_NANOS = 1_000_000L;

	static final int READ_BUFFER_SIZE = 32 * 1024;

	/** Unread input discarded at most when closing after a response, so the close is not a reset. */
	static final long DRAIN_MAX_BYTES = 256 * 1024;

	static final long DRAIN_MAX_NANOS = TimeUnit.SECONDS.toNanos(2);

	/**
	 * Body bytes a request may receive before its handler starts, while it waits for the rest (parked on an event
	 * loop, or held on a multiplexed connection); past this the handler starts and the rest streams to it.
	 */
	static final long HELD_INPUT_LIMIT = 64 * 1024;

	/** {@link #pollState}: a thread serves the connection (or it has no event loop). */
	private static final int SERVED = 0;

	/** {@link #pollState}: no thread serves it; its event loop watches for input. */
	private static final int PARKED = 1;

	/** {@link #pollState}: closed while parked (its buffers were released then). */
	private static final int CLOSED = 2;

	/** How the reader loop ended. */
	private enum LoopEnd {

		/** The connection ended: close it. */
		ENDED,

		/** A slow inline request ran on this thread and another reader took over. */
		HANDED_OVER,

		/** Nothing to read now: park on the event loop, the thread is free. */
		PARKED,

		/** On an event loop, the reader must block (a body streams to a worker, a drain): go on on another thread. */
		DETACHED

	}

	private final EngineContext context;

	private final ServerConfig config;

	private final Endpoint endpoint;

	private final long id;

	private final long openedAtMillis = System.currentTimeMillis();

	private final RecordDecoder decoder = new RecordDecoder(this::onRecord);

	private final ByteBuffer readBuffer;

	private final RecordWriter writer;

	private final ReentrantLock inputLock = new ReentrantLock();

	private final ActiveRequests requests = new ActiveRequests();

	private final AtomicReference<Request> inputOwner = new AtomicReference<>();

	private final AtomicReference<byte[]> spareBuffer = new AtomicReference<>();

	private final AtomicReference<byte[]> spareParams = new AtomicReference<>();

	private final AtomicBoolean closed = new AtomicBoolean();

	private final AtomicLong completedRequests = new AtomicLong();

	private volatile Thread readerThread;

	private volatile long readBlockedSinceNanos;

	private volatile long lastProgressNanos = System.nanoTime();

	private volatile boolean closeWhenIdle;

	private volatile long drainDeadlineNanos;

	/**
	 * Whether every request that ended on this connection had its input end first (its empty STDIN, and DATA for a
	 * filter, had arrived): then a closing connection expects no more bytes from the web server
	 * ({@link #nothingMoreToRead}). Once false, false for good: bytes of such a request may still be on the way.
	 */
	private volatile boolean inputEnded = true;

	/** Since when (|1) the decoder has held a partial record at a blocking read, or 0 when at a record boundary. */
	private volatile long partialRecordSinceNanos;

	/** The request a pulling thread reads for, and whether a record for it arrived (guarded by inputLock). */
	private Request pullTarget;

	/** A dispatched request the reader runs itself once the bytes it has read are decoded (reader thread only). */
	private Request deferred;

	/** Multiplexed: ready requests the reader runs itself after {@link #deferred}, in order (under inputLock). */
	private final ArrayDeque<Request> kept = new ArrayDeque<>();

	/**
	 * Multiplexed: whether the reader has requests of its own to run (kept, or running one): it then counts in
	 * {@link Workers#coresBusy()} (under inputLock).
	 */
	private boolean readerBusy;

	/** Multiplexed: whether the reader keeps no request (its requests block it), and the worker runs since. */
	private volatile boolean keepPaused;

	private final AtomicInteger pausedRuns = new AtomicInteger();

	private final AtomicInteger pausedSlowRuns = new AtomicInteger();

	/** Multiplexed: the Linux thread id of the reader thread, or 0 (for {@link #multiplexedReaderStuck}). */
	private volatile int readerTid;

	/** The inline run whose thread the sweeper found asleep at its last look, or 0 (sweeper thread only). */
	private long asleepInlineSince;

	/** The sweeper's looks at inline runs in the current window, and how many found the reader asleep. */
	private int windowLooks;

	private int windowAsleep;

	/** The request the reader thread is running itself, if any (see {@link #runInline}). */
	private final AtomicReference<Request> inlineRequest = new AtomicReference<>();

	private volatile long inlineSinceNanos;

	private boolean pullTargetFed;

	/** The event loop this connection parks on between requests, or null: its reader then blocks in read. */
	private final EventLoop loop;

	/** The channel registered with the event loop, or null. */
	private final SelectableChannel pollChannel;

	/** SERVED, PARKED or CLOSED. */
	private final AtomicInteger pollState = new AtomicInteger(SERVED);

	/** Whether the event loop has read interest set for this connection (written by its thread). */
	volatile boolean armed;

	/** Creates a connection over {@code endpoint}; {@link #run()} serves it on the calling thread. */
	public Connection(EngineContext context, Endpoint endpoint, long id) {
		this.context = context;
		this.config = context.config();
		this.endpoint = endpoint;
		this.id = id;
		this.readBuffer = context.readBuffers().acquire().flip();
		this.writer = new RecordWriter(endpoint, context.listener(), this.config.maxWrite(),
				context.writeBuffers().acquire(), this::writeFailed);
		SelectableChannel channel = context.eventLoopsEnabled() ? endpoint.enablePolling() : null;
		EventLoop eventLoop = (channel != null) ? context.eventLoop(id) : null;
		if (channel != null && eventLoop == null) {
			endpoint.disablePolling();
			channel = null;
		}
		this.pollChannel = channel;
		this.loop = eventLoop;
	}

	/** The connection id (unique within the server). */
	public long id() {
		return this.id;
	}

	SocketAddress remoteAddress() {
		return this.endpoint.remoteAddress();
	}

	SocketAddress localAddress() {
		return this.endpoint.localAddress();
	}

	RecordWriter writer() {
		return this.writer;
	}

	/** Whether the connection is closed. */
	public boolean isClosed() {
		return this.closed.get();
	}

	/** Requests begun on this connection and not ended yet. */
	public int activeRequests() {
		return this.requests.size();
	}

	// ---- reader loop -----------------------------------------------------------------------------------------

	@Override
	public void run() {
		this.context.listener().connectionOpened(this.id);
		read(false);
	}

	/**
	 * Starts a new connection parked on its event loop, whose thread serves it once its first input arrives (the
	 * web server's request follows its connect at once, so it is often there by the loop's next select): false if it
	 * has no event loop, and {@link #run()} must serve it instead. Without FCGI_KEEP_CONN every request comes on a
	 * new connection, and waking a pooled thread for each to read it first cost a wake-up and two context switches
	 * per request.
	 */
	boolean startParked() {
		if (this.loop == null) {
			return false;
		}
		this.context.listener().connectionOpened(this.id);
		park();
		return true;
	}

	/** Serves a parked connection on its event loop's thread, once the loop saw input for it. */
	void serveOnLoop() {
		this.readBlockedSinceNanos = 0;
		read(true);
	}

	/** The event loop's side of parking: takes a parked connection for a thread to serve (false if not parked). */
	boolean claimParked() {
		return this.pollState.compareAndSet(PARKED, SERVED);
	}

	SelectableChannel selectableChannel() {
		return this.pollChannel;
	}

	/**
	 * Reads until the connection ends, then closes it, unless reading was handed to another thread first or the
	 * connection parked. {@code onLoop}: the caller is an event loop's thread, which must not block on the socket.
	 */
	private void read(boolean onLoop) {
		this.readerThread = Thread.currentThread();
		if (this.config.multiplexed()) {
			// a virtual thread's carrier is not the reader: the watch then looks at the Java thread's state
			this.readerTid = this.context.workers().isVirtual() ? 0 : KernelThreadState.currentTid();
		}
		IOException cause = null;
		try {
			LoopEnd end = readLoop(onLoop);
			if (end == LoopEnd.HANDED_OVER) {
				// a slow request ran on this thread and another reader took over meanwhile: that one closes
				return;
			}
			if (end == LoopEnd.PARKED) {
				park();
				return;
			}
			if (end == LoopEnd.DETACHED) {
				detach();
				return;
			}
		}
		catch (ProtocolException ex) {
			protocolError(ex);
		}
		catch (IOException ex) {
			cause = ex;
			if (!this.closed.get()) {
				logger.log(System.Logger.Level.DEBUG, () -> "FastCGI connection " + this.id + " lost: " + ex);
			}
		}
		catch (Throwable ex) {
			logger.log(System.Logger.Level.WARNING, "FastCGI connection " + this.id + " failed", ex);
		}
		IOException lost = cause;
		close((lost != null) ? () -> new ConnectionClosedException("connection to the web server lost: " + lost, lost)
				: () -> new ConnectionClosedException("connection to the web server closed"));
		this.readerThread = null;
		releaseClosed();
	}

	/**
	 * Leaves the connection to its event loop: the thread goes back to what it was doing. The read interest is asked
	 * for only when the loop does not hold it already (first park, or dropped while a thread served the connection).
	 */
	private void park() {
		this.readerThread = null;
		this.pollState.set(PARKED);
		if (!this.armed) {
			this.loop.arm(this);
		}
		// what may have happened while this thread was leaving: a close, or a drain to start (they saw SERVED)
		if ((this.closed.get() || this.drainDeadlineNanos != 0) && claimParked()) {
			if (this.closed.get()) {
				closeClaimed();
			}
			else {
				detach();
			}
		}
	}

	/** Goes on reading on a thread of its own, which may block. */
	private void detach() {
		this.readerThread = null;
		if (!this.context.workers().executeConnection(() -> read(false))) {
			closeClaimed();
		}
	}

	/** Wakes a parked connection so a thread serves it (to drain and close, or to end a deferred request). */
	private void resumeParked() {
		if (this.loop != null && claimParked()) {
			detach();
		}
	}

	/** Closes a connection no thread serves (parked, or claimed and not served) and frees what it holds. */
	void closeClaimed() {
		close(new ConnectionClosedException("server stopping"));
		releaseClosed();
	}

	/**
	 * The end of a closed connection, by the thread that served it last or, if none did, by the one that closed or
	 * claimed it: a request dispatched but not run is run now (aborted by the close, which releases its slot), then
	 * the buffers go back to their pools.
	 */
	private void releaseClosed() {
		Request pending = this.deferred;
		if (pending != null) {
			this.deferred = null;
			pending.run();
		}
		runKeptAfterClose();
		releaseBuffers();
	}

	/** Returns the buffers to the pools once no reader, puller or writer can touch them (all check closed first). */
	private void releaseBuffers() {
		this.inputLock.lock();
		try {
			this.context.readBuffers().release(this.readBuffer);
		}
		finally {
			this.inputLock.unlock();
		}
		this.writer.release(this.context.writeBuffers());
	}

	/** The reader loop; how it ended. */
	private LoopEnd readLoop(boolean onLoop) throws IOException {
		// on an event loop, the socket has input when the loop serves the connection; after that, only when a read
		// filled the buffer (the loop reports the connection again when more arrives)
		boolean mayHaveInput = true;
		while (!this.closed.get()) {
			Request handOff;
			Request inline;
			this.inputLock.lock();
			try {
				if (this.closed.get()) {
					return LoopEnd.ENDED;
				}
				if (this.drainDeadlineNanos != 0) {
					if (nothingMoreToRead()) {
						return LoopEnd.ENDED;
					}
					if (onLoop) {
						return LoopEnd.DETACHED;
					}
					drain();
					return LoopEnd.ENDED;
				}
				if (this.readBuffer.hasRemaining()) {
					this.decoder.decode(this.readBuffer);
				}
				inline = takeDeferred(onLoop);
				handOff = (inline != null || this.deferred != null) ? null : requestNeedingInput();
				if (inline == null && handOff == null) {
					if (this.readBuffer.hasRemaining() || this.drainDeadlineNanos != 0) {
						continue;
					}
					if (this.loop == null) {
						if (!fill()) {
							return LoopEnd.ENDED;
						}
						continue;
					}
					if (!onLoop || mayHaveInput) {
						int n = fillNow();
						if (n < 0) {
							return LoopEnd.ENDED;
						}
						if (n > 0) {
							mayHaveInput = this.readBuffer.limit() == this.readBuffer.capacity();
							continue;
						}
					}
					markWaiting();
					return LoopEnd.PARKED;
				}
				if (handOff != null && onLoop) {
					return LoopEnd.DETACHED;
				}
				if (handOff != null) {
					this.inputOwner.set(handOff);
					if (handOff.isFinished() || handOff.inputComplete()) {
						// ended between the check and the hand-off: its release may have missed the new owner
						this.inputOwner.compareAndSet(handOff, null);
					}
				}
			}
			finally {
				this.inputLock.unlock();
			}
			if (inline != null) {
				if (!runInline(inline)) {
					return LoopEnd.HANDED_OVER;
				}
				continue;
			}
			handOff.stdinInput().wakeUp();
			if (handOff.dataInput() != null) {
				handOff.dataInput().wakeUp();
			}
			while (this.inputOwner.get() != null && !this.closed.get()) {
				LockSupport.park(this);
			}
		}
		return LoopEnd.ENDED;
	}

	/**
	 * Non-multiplexed: keeps a just-dispatched request for the reader to run itself after decoding, which saves the
	 * hand-off to a worker (a wake-up and two context switches per request). Called on the reader thread.
	 */
	boolean deferToReader(Request request) {
		if (this.config.multiplexed()) {
			return request.inputArrived() && keepForReader(request);
		}
		if (this.deferred != null || Thread.currentThread() != this.readerThread) {
			return false;
		}
		this.deferred = request;
		return true;
	}

	/**
	 * Multiplexed: keeps a request whose input has all arrived for the reader to run itself once it has decoded what
	 * it read: the first such request always, the next ones only while the requests running fill every core (a
	 * worker would then have to wait for a core anyway). False (a worker takes it) if not called on the reader
	 * thread, or while keeping is paused after a slow request. Called on the reader thread, under inputLock.
	 */
	private boolean keepForReader(Request request) {
		if (Thread.currentThread() != this.readerThread || keepingPaused()) {
			return false;
		}
		if (this.deferred == null) {
			this.deferred = request;
			if (!this.readerBusy) {
				this.readerBusy = true;
				this.context.workers().readerBusy(1);
			}
			return true;
		}
		if (!spreadOverCores() && !this.context.workers().coresBusy()) {
			return false;
		}
		this.kept.add(request);
		return true;
	}

	/** Whether there are at least as many connections as cores, whose readers spread the requests over them. */
	private boolean spreadOverCores() {
		return this.context.activeConnections() >= this.context.workers().busyTarget();
	}

	/** Multiplexed: whether the reader keeps no request now; the worker runs then are timed ({@link #workerRunEnded}). */
	boolean keepingPaused() {
		return this.keepPaused;
	}

	/**
	 * Multiplexed, while keeping is paused: a request a worker ran took {@code nanos}. Once fewer than 1 in 20 of a
	 * window of {@link #PAUSED_WINDOW_RUNS} took over {@link #SLOW_RUN_NANOS}, the reader keeps requests again.
	 */
	void workerRunEnded(long nanos) {
		if (nanos > SLOW_RUN_NANOS) {
			this.pausedSlowRuns.incrementAndGet();
		}
		int runs = this.pausedRuns.incrementAndGet();
		if (runs == PAUSED_WINDOW_RUNS) {
			int slow = this.pausedSlowRuns.getAndSet(0);
			this.pausedRuns.set(0);
			if (slow * 20 < runs) {
				this.keepPaused = false;
			}
		}
	}

	/** Multiplexed: the reader has no kept request left, so it no longer counts as a busy reader. */
	private void readerIdle() {
		if (this.readerBusy) {
			this.readerBusy = false;
			this.context.workers().readerBusy(-1);
		}
	}

	/**
	 * Multiplexed: the reader keeps no request (a kept one was taken over, or the reader was often found asleep in
	 * them) until the requests workers run are fast again ({@link #workerRunEnded}).
	 */
	private void pauseKeeping() {
		if (!this.keepPaused) {
			this.pausedRuns.set(0);
			this.pausedSlowRuns.set(0);
			this.keepPaused = true;
		}
	}

	/** Multiplexed: hands the kept requests to workers (keeping was paused). Under inputLock. */
	private void submitKept() throws IOException {
		Request request;
		while ((request = this.kept.poll()) != null) {
			if (!request.submit()) {
				refuseForNoWorker(request);
			}
		}
	}

	/**
	 * Runs the requests kept for the reader of a closed connection, which aborts them (and releases their slots): by
	 * its last reader, or by the sweeper when no new reader could start.
	 */
	private void runKeptAfterClose() {
		while (true) {
			Request request;
			this.inputLock.lock();
			try {
				request = this.deferred;
				if (request != null) {
					this.deferred = null;
				}
				else {
					request = this.kept.poll();
				}
				if (request == null) {
					readerIdle();
				}
			}
			finally {
				this.inputLock.unlock();
			}
			if (request == null) {
				return;
			}
			request.run();
		}
	}

	/**
	 * Runs a request on the reader thread. Nobody reads the connection meanwhile, so a request still running after
	 * {@link #INLINE_TAKEOVER_NANOS} gets a new reader from the timeout sweeper ({@link #checkTimeouts}), which
	 * then notices an abort or a closed connection as promptly as before. False if that happened: this thread must
	 * then leave the connection to the new reader.
	 */
	private boolean runInline(Request request) {
		this.inlineSinceNanos = System.nanoTime() | 1;
		this.inlineRequest.set(request);
		if (this.config.multiplexed()) {
			this.context.inlineRunStarted();
		}
		try {
			request.run();
		}
		finally {
			this.context.workers().exitInline();
		}
		return this.inlineRequest.compareAndSet(request, null);
	}

	/** The sweeper's part of {@link #runInline}: hands reading to a new thread when the inline request is slow. */
	private void takeOverSlowInlineRequest(long now, KernelThreadState states) {
		Request running = this.inlineRequest.get();
		if (running == null) {
			return;
		}
		long since = this.inlineSinceNanos;
		if (this.config.multiplexed() ? !multiplexedReaderStuck(since, now, states)
				: now - since < INLINE_TAKEOVER_NANOS) {
			if (this.config.multiplexed()) {
				// the sweeper keeps looking every few milliseconds while this one runs
				this.context.inlineRunStarted();
			}
			return;
		}
		if (!this.inlineRequest.compareAndSet(running, null)) {
			return;
		}
		if (this.config.multiplexed()) {
			// the new reader hands the kept requests to workers
			pauseKeeping();
		}
		if (!this.context.workers().executeConnection(() -> read(false))) {
			// no thread for a new reader (stopping): the old one leaves when its request ends, so clean up here
			close(new ConnectionClosedException("server stopping"));
			runKeptAfterClose();
			releaseBuffers();
		}
	}

	/**
	 * Multiplexed, the sweeper's look at a request the reader runs itself (since {@code since}), at every sweep while
	 * one runs: stuck once it has run for {@link #MULTIPLEXED_TAKEOVER_NANOS}, or when its thread was found asleep in
	 * it (blocked on a lock, a socket, a sleep) at two looks in a row, the second at least
	 * {@link #MULTIPLEXED_CHECK_NANOS} into it. A thread only waiting for a core on a busy machine is not asleep
	 * ({@link KernelThreadState#isAsleep}). Requests too short to be taken over can still block the reader most of
	 * the time (a handler that waits 2 ms on a database): when more than a tenth of {@link #ASLEEP_WINDOW_LOOKS} looks
	 * found it asleep, the reader keeps no request ({@link #pauseKeeping}), as after a takeover.
	 */
	private boolean multiplexedReaderStuck(long since, long now, KernelThreadState states) {
		long age = now - since;
		if (age >= MULTIPLEXED_TAKEOVER_NANOS) {
			return true;
		}
		Thread reader = this.readerThread;
		boolean asleep = reader != null && KernelThreadState.isAsleep(states, this.readerTid, reader);
		boolean again = asleep && since == this.asleepInlineSince;
		this.asleepInlineSince = asleep ? since : 0;
		this.windowLooks++;
		if (asleep) {
			this.windowAsleep++;
		}
		if (this.windowLooks >= ASLEEP_WINDOW_LOOKS) {
			if (this.windowAsleep * 10 > this.windowLooks) {
				pauseKeeping();
			}
			this.windowLooks = 0;
			this.windowAsleep = 0;
		}
		return again && age >= MULTIPLEXED_CHECK_NANOS;
	}

	/**
	 * The deferred request if the reader should run it now (its input has all arrived), else null; a deferred
	 * request still expecting input goes to a worker, which pulls its input as before, except on an event loop,
	 * where it stays deferred (the connection parks) until its input has arrived or passed
	 * {@link #HELD_INPUT_LIMIT}.
	 */
	private Request takeDeferred(boolean onLoop) throws IOException {
		Request request = this.deferred;
		if (request == null) {
			readerIdle();
			return null;
		}
		boolean complete = request.inputArrived() || request.isFinished();
		if (!complete && onLoop && request.inputReceived() < HELD_INPUT_LIMIT) {
			return null;
		}
		this.deferred = null;
		if (this.config.multiplexed()) {
			// kept requests have all their input; once one cannot run here, none waits for the reader
			if (!keepingPaused() && this.context.workers().tryEnterInline()) {
				this.deferred = this.kept.poll();
				return request;
			}
			this.kept.addFirst(request);
			submitKept();
			readerIdle();
			return null;
		}
		if (complete && this.context.workers().tryEnterInline()) {
			return request;
		}
		if (!request.submit()) {
			refuseForNoWorker(request);
		}
		return null;
	}

	/**
	 * Multiplexed: whether a just-dispatched request should wait for its input before a worker takes it, which saves
	 * the worker a wake-up per STDIN record (the input is buffered in the request's {@link RequestInput} either way).
	 * It goes to a worker once its input has all arrived (ended, or its declared length) or passed
	 * {@link #HELD_INPUT_LIMIT} (or fastcgi.input-spill-threshold, if lower), from {@link #onInput}.
	 */
	boolean holdForInput(Request request) {
		return this.config.multiplexed() && !request.inputArrived() && request.inputReceived() < holdLimit();
	}

	private long holdLimit() {
		return Math.min(HELD_INPUT_LIMIT, this.config.inputSpillThreshold());
	}

	/** Answers OVERLOADED for a dispatched request no worker would take. */
	private void refuseForNoWorker(Request request) throws IOException {
		int requestId = request.requestId();
		this.requests.remove(request);
		this.context.limitLog().log(logger, () -> "Request " + requestId + " on FastCGI connection " + this.id
				+ " refused (OVERLOADED): no worker available (fastcgi.threads)");
		request.discardRejected();
		reject(requestId, request.role(), ProtocolStatus.OVERLOADED);
	}

	/** Non-multiplexed: the running request that still expects input, if any. */
	private Request requestNeedingInput() {
		if (this.config.multiplexed() || this.requests.isEmpty()) {
			return null;
		}
		for (Request request : this.requests) {
			if (request.phase() == Request.Phase.RUNNING && !request.inputComplete()) {
				return request;
			}
		}
		return null;
	}

	/** Reads more bytes into the read buffer (guarded by inputLock); false at end of stream. */
	private boolean fill() throws IOException {
		this.readBuffer.compact();
		markWaiting();
		int n;
		try {
			n = this.endpoint.read(this.readBuffer);
		}
		finally {
			this.readBlockedSinceNanos = 0;
			this.readBuffer.flip();
		}
		if (n < 0) {
			if (!this.decoder.isAtRecordBoundary() && !this.requests.isEmpty()) {
				logger.log(System.Logger.Level.DEBUG,
						() -> "FastCGI connection " + this.id + " ended in the middle of a record");
			}
			return false;
		}
		this.lastProgressNanos = System.nanoTime();
		this.context.listener().bytesReceived(n);
		return true;
	}

	/**
	 * Notes that the reader waits for input from now on (in a read, or parked): the idle, read and params timeouts
	 * count from here.
	 */
	private void markWaiting() {
		if (this.decoder.isAtRecordBoundary()) {
			this.partialRecordSinceNanos = 0;
		}
		else if (this.partialRecordSinceNanos == 0) {
			this.partialRecordSinceNanos = System.nanoTime() | 1;
		}
		this.readBlockedSinceNanos = System.nanoTime() | 1;
	}

	/**
	 * Reads what is available without waiting (guarded by inputLock): -1 at end of stream, 0 if nothing was available,
	 * else the bytes read. A blocking connection (no event loop) may also answer 0 at the end of the stream, or
	 * {@link Endpoint#CANNOT_TELL}; only {@link #nothingMoreToRead} asks one.
	 */
	private int fillNow() throws IOException {
		this.readBuffer.compact();
		int n;
		try {
			n = this.endpoint.readArrived(this.readBuffer);
		}
		finally {
			this.readBuffer.flip();
		}
		if (n > 0) {
			this.lastProgressNanos = System.nanoTime();
			this.context.listener().bytesReceived(n);
		}
		else if (n == -1 && !this.decoder.isAtRecordBoundary() && !this.requests.isEmpty()) {
			logger.log(System.Logger.Level.DEBUG,
					() -> "FastCGI connection " + this.id + " ended in the middle of a record");
		}
		return n;
	}

	/**
	 * Whether a connection about to close may close at once instead of draining its input first: the web server
	 * has sent all it had to send (every request's input ended, nothing is left undecoded) and nothing more has
	 * arrived since (or the stream ended). The close then sends no reset (a close with unread input
	 * does, and may cost the web server a response it has not read yet), and no thread waits for the web server's own
	 * close: without FCGI_KEEP_CONN, that would be once per request. A connection of an event loop asks with a read
	 * that does not wait; a blocking one (a thread per connection, virtual threads, multiplexed) with
	 * {@link Endpoint#readArrived} (over TCP one {@code ioctl}). Guarded by inputLock.
	 */
	private boolean nothingMoreToRead() throws IOException {
		if (!this.inputEnded || this.readBuffer.hasRemaining() || !this.decoder.isAtRecordBoundary()) {
			return false;
		}
		int n = fillNow();
		return n == 0 || n == -1;
	}

	/** Closing after the last response: discard input, bounded in bytes and time, then close. */
	private void drain() throws IOException {
		long budget = DRAIN_MAX_BYTES;
		ByteBuffer scratch = this.readBuffer;
		while (budget > 0 && !this.closed.get()) {
			scratch.clear();
			this.readBlockedSinceNanos = System.nanoTime() | 1;
			int n;
			try {
				n = this.endpoint.read(scratch);
			}
			finally {
				this.readBlockedSinceNanos = 0;
			}
			if (n < 0) {
				break;
			}
			budget -= n;
		}
		scratch.clear().flip();
	}

	// ---- pulling (non-multiplexed request threads) -----------------------------------------------------------

	@Override
	public boolean owns(Request request) {
		return this.inputOwner.get() == request;
	}

	@Override
	public void pull(Request request) throws IOException {
		this.inputLock.lock();
		try {
			if (this.inputOwner.get() != request || this.closed.get()) {
				return;
			}
			this.pullTarget = request;
			this.pullTargetFed = false;
			while (!this.pullTargetFed && !this.closed.get() && !request.isFinished()) {
				if (this.readBuffer.hasRemaining()) {
					this.decoder.decode(this.readBuffer);
				}
				else if (!fill()) {
					close(new ConnectionClosedException("the web server closed the connection during request "
							+ request.requestId()));
					break;
				}
			}
		}
		catch (ProtocolException ex) {
			protocolError(ex);
		}
		catch (IOException ex) {
			close(new ConnectionClosedException("connection to the web server lost: " + ex, ex));
		}
		catch (RuntimeException ex) {
			logger.log(System.Logger.Level.WARNING, "FastCGI connection " + this.id + " failed", ex);
			close(new ConnectionClosedException("connection failed: " + ex, ex));
		}
		finally {
			this.pullTarget = null;
			this.inputLock.unlock();
		}
		if (request.inputComplete() || request.isFinished()) {
			releaseInput(request);
		}
	}

	private void releaseInput(Request request) {
		if (this.inputOwner.compareAndSet(request, null)) {
			Thread reader = this.readerThread;
			if (reader != null) {
				LockSupport.unpark(reader);
			}
		}
	}

	// ---- record policy ---------------------------------------------------------------------------------------

	private boolean onRecord(int typeCode, int requestId, int paddingLength, ByteBuffer content)
			throws ProtocolException {
		RecordType type = RecordType.fromCode(typeCode);
		this.context.listener().recordReceived(type, content.remaining());
		if (this.closed.get()) {
			return false;
		}
		try {
			if (requestId == FastCgi.NULL_REQUEST_ID) {
				onManagementRecord(typeCode, content);
				return true;
			}
			if (type == null) {
				this.writer.writeUnknownType(typeCode);
				return true;
			}
			switch (type) {
				case BEGIN_REQUEST -> onBeginRequest(requestId, content);
				case ABORT_REQUEST -> onAbortRequest(requestId);
				case PARAMS -> onParams(requestId, content);
				case STDIN -> onInput(requestId, content, true);
				case DATA -> onInput(requestId, content, false);
				case END_REQUEST, STDOUT, STDERR -> throw new ProtocolException("unexpected_type",
						"record type " + type + " (request " + requestId
								+ ") is sent by applications, not web servers");
				default -> {
					// GET_VALUES and the like with a request id: not a management record, nothing to do
				}
			}
		}
		catch (ProtocolException ex) {
			throw ex;
		}
		catch (IOException ex) {
			// a write failed: the writer already closed the connection
			return false;
		}
		return !(this.pullTarget != null && this.pullTargetFed);
	}

	private void onManagementRecord(int typeCode, ByteBuffer content) throws IOException {
		if (typeCode != RecordType.GET_VALUES.code()) {
			this.writer.writeUnknownType(typeCode);
			return;
		}
		Map<String, String> asked = NameValuePairs.decode(content);
		Map<String, String> answer = new LinkedHashMap<>();
		for (String name : asked.keySet()) {
			switch (name) {
				case FastCgi.MAX_CONNS -> answer.put(name, Integer.toString(this.config.maxConnections()));
				case FastCgi.MAX_REQS -> answer.put(name, Integer.toString(this.context.advertisedMaxRequests()));
				case FastCgi.MPXS_CONNS -> answer.put(name, this.config.multiplexed() ? "1" : "0");
				default -> {
					// unknown names are omitted, as the specification says
				}
			}
		}
		byte[] body = NameValuePairs.encode(answer);
		this.writer.writeRecord(RecordType.GET_VALUES_RESULT, FastCgi.NULL_REQUEST_ID, body, 0, body.length);
	}

	private void onBeginRequest(int requestId, ByteBuffer content) throws IOException {
		BeginRequestBody body = BeginRequestBody.decode(content);
		if (this.requests.contains(requestId)) {
			throw new ProtocolException("duplicate_request",
					"BEGIN_REQUEST for request id " + requestId + ", which is already active");
		}
		Role role = Role.fromCode(body.role());
		if (role == null) {
			reject(requestId, null, ProtocolStatus.UNKNOWN_ROLE);
			return;
		}
		if (!this.config.multiplexed() && !this.requests.isEmpty()) {
			reject(requestId, role, ProtocolStatus.CANT_MPX_CONN);
			return;
		}
		if (this.context.isStopping() || this.closeWhenIdle) {
			if (this.requests.isEmpty()) {
				// sent before the web server saw this connection closing: close it without an answer, which the web
				// server can retry elsewhere (nginx's fastcgi_next_upstream error); OVERLOADED would be its 502
				startDrain();
				return;
			}
			reject(requestId, role, ProtocolStatus.OVERLOADED);
			return;
		}
		if (this.requests.size() >= this.config.maxRequestsPerConnection()) {
			this.context.limitLog().log(logger, () -> "Request " + requestId + " on FastCGI connection " + this.id
					+ " refused (OVERLOADED): fastcgi.max-requests-per-connection ("
					+ this.config.maxRequestsPerConnection() + ") requests are active on it");
			reject(requestId, role, ProtocolStatus.OVERLOADED);
			return;
		}
		if (!this.context.tryAcquireRequest()) {
			this.context.limitLog().log(logger, () -> "Request " + requestId + " on FastCGI connection " + this.id
					+ " refused (OVERLOADED): fastcgi.max-requests (" + this.config.maxRequests()
					+ ") requests are active");
			reject(requestId, role, ProtocolStatus.OVERLOADED);
			return;
		}
		Request request = new Request(this, this.context, requestId, role, body.keepConn(),
				!this.config.multiplexed());
		this.requests.add(request);
		this.context.listener().requestStarted(this.id, requestId, role);
	}

	private void reject(int requestId, Role role, ProtocolStatus status) throws IOException {
		this.writer.writeEndRequest(requestId, 0, status);
		this.context.listener().requestEnded(this.id, requestId, role, 0, status, Outcome.REJECTED, 0);
	}

	private void onAbortRequest(int requestId) {
		Request request = this.requests.get(requestId);
		if (request == null) {
			return;
		}
		this.context.listener().requestAborted(this.id, requestId);
		if (request == this.pullTarget) {
			this.pullTargetFed = true;
		}
		request.abortByWebServer();
	}

	private void onParams(int requestId, ByteBuffer content) throws IOException {
		Request request = this.requests.get(requestId);
		if (request == null) {
			return;
		}
		if (request.paramsEnded()) {
			throw new ProtocolException("params_after_end",
					"PARAMS for request " + requestId + " after its params had ended");
		}
		if (content.hasRemaining()) {
			request.appendParams(content);
			return;
		}
		request.endParams();
		Request.Refusal refusal = request.refusal();
		if (refusal != null) {
			this.context.limitLog().log(logger, () -> "Request " + requestId + " on FastCGI connection " + this.id
					+ describePeer() + " answered " + statusOf(refusal.response()) + ": " + refusal.message());
			this.context.listener().protocolError(this.id, refusal.reason());
			request.answerRefusal(refusal);
			return;
		}
		if (!request.dispatch()) {
			refuseForNoWorker(request);
		}
	}

	private void onInput(int requestId, ByteBuffer content, boolean stdin) throws IOException {
		Request request = this.requests.get(requestId);
		if (request == null) {
			return;
		}
		if (!request.paramsEnded()) {
			throw new ProtocolException("input_before_params", (stdin ? "STDIN" : "DATA") + " for request "
					+ requestId + " before its params had ended");
		}
		RequestInput input = stdin ? request.stdinInput() : request.dataInput();
		if (input == null) {
			// DATA for a role that gets none
			return;
		}
		if (content.hasRemaining()) {
			input.push(content);
		}
		else {
			input.end();
		}
		if (request == this.pullTarget) {
			this.pullTargetFed = true;
		}
		if (request.isHeld() && (request.inputArrived() || request.inputReceived() >= holdLimit())
				&& request.releaseHold() && !(request.inputArrived() && keepForReader(request)) && !request.submit()) {
			refuseForNoWorker(request);
		}
	}

	private static String statusOf(byte[] response) {
		String text = new String(response, 0, Math.min(response.length, 64),
				java.nio.charset.StandardCharsets.ISO_8859_1);
		int end = text.indexOf('\r');
		return (end > 8) ? text.substring(8, end) : text;
	}

	// ---- request end -----------------------------------------------------------------------------------------

	/** Called before END_REQUEST is written, so the web server may reuse the id as soon as it sees it. */
	void requestFinishing(Request request) {
		this.requests.remove(request);
	}

	/** Called after a request ended in any way. */
	void requestEnded(Request request) {
		request.dropHold();
		this.requests.remove(request);
		this.completedRequests.incrementAndGet();
		this.lastProgressNanos = System.nanoTime();
		releaseInput(request);
		if (!request.inputComplete()) {
			this.inputEnded = false;
		}
		if (!request.keepConnection() || this.context.isStopping()) {
			this.closeWhenIdle = true;
		}
		if (this.closeWhenIdle && this.requests.isEmpty()) {
			startDrain();
		}
		else if (this.loop != null && this.pollState.get() == PARKED && this.deferred == request) {
			// ended while waiting parked for its body (a request timeout): a thread runs what is left of it
			resumeParked();
		}
	}

	/** Closes once the requests in flight have ended (graceful stop); at once if none. */
	public void closeWhenIdle() {
		this.closeWhenIdle = true;
		if (this.requests.isEmpty()) {
			startDrain();
		}
	}

	private void startDrain() {
		if (this.drainDeadlineNanos != 0 || this.closed.get()) {
			return;
		}
		this.drainDeadlineNanos = (System.nanoTime() + DRAIN_MAX_NANOS) | 1;
		this.writer.shutdownOutput();
		Thread reader = this.readerThread;
		if (reader != null) {
			LockSupport.unpark(reader);
		}
		resumeParked();
	}

	byte[] borrowBuffer() {
		byte[] b = this.spareBuffer.getAndSet(null);
		// one record's worth at first: RecordOutput grows it (up to STDOUT_CAPACITY) for the responses that need it
		return (b != null) ? b : new byte[this.config.maxWrite()];
	}

	void returnBuffer(byte[] buffer) {
		if (buffer != null) {
			this.spareBuffer.set(buffer);
		}
	}

	/** A buffer for PARAMS content of at least {@code size} bytes, reused across requests when possible. */
	byte[] borrowParamsBuffer(int size) {
		byte[] b = this.spareParams.getAndSet(null);
		return (b != null && b.length >= size) ? b : new byte[Math.max(4096, size)];
	}

	/** Keeps a PARAMS buffer for the next request (not the rare huge ones). */
	void returnParamsBuffer(byte[] buffer) {
		if (buffer != null && buffer.length <= 64 * 1024) {
			this.spareParams.set(buffer);
		}
	}

	// ---- failure and close -----------------------------------------------------------------------------------

	private void writeFailed(IOException cause) {
		close(new ConnectionClosedException("write to the web server failed: " + cause.getMessage(), cause));
	}

	private void protocolError(ProtocolException ex) {
		if (this.closed.get()) {
			return;
		}
		logger.log(System.Logger.Level.WARNING, "FastCGI connection " + this.id + describePeer()
				+ " closed: " + ex.getMessage());
		this.context.listener().protocolError(this.id, ex.reason());
		close(new ConnectionClosedException("connection closed after a protocol error: " + ex.getMessage()));
	}

	/** Closes for a timeout with one log line naming the property. */
	void timedOut(String reason, String message) {
		if (this.closed.get()) {
			return;
		}
		logger.log(System.Logger.Level.WARNING, "FastCGI connection " + this.id + describePeer() + " closed: "
				+ message);
		this.context.listener().protocolError(this.id, reason);
		close(new ConnectionClosedException("connection closed: " + message));
	}

	private String describePeer() {
		SocketAddress remote = this.endpoint.remoteAddress();
		return (remote != null) ? " from " + remote : "";
	}

	/** Closes at once: every request still in flight is aborted with {@code cause}. Idempotent. */
	public void close(IOException cause) {
		close(() -> cause);
	}

	/**
	 * Closes at once: every request still in flight is aborted with the exception {@code cause} makes, which is made
	 * only if there is one (most connections end with none, and an exception's stack trace costs microseconds).
	 */
	private void close(Supplier<IOException> cause) {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		this.writer.fail();
		this.endpoint.close();
		IOException abort = null;
		for (Request request : this.requests) {
			if (abort == null) {
				abort = cause.get();
			}
			request.abortByConnection(abort);
		}
		this.requests.clear();
		this.inputOwner.set(null);
		Thread reader = this.readerThread;
		if (reader != null) {
			LockSupport.unpark(reader);
		}
		this.context.unregister(this);
		this.context.listener().connectionClosed(this.id);
		if (this.loop != null) {
			if (this.pollState.compareAndSet(PARKED, CLOSED)) {
				// no thread serves it: free what it holds here
				releaseClosed();
			}
			if (this.pollChannel.isRegistered()) {
				// the loop flushes the cancelled key, which closes the socket for good (a channel never registered
				// closed its socket in endpoint.close)
				this.loop.wakeup();
			}
		}
	}

	// ---- timeouts --------------------------------------------------------------------------------------------

	/** Called periodically by the sweeper: enforces idle, read and write timeouts and the drain deadline. */
	void checkTimeouts(long now, KernelThreadState states) {
		if (this.closed.get()) {
			return;
		}
		takeOverSlowInlineRequest(now, states);
		long writeStarted = this.writer.writeStartedNanos();
		long writeTimeout = this.config.writeTimeout().toNanos();
		if (writeStarted != 0 && now - writeStarted > writeTimeout) {
			timedOut("timeout", "the web server did not read a response for " + millis(writeTimeout)
					+ " ms (fastcgi.write-timeout)");
			return;
		}
		if (checkRequestTimeouts(now)) {
			return;
		}
		long drainDeadline = this.drainDeadlineNanos;
		if (drainDeadline != 0) {
			if (now - drainDeadline > 0) {
				close(new ConnectionClosedException("connection closed"));
			}
			return;
		}
		long blockedSince = this.readBlockedSinceNanos;
		if (blockedSince == 0) {
			return;
		}
		long quietSince = Math.max(blockedSince, this.lastProgressNanos);
		long quiet = now - quietSince;
		Request waiting = requestAwaitingInput();
		if (waiting != null) {
			long readTimeout = this.config.readTimeout().toNanos();
			if (quiet > readTimeout) {
				timedOut("timeout", "no params or body bytes for request " + waiting.requestId() + " for "
						+ millis(readTimeout) + " ms (fastcgi.read-timeout)");
			}
		}
		else if (this.requests.isEmpty()) {
			long idleTimeout = this.config.idleTimeout().toNanos();
			if (quiet > idleTimeout) {
				logger.log(System.Logger.Level.INFO, "FastCGI connection " + this.id + describePeer()
						+ " closed: no request for " + millis(idleTimeout) + " ms (fastcgi.idle-timeout)");
				close(new ConnectionClosedException("idle connection closed"));
			}
		}
	}

	/**
	 * fastcgi.params-timeout (params that take too long in total, or a partial record with no request active: both
	 * close the connection) and fastcgi.request-timeout (the request alone is ended). True if the connection closed.
	 */
	private boolean checkRequestTimeouts(long now) {
		long paramsTimeout = this.config.paramsTimeout().toNanos();
		long requestTimeout = this.config.requestTimeout().toNanos();
		for (Request request : this.requests) {
			if (request.phase() == Request.Phase.PARAMS && now - request.startNanos() > paramsTimeout) {
				timedOut("params_timeout", "the params of request " + request.requestId() + " did not end within "
						+ millis(paramsTimeout) + " ms (fastcgi.params-timeout)");
				return true;
			}
			if (requestTimeout > 0 && request.claimTimeout(now, requestTimeout)) {
				startRequestTimeout(request, millis(requestTimeout));
			}
		}
		long partialSince = this.partialRecordSinceNanos;
		if (partialSince != 0 && this.requests.isEmpty() && this.readBlockedSinceNanos != 0
				&& now - partialSince > paramsTimeout) {
			timedOut("params_timeout", "a record stayed incomplete for " + millis(paramsTimeout)
					+ " ms with no request active (fastcgi.params-timeout)");
			return true;
		}
		return false;
	}

	/** Ends a request that ran over fastcgi.request-timeout, on a thread of its own (it may wait to write). */
	private void startRequestTimeout(Request request, long timeoutMillis) {
		this.context.limitLog().log(logger, () -> "Request " + request.requestId() + " on FastCGI connection "
				+ this.id + describePeer() + " did not complete within " + timeoutMillis
				+ " ms (fastcgi.request-timeout): aborted, its handler thread interrupted");
		this.context.listener().protocolError(this.id, "request_timeout");
		Thread thread = new Thread(() -> request.timeOut(timeoutMillis), "fastcgi-request-timeout");
		thread.setDaemon(true);
		thread.start();
	}

	private Request requestAwaitingInput() {
		for (Request request : this.requests) {
			if (request.phase() == Request.Phase.PARAMS
					|| (request.phase() == Request.Phase.RUNNING && !request.inputComplete())) {
				return request;
			}
		}
		return null;
	}

	private static long millis(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos);
	}

	/** A point-in-time view for the actuator. */
	ServerSnapshot.ConnectionSnapshot snapshot() {
		SocketAddress remote = this.endpoint.remoteAddress();
		return new ServerSnapshot.ConnectionSnapshot(this.id, (remote != null) ? remote.toString() : "unix",
				this.openedAtMillis, this.requests.size(), this.completedRequests.get());
	}

}
