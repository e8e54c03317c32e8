package dev.fastcgi.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Makes SIGTERM, SIGINT and SIGHUP stop the process gracefully with exit status 0: the handler calls
 * {@code System.exit(0)} on a new thread, so the JVM's shutdown hooks (the engine's graceful stop, Spring's context
 * close with {@code server.shutdown=graceful}) let in-flight requests complete first. Without it the JVM runs the
 * same hooks but exits with 128 + the signal number (143 for TERM), which process managers report as a failure.
 * <p>
 * SIGHUP is treated like SIGTERM: a FastCGI application has no configuration to reload, and web servers and
 * process managers that send HUP expect the process to go away (a new one is spawned).
 * A second signal while the shutdown runs is ignored; the graceful timeout bounds it.
 * <p>
 * A signal that was ignored when the process started stays ignored, as the JVM's own shutdown handling leaves it:
 * {@code nohup} starts a process with SIGHUP ignored, and a non-interactive shell starts its background jobs ({@code &})
 * with SIGINT ignored, so that the hang-up or interrupt of the terminal or script that started them does not stop them.
 * Such a signal is logged once at INFO and left out of what {@link #install()} returns.
 */
public final class ShutdownSignals {

	private static final System.Logger logger = System.getLogger(ShutdownSignals.class.getName());

	/** The signals handled. */
	public static final List<String> SIGNALS = List.of("TERM", "INT", "HUP");

	/** What the first {@link #install()} handled; null before it. */
	private static List<String> handled;

	private static final AtomicBoolean exiting = new AtomicBoolean();

	private ShutdownSignals() {
	}

	/**
	 * Installs the handlers once per JVM (later calls do nothing).
	 * @return the signals that are now handled (fewer in a JVM started with {@code -Xrs}, one where a signal is
	 * reserved, or a process started with a signal ignored); a later call returns the same
	 */
	public static synchronized List<String> install() {
		if (handled == null) {
			handled = installAll();
		}
		return handled;
	}

	private static List<String> installAll() {
		List<String> handledNow = new ArrayList<>();
		List<String> ignored = new ArrayList<>();
		for (String name : SIGNALS) {
			try {
				Signal signal = new Signal(name);
				SignalHandler previous = Signal.handle(signal, ShutdownSignals::onSignal);
				if (previous == SignalHandler.SIG_IGN) {
					// the JVM does not take over a shutdown signal that is ignored; leave it ignored on the Java side too
					Signal.handle(signal, SignalHandler.SIG_IGN);
					ignored.add(name);
				}
				else {
					handledNow.add(name);
				}
			}
			catch (IllegalArgumentException | UnsupportedOperationException ex) {
				logger.log(System.Logger.Level.DEBUG, "Cannot handle SIG" + name + ": " + ex.getMessage());
			}
		}
		if (!ignored.isEmpty()) {
			logger.log(System.Logger.Level.INFO, "SIG" + String.join(", SIG", ignored)
					+ " left ignored, as when this process started (nohup, or a background job of a shell)");
		}
		return List.copyOf(handledNow);
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
