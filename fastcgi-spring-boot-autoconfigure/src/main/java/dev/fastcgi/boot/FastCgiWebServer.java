package dev.fastcgi.boot;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.GracefulShutdownCallback;
import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.util.Assert;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerListener;
import dev.fastcgi.servlet.FastCgiServletContainer;

/**
 * {@link WebServer} that serves a {@link FastCgiServletContainer} over FastCGI through a {@link FastCgiServer}.
 * <p>
 * Nothing is bound until {@link #start()}, which Boot calls once the application context is refreshed, so no
 * request reaches the application before it is ready. {@link #shutDownGracefully} stops accepting connections and
 * waits for the requests in flight; {@link #stop()} ends what is left; {@link #destroy()} stops the servlet
 * container. A stopped server can be started again (a fresh engine is created on the same configuration).
 */
public class FastCgiWebServer implements WebServer {

	private static final Log logger = LogFactory.getLog(FastCgiWebServer.class);

	private final Object monitor = new Object();

	private final ServerConfig config;

	private final FastCgiServletContainer container;

	private final boolean autoStart;

	private final CompositeServerListener listeners = new CompositeServerListener();

	private final @Nullable GracefulShutdown gracefulShutdown;

	private volatile FastCgiServer server;

	private volatile boolean started;

	private boolean stopped;

	private boolean destroyed;

	/**
	 * Create a new instance that binds on {@link #start()}.
	 * @param config the engine configuration
	 * @param container the servlet container, already started
	 * @param shutdown the shutdown mode ({@link Shutdown#GRACEFUL} waits for requests in flight)
	 */
	public FastCgiWebServer(ServerConfig config, FastCgiServletContainer container, Shutdown shutdown) {
		this(config, container, shutdown, true);
	}

	/**
	 * Create a new instance.
	 * @param config the engine configuration
	 * @param container the servlet container, already started
	 * @param shutdown the shutdown mode ({@link Shutdown#GRACEFUL} waits for requests in flight)
	 * @param autoStart whether {@link #start()} binds; false when {@code server.port} is negative (the servlet
	 * context is created but nothing listens)
	 */
	public FastCgiWebServer(ServerConfig config, FastCgiServletContainer container, Shutdown shutdown,
			boolean autoStart) {
		Assert.notNull(config, "'config' must not be null");
		Assert.notNull(container, "'container' must not be null");
		this.config = config;
		this.container = container;
		this.autoStart = autoStart;
		this.server = createServer();
		this.gracefulShutdown = (shutdown == Shutdown.GRACEFUL)
				? new GracefulShutdown(this::stopAccepting, this::activeRequests) : null;
	}

	private FastCgiServer createServer() {
		FastCgiServer server = new FastCgiServer(this.config, this.container);
		server.addListener(this.listeners);
		return server;
	}

	/**
	 * Return the {@link FastCgiWebServer} of an application context, if it runs one.
	 * @param context the application context
	 * @return the FastCGI web server, or {@code null}
	 */
	public static @Nullable FastCgiWebServer from(ApplicationContext context) {
		if (context instanceof WebServerApplicationContext webServerContext
				&& webServerContext.getWebServer() instanceof FastCgiWebServer webServer) {
			return webServer;
		}
		return null;
	}

	@Override
	public void start() throws WebServerException {
		synchronized (this.monitor) {
			if (this.started || !this.autoStart) {
				return;
			}
			if (this.stopped) {
				this.server = createServer();
				this.stopped = false;
			}
			try {
				this.server.start();
				this.started = true;
				logger.info(getStartedLogMessage());
			}
			catch (IOException ex) {
				stopSilently();
				throw bindFailure(ex);
			}
			catch (WebServerException ex) {
				stopSilently();
				throw ex;
			}
			catch (Exception ex) {
				stopSilently();
				throw new WebServerException("Unable to start embedded FastCGI server", ex);
			}
		}
	}

	private WebServerException bindFailure(IOException ex) {
		BindAddress bindAddress = this.config.bindAddress();
		if (bindAddress instanceof BindAddress.Tcp tcp) {
			PortInUseException.ifPortBindingException(ex, (bindException) -> {
				throw new FastCgiPortInUseException(tcp, bindException);
			});
		}
		return new FastCgiBindException(bindAddress, ex);
	}

	private void stopSilently() {
		try {
			this.server.stop(Duration.ZERO);
		}
		catch (Exception ex) {
			// Ignore
		}
		this.stopped = true;
	}

	String getStartedLogMessage() {
		String contextPath = this.container.getServletContext().getContextPath();
		return "FastCGI started on " + getBoundAddressDescription() + " (" + getModeDescription() + ")"
				+ " with context path '" + (contextPath.isEmpty() ? "/" : contextPath) + "'";
	}

	private String getBoundAddressDescription() {
		BindAddress bindAddress = this.config.bindAddress();
		if (bindAddress instanceof BindAddress.Tcp tcp) {
			SocketAddress bound = this.server.boundAddress();
			if (bound instanceof InetSocketAddress inet) {
				return new BindAddress.Tcp(inet.getAddress().getHostAddress(), inet.getPort()).toString();
			}
			return new BindAddress.Tcp(tcp.host(), this.server.port()).toString();
		}
		return bindAddress.toString();
	}

