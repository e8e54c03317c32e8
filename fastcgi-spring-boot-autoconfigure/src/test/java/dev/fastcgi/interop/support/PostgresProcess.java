package dev.fastcgi.interop.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL server (Debian package postgresql): {@code initdb} into a temp directory (trust
 * authentication, user {@code postgres}), then {@code postgres} in the foreground on a free loopback port with its
 * Unix socket in that directory and fsync off. PostgreSQL refuses to run as root, so when the tests run as root both
 * run as the {@code postgres} user through {@code setpriv} (which execs, so the PID is the server's).
 */
public final class PostgresProcess extends ExternalProcess {

	private static final Path POSTGRESQL_LIB = Path.of("/usr/lib/postgresql");

	private final int port;

	private final Path dataDirectory;

	private PostgresProcess(ExternalProcess process, int port, Path dataDirectory) {
		super(process);
		this.port = port;
		this.dataDirectory = dataDirectory;
	}

	/** The newest installed {@code /usr/lib/postgresql/N/bin}, or null. */
	public static Path binDirectory() {
		if (!Files.isDirectory(POSTGRESQL_LIB)) {
			return null;
		}
		try (Stream<Path> versions = Files.list(POSTGRESQL_LIB)) {
			return versions.map((version) -> version.resolve("bin"))
				.filter((bin) -> Files.isExecutable(bin.resolve("postgres")))
				.max(Comparator.comparing((bin) -> versionNumber(bin.getParent().getFileName().toString())))
				.orElse(null);
		}
		catch (IOException ex) {
			return null;
		}
	}

	/**
	 * Initializes a cluster in {@code directory/pgdata} and starts it; skips the test (assumption) if PostgreSQL is
	 * not installed.
	 */
	public static PostgresProcess start(Path directory) {
		Path bin = binDirectory();
		Assumptions.assumeTrue(bin != null, "PostgreSQL is not installed under " + POSTGRESQL_LIB);
		Path data = directory.resolve("pgdata");
		prepare(directory, data);
		run(asPostgres(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U",
				"postgres", "--no-sync", "-E", "UTF8")), directory, Duration.ofSeconds(60));
		int port = Peers.freePort();
		List<String> command = asPostgres(List.of(bin.resolve("postgres").toString(), "-D", data.toString(), "-p",
				Integer.toString(port), "-k", data.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
				"-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
		ExternalProcess process = ExternalProcess.start("postgres", command, directory, Map.of(), false);
		PostgresProcess postgres = new PostgresProcess(process, port, data);
		try {
			postgres.awaitPort(port, Duration.ofSeconds(30));
			awaitReady(bin, port, directory, Duration.ofSeconds(30));
		}
		catch (RuntimeException ex) {
			postgres.stop();
			throw ex;
		}
		return postgres;
	}

	/** The port opens while the server is still "starting up": wait until pg_isready says it accepts queries. */
	private static void awaitReady(Path bin, int port, Path directory, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			try {
				Process check = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p",
						Integer.toString(port), "-U", "postgres", "-t", "5")
					.directory(directory.toFile())
					.redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.start();
				if (check.waitFor(10, TimeUnit.SECONDS) && check.exitValue() == 0) {
					return;
				}
				check.destroyForcibly();
			}
			catch (java.io.IOException ex) {
				throw new IllegalStateException("pg_isready could not run", ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("PostgreSQL on port " + port + " not ready within " + timeout);
			}
			org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(100)).until(() -> true);
		}
	}

	/** The TCP port (127.0.0.1). */
	public int port() {
		return this.port;
	}

	/** {@code jdbc:postgresql://127.0.0.1:PORT/postgres} (user {@code postgres}, no password). */
	public String jdbcUrl() {
		return "jdbc:postgresql://127.0.0.1:" + this.port + "/postgres";
	}

	/** The user to connect as. */
	public String username() {
		return "postgres";
	}

	/** The data directory. */
	public Path dataDirectory() {
		return this.dataDirectory;
	}

	/** Runs {@code sql} with psql and returns its unaligned, tuples-only output. */
	public String psql(String sql) {
		Path psql = binDirectory().resolve("psql");
		return run(List.of(psql.toString(), "-h", "127.0.0.1", "-p", Integer.toString(this.port), "-U", "postgres",
				"-d", "postgres", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql), this.dataDirectory.getParent(),
				Duration.ofSeconds(30));
	}

	private static void prepare(Path directory, Path data) {
		try {
			Files.createDirectories(data);
			if (isRoot()) {
				UserPrincipal postgres = data.getFileSystem().getUserPrincipalLookupService()
					.lookupPrincipalByName("postgres");
				Files.setOwner(data, postgres);
				Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
				Peers.makeAccessible(directory);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not prepare " + data, ex);
		}
	}

	private static List<String> asPostgres(List<String> command) {
		if (!isRoot()) {
			return command;
		}
		List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres",
				"--init-groups", "--"));
		wrapped.addAll(command);
		return wrapped;
	}

	private static boolean isRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

	private static String run(List<String> command, Path directory, Duration timeout) {
		try {
			Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
				.start();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(command + " did not finish in " + timeout.toMillis() + " ms");
			}
			String text = new String(output, StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				throw new IllegalStateException(command + " exited with " + process.exitValue() + ":\n" + text);
			}
			return text.trim();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
	}

	private static int versionNumber(String name) {
		try {
			return Integer.parseInt(name);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

}
