package dev.fastcgi.boot;

import java.util.function.IntSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.web.server.GracefulShutdownCallback;
import org.springframework.boot.web.server.GracefulShutdownResult;

/**
 * Graceful shutdown of the FastCGI server: stop accepting connections, then wait for the requests in flight to
 * finish, polling every 100 ms, until they have or the shutdown is aborted by {@link FastCgiWebServer#stop()}.
 */
final class GracefulShutdown {

	private static final Log logger = LogFactory.getLog(GracefulShutdown.class);

	private static final long POLL_MILLIS = 100;

	private final Runnable stopAccepting;

	private final IntSupplier activeRequests;

	private volatile boolean aborted;

	private volatile boolean shuttingDown;

	GracefulShutdown(Runnable stopAccepting, IntSupplier activeRequests) {
		this.stopAccepting = stopAccepting;
		this.activeRequests = activeRequests;
	}

	void shutDownGracefully(GracefulShutdownCallback callback) {
		logger.info("Commencing graceful shutdown. Waiting for active requests to complete");
		this.shuttingDown = true;
		this.stopAccepting.run();
		Thread thread = new Thread(() -> awaitShutdown(callback), "fastcgi-shutdown");
		thread.setDaemon(true);
		thread.start();
	}

	private void awaitShutdown(GracefulShutdownCallback callback) {
		while (!this.aborted && this.activeRequests.getAsInt() > 0) {
			sleep();
		}
		this.shuttingDown = false;
		if (this.aborted) {
			logger.info("Graceful shutdown aborted with one or more requests still active");
			callback.shutdownComplete(GracefulShutdownResult.REQUESTS_ACTIVE);
		}
		else {
			logger.info("Graceful shutdown complete");
			callback.shutdownComplete(GracefulShutdownResult.IDLE);
		}
	}

	private void sleep() {
		try {
			Thread.sleep(POLL_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.aborted = true;
		}
	}

	boolean isShuttingDown() {
		return this.shuttingDown;
	}

	void abort() {
		this.aborted = true;
	}

}