	String getModeDescription() {
		return describeMode(this.config);
	}

	/**
	 * Describe the transport and concurrency model of a configuration, as in the startup log line.
	 * @param config the configuration
	 * @return e.g. {@code tcp, not multiplexed, 200 threads}
	 */
	public static String describeMode(ServerConfig config) {
		StringBuilder mode = new StringBuilder();
		BindAddress bindAddress = config.bindAddress();
		if (bindAddress instanceof BindAddress.Tcp) {
			mode.append("tcp");
		}
		else if (bindAddress instanceof BindAddress.Unix) {
			mode.append("unix socket");
		}
		else {
			mode.append("inherited listen socket");
		}
		mode.append(config.multiplexed() ? ", multiplexed" : ", not multiplexed");
		if (!config.multithreaded()) {
			mode.append(", single-threaded");
		}
		else if (config.virtualThreads()) {
			mode.append(", virtual threads");
		}
		else {
			mode.append(", ").append(config.threads()).append(" threads");
			if (config.eventLoop() && !config.multiplexed()) {
				mode.append(", event loops");
			}
		}
		return mode.toString();
	}

	@Override
	public void stop() throws WebServerException {
		synchronized (this.monitor) {
			boolean wasStarted = this.started;
			this.started = false;
			if (this.gracefulShutdown != null) {
				this.gracefulShutdown.abort();
			}
			if (wasStarted) {
				try {
					this.server.stop(Duration.ZERO);
				}
				catch (Exception ex) {
					throw new WebServerException("Unable to stop embedded FastCGI server", ex);
				}
				finally {
					this.stopped = true;
				}
			}
		}
	}

	@Override
	public void destroy() {
		synchronized (this.monitor) {
			if (this.destroyed) {
				return;
			}
			stop();
			this.destroyed = true;
			try {
				this.container.stop();
			}
			catch (Exception ex) {
				throw new WebServerException("Unable to destroy embedded FastCGI server", ex);
			}
		}
	}

	/**
	 * The TCP port the server listens on: the real port when {@code 0} was configured, {@code -1} for a Unix socket,
	 * an inherited socket, or before start.
	 * @return the port or {@code -1}
	 */
	@Override
	public int getPort() {
		if (!(this.config.bindAddress() instanceof BindAddress.Tcp) || !this.started) {
			return -1;
		}
		return this.server.port();
	}

	/**
	 * Stops accepting connections and waits, polling every 100 ms, for the requests in flight; then calls
	 * {@code callback} with {@link GracefulShutdownResult#IDLE}, or {@link GracefulShutdownResult#REQUESTS_ACTIVE} if
	 * {@link #stop()} ended the wait first. Without graceful shutdown ({@code server.shutdown=immediate}) the result
	 * is {@link GracefulShutdownResult#IMMEDIATE}.
	 */
	@Override
	public void shutDownGracefully(GracefulShutdownCallback callback) {
		if (this.gracefulShutdown == null) {
			callback.shutdownComplete(GracefulShutdownResult.IMMEDIATE);
			return;
		}
		this.gracefulShutdown.shutDownGracefully(callback);
	}

	private void stopAccepting() {
		this.server.stopAccepting();
	}

	/**
	 * Adds an engine event listener. Unlike {@link FastCgiServer#addListener}, this may be called at any time, also
	 * after start (listeners are held by one composite registered with the engine before start).
	 * @param listener the listener
	 */
	public void addListener(ServerListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Removes a listener added with {@link #addListener}.
	 * @param listener the listener
	 */
	public void removeListener(ServerListener listener) {
		this.listeners.remove(listener);
	}

	/**
	 * Requests in flight.
	 * @return the number of active requests
	 */
	public int activeRequests() {
		return this.server.activeRequests();
	}

	/**
	 * Connections open.
	 * @return the number of open connections
	 */
	public int activeConnections() {
		return this.server.activeConnections();
	}

	/**
	 * Whether the server is started and its listener accepts connections (false after a graceful shutdown began or
	 * if the accept loop died).
	 * @return whether connections are accepted
	 */
	public boolean isAccepting() {
		return this.started && this.server.isAccepting();
	}

	/**
	 * Whether {@link #start()} completed and {@link #stop()} was not called since.
	 * @return whether the server is started
	 */
	public boolean isStarted() {
		return this.started;
	}

	/**
	 * The engine configuration.
	 * @return the configuration
	 */
	public ServerConfig getConfig() {
		return this.config;
	}

	/**
	 * The engine currently serving (replaced by a fresh one when a stopped server is started again).
	 * @return the engine
	 */
	public FastCgiServer getServer() {
		return this.server;
	}

	/**
	 * The servlet container.
	 * @return the container
	 */
	public FastCgiServletContainer getContainer() {
		return this.container;
	}

}
