package dev.fastcgi.interop.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A real peer process started by a test: its command line, environment, working directory and a log file that
 * captures stdout and stderr. {@link #stop()} sends SIGTERM to the process by PID, waits, then SIGKILLs it and any
 * descendants still alive. Readiness is waited for with {@link #awaitPort(int, Duration)} or
 * {@link #awaitFile(Path, Duration)}, failing early with the log if the process exits.
 */
public class ExternalProcess implements AutoCloseable {

	private static final Duration STOP_GRACE = Duration.ofSeconds(5);

	private final String name;

	private final Process process;

	private final Path log;

	private final List<String> command;

	protected ExternalProcess(String name, Process process, Path log, List<String> command) {
		this.name = name;
		this.process = process;
		this.log = log;
		this.command = List.copyOf(command);
	}

	/** Wraps an already started process (for subclasses adding peer-specific details). */
	protected ExternalProcess(ExternalProcess started) {
		this(started.name, started.process, started.log, started.command);
	}

	/**
	 * Starts {@code command} in {@code directory} with stdout and stderr appended to {@code directory/<name>.out}.
	 * @param environment the whole environment if {@code clearEnvironment}, else additions to the inherited one
	 */
	public static ExternalProcess start(String name, List<String> command, Path directory,
			Map<String, String> environment, boolean clearEnvironment) {
		ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
		if (clearEnvironment) {
			builder.environment().clear();
		}
		builder.environment().putAll(environment);
		Path log = directory.resolve(name + ".out");
		builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
		builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
		try {
			return new ExternalProcess(name, builder.start(), log, command);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not start " + name + ": " + command, ex);
		}
	}

	/** The process id. */
	public long pid() {
		return this.process.pid();
	}

	/** The underlying process. */
	public Process process() {
		return this.process;
	}

	/** Whether the process still runs. */
	public boolean isAlive() {
		return this.process.isAlive();
	}

	/** The file capturing the process's stdout and stderr. */
	public Path logFile() {
		return this.log;
	}

	/** What the process wrote to stdout and stderr so far. */
	public String output() {
		return read(this.log);
	}

	/** Waits until a TCP connect to 127.0.0.1:{@code port} succeeds. */
	public void awaitPort(int port, Duration timeout) {
		awaitCondition("port " + port + " to accept connections", timeout, () -> isPortOpen(port));
	}

	/** Waits until {@code file} exists (a Unix socket or pid file). */
	public void awaitFile(Path file, Duration timeout) {
		awaitCondition(file + " to exist", timeout, () -> Files.exists(file));
	}

	/** Waits for {@code condition}, failing with the process output when it exits or the timeout passes. */
	public void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(this.name + " exited with " + this.process.exitValue()
						+ " while waiting for " + what + "; command " + this.command + "; output:\n" + diagnostics());
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting for " + what
						+ " (" + this.name + ", pid " + pid() + "); output:\n" + diagnostics());
			}
			pause();
		}
	}

	/** Output and any other logs worth showing when something fails. */
	public String diagnostics() {
		return output();
	}

	/**
	 * Waits for the process to exit on its own.
	 * @return the exit code
	 * @throws IllegalStateException if it is still running after {@code timeout}
	 */
	public int awaitExit(Duration timeout) {
		try {
			if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new IllegalStateException(this.name + " still running after " + timeout.toMillis() + " ms");
			}
			return this.process.exitValue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
	}

	/** Sends a signal by name (TERM, HUP, USR1, ...) to the process with {@code kill}. */
	public void signal(String signal) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).start();
			kill.waitFor(5, TimeUnit.SECONDS);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Stops the process: SIGTERM, up to 5 s grace, then SIGKILL. Descendants still alive then (workers, or an
	 * application the server started, such as a JVM still running its shutdown hooks) get the same: SIGTERM, up to
	 * 5 s together, then SIGKILL, so that a JVM's exit hooks (which delete its temporary directories) can run.
	 * Idempotent.
	 */
	public void stop() {
		List<ProcessHandle> descendants = new ArrayList<>();
		this.process.descendants().forEach(descendants::add);
		if (this.process.isAlive()) {
			this.process.destroy();
			try {
				if (!this.process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
					this.process.destroyForcibly();
					this.process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
				}
			}
			catch (InterruptedException ex) {
				this.process.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
		descendants.removeIf((descendant) -> !descendant.isAlive());
		descendants.forEach(ProcessHandle::destroy);
		long deadline = System.nanoTime() + STOP_GRACE.toNanos();
		for (ProcessHandle descendant : descendants) {
			try {
				long left = Math.max(0, deadline - System.nanoTime());
				descendant.onExit().get(left, TimeUnit.NANOSECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			catch (ExecutionException | TimeoutException ex) {
				// killed below
			}
		}
		for (ProcessHandle descendant : descendants) {
			if (descendant.isAlive()) {
				descendant.destroyForcibly();
			}
		}
	}

	@Override
	public void close() {
		stop();
	}

	@Override
	public String toString() {
		return this.name + "[pid " + pid() + "]";
	}

	/** Whether something accepts TCP connections on 127.0.0.1:{@code port}. */
	public static boolean isPortOpen(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Reads a text file, "" if absent. */
	public static String read(Path file) {
		try {
			return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
		}
		catch (IOException ex) {
			return "(unreadable: " + ex + ")";
		}
	}

	/** Writes a text file (a config) and returns its path. */
	public static Path write(Path file, String content) {
		try {
			Files.createDirectories(file.getParent());
			return Files.writeString(file, content, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void pause() {
		try {
			Thread.sleep(20);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
	}

}
