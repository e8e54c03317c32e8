package dev.fastcgi.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.server.ConnectionClosedException;
import dev.fastcgi.server.ServerListener.RejectReason;
import dev.fastcgi.server.transport.AddressAllowList;

/**
 * The accept loop: admits a connection if its peer is allowed (TCP only) and fewer than fastcgi.max-connections
 * are open, and leaves it to its event loop or, without one, starts its reader on a pooled thread; anything else is
 * closed at once, logged (rate-limited) and reported.
 */
public final class Acceptor implements Runnable {

	private static final System.Logger logger = System.getLogger(Acceptor.class.getName());

	private final EngineContext context;

	private final ServerSocketChannel channel;

	private final AddressAllowList allowList;

	private final boolean unix;

	private final RateLimitedLog acceptFailures = RateLimitedLog.every10Seconds();

	private final RateLimitedLog addressRejects = RateLimitedLog.every10Seconds();

	private final RateLimitedLog limitRejects = RateLimitedLog.every10Seconds();

	private volatile boolean running = true;

	/** Creates the loop for {@code channel}; {@code unix} peers skip the allow-list. */
	public Acceptor(EngineContext context, ServerSocketChannel channel, AddressAllowList allowList, boolean unix) {
		this.context = context;
		this.channel = channel;
		this.allowList = allowList;
		this.unix = unix;
	}

	/** Whether the loop is still accepting. */
	public boolean isRunning() {
		return this.running && this.channel.isOpen();
	}

	@Override
	public void run() {
		try {
			while (this.channel.isOpen()) {
				SocketChannel socket;
				try {
					socket = this.channel.accept();
				}
				catch (ClosedChannelException ex) {
					return;
				}
				catch (IOException ex) {
					if (!this.channel.isOpen()) {
						return;
					}
					// e.g. too many open files: back off briefly instead of spinning
					this.acceptFailures.log(logger, () -> "FastCGI accept failed: " + ex);
					pause();
					continue;
				}
				admit(socket);
			}
		}
		catch (Throwable ex) {
			logger.log(System.Logger.Level.ERROR, "FastCGI accept loop died", ex);
		}
		finally {
			this.running = false;
		}
	}

	private void admit(SocketChannel socket) {
		try {
			if (!this.unix && !this.allowList.allowsEveryone()) {
				SocketAddress remote = socket.getRemoteAddress();
				if (!(remote instanceof InetSocketAddress inet) || !this.allowList.allows(inet.getAddress())) {
					this.context.listener().connectionRejected(RejectReason.ADDRESS);
					socket.close();
					this.addressRejects.log(logger, () -> "FastCGI connection from " + remote
							+ " refused: not in fastcgi.allowed-addresses / FCGI_WEB_SERVER_ADDRS " + this.allowList);
					return;
				}
			}
			int max = this.context.config().maxConnections();
			if (this.context.activeConnections() >= max) {
				this.context.listener().connectionRejected(RejectReason.LIMIT);
				socket.close();
				this.limitRejects.log(logger,
						() -> "FastCGI connection refused: fastcgi.max-connections (" + max + ") connections are open");
				return;
			}
			socket.configureBlocking(true);
			if (!this.unix) {
				socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
			}
			Connection connection = new Connection(this.context, Endpoint.of(socket), this.context.nextConnectionId());
			this.context.register(connection);
			if (connection.startParked()) {
				// its event loop serves it once its first input arrives: no pooled thread in between
				return;
			}
			if (!this.context.workers().executeConnection(connection)) {
				connection.close(new ConnectionClosedException("server stopping"));
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.log(System.Logger.Level.DEBUG, () -> "FastCGI connection setup failed: " + ex);
			try {
				socket.close();
			}
			catch (IOException ignored) {
				// already failing
			}
		}
	}

	private static void pause() {
		try {
			TimeUnit.MILLISECONDS.sleep(50);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
