package dev.fastcgi.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.server.internal.Acceptor;
import dev.fastcgi.server.internal.CompositeListener;
import dev.fastcgi.server.internal.Connection;
import dev.fastcgi.server.internal.EngineContext;
import dev.fastcgi.server.internal.TimeoutSweeper;
import dev.fastcgi.server.internal.Workers;
import dev.fastcgi.server.transport.AddressAllowList;
import dev.fastcgi.server.transport.Transports;

/**
 * A FastCGI application server: listens, accepts web server connections and runs a {@link FastCgiHandler} per
 * request. Construct, add listeners, {@link #start()}, later {@link #stop(Duration)}. Thread-safe.
 * <p>
 * I/O model: blocking channels, one acceptor thread, one reader thread per connection (pooled platform threads, or
 * virtual threads on Java 21+ with {@code virtualThreads}), handlers on a worker pool of {@code threads} threads
 * with a queue bounded by {@code maxRequests} (one worker when single-threaded). Writes of all requests on a
 * connection go through one lock and one reused buffer; a small response leaves in one write. Non-multiplexed, a
 * request's body is read from the socket by the handler's own thread as it asks for bytes (back-pressure); the
 * reader thread waits meanwhile. Multiplexed, the reader pushes input into per-request buffers that spill to a
 * temporary file past {@code inputSpillThreshold}, or earlier when all requests together hold
 * {@code maxBufferedInput} in memory. One sweeper thread enforces the idle, read, write and params timeouts by
 * closing channels, and the request timeout by ending the request (504 if nothing was committed) on a short-lived
 * thread of its own and interrupting its handler.
 * <p>
 * Limits a request can break after its params have arrived whole (param name or value length, a CONTENT_LENGTH
 * over {@code maxBodySize}) are answered (431, 413) with END_REQUEST without running the handler; the request's
 * later records are skipped, so framing stays in sync and a kept-alive connection goes on. A declared
 * CONTENT_LENGTH bounds what the handler can read: bytes past it are dropped, a body that ends short fails the read.
 * Requests start only at BEGIN_REQUEST records, so nothing inside a body can pass for a request. See
 * {@code docs/robustness.md}.
 */
public final class FastCgiServer {

	private static final System.Logger logger = System.getLogger(FastCgiServer.class.getName());

	/** How long {@link #stop} lets connections flush the responses of requests that finished in time. */
	private static final Duration FLUSH_GRACE = Duration.ofSeconds(1);

	/** Lifecycle of the server. */
	private enum State {

		NEW, STARTED, STOPPED

	}

	private final Object monitor = new Object();

	private final ServerConfig config;

	private final FastCgiHandler handler;

	private final AddressAllowList allowList;

	private final CompositeListener listener = new CompositeListener();

	private State state = State.NEW;

	private volatile EngineContext context;

	private volatile Transports.Listening listening;

	private volatile Acceptor acceptor;

	private Thread acceptorThread;

	private TimeoutSweeper sweeper;

	/**
	 * Creates a server; nothing is bound until {@link #start()}.
	 * @throws IllegalArgumentException if an allowed address is not an IP literal
	 */
	public FastCgiServer(ServerConfig config, FastCgiHandler handler) {
		this.config = Objects.requireNonNull(config, "config");
		this.handler = Objects.requireNonNull(handler, "handler");
		this.allowList = AddressAllowList.of(config.allowedAddresses());
	}

	/** Adds an event listener; call before {@link #start()}. */
	public void addListener(ServerListener listener) {
		this.listener.add(Objects.requireNonNull(listener, "listener"));
	}

	/**
	 * Binds and starts accepting. Idempotent.
	 * @throws java.net.BindException (or another IOException) when the address cannot be bound
	 */
	public void start() throws IOException {
		synchronized (this.monitor) {
			if (this.state != State.NEW) {
				return;
			}
			Transports.Listening opened = Transports.open(this.config);
			Workers workers;
			try {
				workers = Workers.create(this.config);
			}
			catch (RuntimeException ex) {
				opened.close();
				throw ex;
			}
			EngineContext engine = new EngineContext(this.config, this.handler, this.listener, workers);
			engine.startEventLoops();
			this.sweeper = new TimeoutSweeper(engine);
			this.sweeper.start();
			this.context = engine;
			this.listening = opened;
			this.acceptor = new Acceptor(engine, opened.channel(), this.allowList, opened.isUnix());
			this.acceptorThread = new Thread(this.acceptor, "fastcgi-acceptor");
			this.acceptorThread.start();
			this.state = State.STARTED;
			logger.log(System.Logger.Level.DEBUG, () -> "FastCGI engine listening on " + opened.boundAddress()
					+ (workers.isVirtual() ? " (virtual threads)" : ""));
		}
	}

