package dev.fastcgi.interop.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An application started by {@code spawn-fcgi -n} (Debian package spawn-fcgi): spawn-fcgi binds the TCP or Unix
 * socket, puts it on fd 0 ({@code FCGI_LISTENSOCK_FILENO}) and execs the application in its own process, so the
 * PID of this process is the application's.
 */
public final class SpawnFcgi extends ExternalProcess {

	private final int port;

	private final Path socket;

	private SpawnFcgi(ExternalProcess process, int port, Path socket) {
		super(process);
		this.port = port;
		this.socket = socket;
	}

	/** A builder spawning {@code command} (the application and its arguments). */
	public static Builder builder(Path directory, List<String> command) {
		return new Builder(directory, command);
	}

	/** The TCP port, or -1 for a Unix socket. */
	public int port() {
		return this.port;
	}

	/** The Unix socket path, or null for TCP. */
	public Path socket() {
		return this.socket;
	}

	/** Options of spawn-fcgi. */
	public static final class Builder {

		private final Path directory;

		private final List<String> command;

		private final Map<String, String> environment = new LinkedHashMap<>();

		private Path socket;

		private String socketMode;

		private Duration readyTimeout = Duration.ofSeconds(30);

		private Builder(Path directory, List<String> command) {
			this.directory = Objects.requireNonNull(directory);
			this.command = List.copyOf(command);
		}

		/** Listen on a Unix socket instead of a free TCP port. */
		public Builder unixSocket(Path socket) {
			this.socket = socket;
			return this;
		}

		/** The Unix socket's mode, octal (spawn-fcgi {@code -M}). */
		public Builder socketMode(String octal) {
			this.socketMode = octal;
			return this;
		}

		/** An environment variable for the application (added to the inherited environment). */
		public Builder environment(String name, String value) {
			this.environment.put(name, value);
			return this;
		}

		/** How long to wait for the socket (default 30 s). */
		public Builder readyTimeout(Duration readyTimeout) {
			this.readyTimeout = readyTimeout;
			return this;
		}

		/**
		 * Starts spawn-fcgi and waits until the socket exists (it is bound before the application runs, so the
		 * caller may still have to wait for the application to serve).
		 */
		public SpawnFcgi start() {
			Peers.require(Peers.SPAWN_FCGI);
			List<String> args = new ArrayList<>(List.of(Peers.SPAWN_FCGI.toString(), "-n"));
			int port = -1;
			if (this.socket != null) {
				args.addAll(List.of("-s", this.socket.toString()));
				if (this.socketMode != null) {
					args.addAll(List.of("-M", this.socketMode));
				}
			}
			else {
				port = Peers.freePort();
				args.addAll(List.of("-a", "127.0.0.1", "-p", Integer.toString(port)));
			}
			args.add("--");
			args.addAll(this.command);
			ExternalProcess process = ExternalProcess.start("spawn-fcgi", args, this.directory, this.environment,
					false);
			SpawnFcgi spawned = new SpawnFcgi(process, port, this.socket);
			try {
				if (this.socket != null) {
					spawned.awaitFile(this.socket, this.readyTimeout);
				}
				else {
					spawned.awaitPort(port, this.readyTimeout);
				}
			}
			catch (RuntimeException ex) {
				spawned.stop();
				throw ex;
			}
			return spawned;
		}

	}

}
