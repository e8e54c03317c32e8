package dev.fastcgi.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * Makes SIGTERM, SIGINT and SIGHUP stop the process gracefully with exit status 0: the handler calls
 * {@code System.exit(0)} on a new thread, so the JVM's shutdown hooks (the engine's graceful stop, Spring's context
 * close with {@code server.shutdown=graceful}) let in-flight requests complete first. Without it the JVM runs the
 * same hooks but exits with 128 + the signal number (143 for TERM), which process managers report as a failure.
 * <p>
 * SIGHUP is treated like SIGTERM: a FastCGI application has no configuration to reload, and web servers and
 * process managers that send HUP expect the process to go away (a new one is spawned).
 * A second signal while the shutdown runs is ignored; the graceful timeout bounds it.
 */
public final class ShutdownSignals {

	private static final System.Logger logger = System.getLogger(ShutdownSignals.class.getName());

	/** The signals handled. */
	public static final List<String> SIGNALS = List.of("TERM", "INT", "HUP");

	private static final AtomicBoolean installed = new AtomicBoolean();

	private static final AtomicBoolean exiting = new AtomicBoolean();

	private ShutdownSignals() {
	}

	/**
	 * Installs the handlers once per JVM (later calls do nothing).
	 * @return the signals that are now handled (a JVM started with {@code -Xrs}, or one where a signal is reserved,
	 * handles fewer)
	 */
	public static List<String> install() {
		if (!installed.compareAndSet(false, true)) {
			return SIGNALS;
		}
		List<String> handled = new ArrayList<>();
		for (String name : SIGNALS) {
			try {
				Signal.handle(new Signal(name), ShutdownSignals::onSignal);
				handled.add(name);
			}
			catch (IllegalArgumentException | UnsupportedOperationException ex) {
				logger.log(System.Logger.Level.DEBUG, "Cannot handle SIG" + name + ": " + ex.getMessage());
			}
		}
		return handled;
	}

	private static void onSignal(Signal signal) {
		if (!exiting.compareAndSet(false, true)) {
			return;
		}
		logger.log(System.Logger.Level.INFO, "SIG" + signal.getName() + " received: stopping gracefully");
		Thread exit = new Thread(() -> System.exit(0), "fastcgi-shutdown-" + signal.getName());
		exit.setDaemon(false);
		exit.start();
	}

}