	/** Stops accepting new connections (the listen socket is closed); in-flight requests continue. Idempotent. */
	public void stopAccepting() {
		Transports.Listening opened = this.listening;
		if (opened != null) {
			opened.close();
		}
	}

	/**
	 * Stops: stops accepting, lets in-flight requests finish for up to {@code grace}, then aborts what is left and
	 * closes every connection and thread. Idempotent.
	 * @return true if every request finished within the grace period
	 */
	public boolean stop(Duration grace) {
		synchronized (this.monitor) {
			if (this.state != State.STARTED) {
				this.state = State.STOPPED;
				return true;
			}
			this.state = State.STOPPED;
			stopAccepting();
			EngineContext engine = this.context;
			engine.setStopping();
			for (Connection connection : engine.connections()) {
				connection.closeWhenIdle();
			}
			boolean finished = awaitRequests(engine, grace);
			if (finished) {
				// a finished request frees its slot before its last records are written: let the draining
				// connections flush them (they close themselves) before closing what is left
				awaitConnectionsClosed(engine, FLUSH_GRACE);
			}
			ConnectionClosedException cause = new ConnectionClosedException("FastCGI server stopped");
			for (Connection connection : engine.connections()) {
				connection.close(cause);
			}
			joinAcceptor();
			this.sweeper.stop();
			engine.stopEventLoops();
			if (!engine.workers().shutdownNow(TimeUnit.SECONDS.toMillis(5))) {
				logger.log(System.Logger.Level.WARNING,
						"Some FastCGI request threads did not end within 5 s after the server stopped");
			}
			return finished;
		}
	}

	private static void awaitConnectionsClosed(EngineContext engine, Duration grace) {
		long deadline = System.nanoTime() + grace.toNanos();
		while (engine.activeConnections() > 0 && System.nanoTime() - deadline < 0) {
			try {
				TimeUnit.MILLISECONDS.sleep(5);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private static boolean awaitRequests(EngineContext engine, Duration grace) {
		long deadline = System.nanoTime() + ((grace != null) ? grace.toNanos() : 0);
		while (engine.activeRequests() > 0) {
			if (System.nanoTime() - deadline >= 0) {
				return false;
			}
			try {
				TimeUnit.MILLISECONDS.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return true;
	}

	private void joinAcceptor() {
		Thread thread = this.acceptorThread;
		if (thread != null) {
			try {
				thread.join(TimeUnit.SECONDS.toMillis(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/** The TCP port actually bound (useful with port 0), or -1 for Unix or not started. */
	public int port() {
		SocketAddress bound = boundAddress();
		return (bound instanceof InetSocketAddress inet) ? inet.getPort() : -1;
	}

	/** The address actually bound, or null if not started. */
	public SocketAddress boundAddress() {
		Transports.Listening opened = this.listening;
		return (opened != null) ? opened.boundAddress() : null;
	}

	/** Whether the listener is accepting (false before start, after stopAccepting, or if the accept loop died). */
	public boolean isAccepting() {
		Acceptor current = this.acceptor;
		return current != null && current.isRunning();
	}

	/** Requests currently in flight. */
	public int activeRequests() {
		EngineContext engine = this.context;
		return (engine != null) ? engine.activeRequests() : 0;
	}

	/** Connections currently open. */
	public int activeConnections() {
		EngineContext engine = this.context;
		return (engine != null) ? engine.activeConnections() : 0;
	}

	/** Request input bytes held in memory across connections (bounded by fastcgi.max-buffered-input); for tests. */
	long bufferedInputBytes() {
		EngineContext engine = this.context;
		return (engine != null) ? engine.bufferedInputBytes() : 0;
	}

	/** A read-only view for the actuator endpoint. */
	public ServerSnapshot snapshot() {
		EngineContext engine = this.context;
		SocketAddress bound = boundAddress();
		if (engine == null) {
			return new ServerSnapshot(this.config.bindAddress().toString(), null, false, 0, 0, 0, 0,
					java.util.List.of());
		}
		return new ServerSnapshot(this.config.bindAddress().toString(), (bound != null) ? bound.toString() : null,
				isAccepting(), engine.activeConnections(), engine.activeRequests(), engine.totalConnections(),
				engine.totalRequests(), engine.connectionSnapshots());
	}

	/** The configuration this server was created with. */
	public ServerConfig config() {
		return this.config;
	}

}
