package dev.fastcgi.interop.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code cgi-fcgi -bind -connect ADDRESS} (Debian package libfcgi-bin): the FastCGI reference library acting as a CGI
 * program that forwards one request to a running FastCGI application. Its whole environment becomes the params, its
 * stdin the request body; the application's STDOUT comes out on its stdout.
 */
public final class CgiFcgi {

	private CgiFcgi() {
	}

	/** A CGI environment for a request, as a web server would set it (add more with {@code put}). */
	public static Map<String, String> environment(String method, String uri, int contentLength) {
		int question = uri.indexOf('?');
		Map<String, String> env = new LinkedHashMap<>();
		env.put("GATEWAY_INTERFACE", "CGI/1.1");
		env.put("SERVER_PROTOCOL", "HTTP/1.1");
		env.put("SERVER_SOFTWARE", "cgi-fcgi");
		env.put("SERVER_NAME", "localhost");
		env.put("SERVER_PORT", "80");
		env.put("REMOTE_ADDR", "127.0.0.1");
		env.put("REQUEST_METHOD", method);
		env.put("REQUEST_URI", uri);
		env.put("SCRIPT_NAME", (question >= 0) ? uri.substring(0, question) : uri);
		env.put("DOCUMENT_URI", (question >= 0) ? uri.substring(0, question) : uri);
		env.put("QUERY_STRING", (question >= 0) ? uri.substring(question + 1) : "");
		env.put("HTTP_HOST", "localhost");
		if (contentLength >= 0) {
			env.put("CONTENT_LENGTH", Integer.toString(contentLength));
		}
		return env;
	}

	/**
	 * Runs cgi-fcgi once against {@code address} ({@code host:port} or a Unix socket path) with exactly
	 * {@code environment} as its environment and {@code stdin} as its input.
	 * @throws IllegalStateException if it does not finish within {@code timeout}
	 */
	public static Result run(String address, Map<String, String> environment, byte[] stdin, Duration timeout) {
		Peers.require(Peers.CGI_FCGI);
		ProcessBuilder builder = new ProcessBuilder(Peers.CGI_FCGI.toString(), "-bind", "-connect", address);
		builder.environment().clear();
		builder.environment().putAll(environment);
		// stdout goes to a file, not a pipe: cgi-fcgi does not check for short writes to its stdout (libfcgi's
		// OS_Write returns write(2)'s count and cgi-fcgi only tests it for -1), and a file takes every write whole
		Path stdoutFile;
		Process process;
		try {
			stdoutFile = Files.createTempFile("cgi-fcgi-stdout", ".bin");
			builder.redirectOutput(stdoutFile.toFile());
			process = builder.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Thread writer = pump("cgi-fcgi-stdin", () -> {
			try (OutputStream in = process.getOutputStream()) {
				in.write(stdin);
			}
		});
		ByteArrayOutputStream stderr = new ByteArrayOutputStream();
		Thread errorReader = pump("cgi-fcgi-stderr", () -> copy(process.getErrorStream(), stderr));
		try {
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("cgi-fcgi did not finish within " + timeout.toMillis()
						+ " ms; stdout so far: " + new String(Files.readAllBytes(stdoutFile), StandardCharsets.ISO_8859_1));
			}
			for (Thread thread : List.of(writer, errorReader)) {
				thread.join(timeout.toMillis());
			}
			synchronized (stderr) {
				return new Result(process.exitValue(), Files.readAllBytes(stdoutFile),
						stderr.toString(StandardCharsets.UTF_8));
			}
		}
		catch (InterruptedException ex) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			try {
				Files.deleteIfExists(stdoutFile);
			}
			catch (IOException ex) {
				// a temp file left behind is harmless
			}
		}
	}

	/** Runs cgi-fcgi against a TCP address on 127.0.0.1. */
	public static Result run(int port, Map<String, String> environment, byte[] stdin) {
		return run("127.0.0.1:" + port, environment, stdin, Duration.ofSeconds(20));
	}

	/** Runs cgi-fcgi against a Unix domain socket. */
	public static Result run(Path socket, Map<String, String> environment, byte[] stdin) {
		return run(socket.toString(), environment, stdin, Duration.ofSeconds(20));
	}

	private static void copy(InputStream in, ByteArrayOutputStream out) throws IOException {
		byte[] buffer = new byte[8192];
		int n;
		while ((n = in.read(buffer)) > 0) {
			synchronized (out) {
				out.write(buffer, 0, n);
			}
		}
	}

	private static Thread pump(String name, IoAction action) {
		Thread thread = new Thread(() -> {
			try {
				action.run();
			}
			catch (IOException ex) {
				// the process ended first: what was read is kept
			}
		}, name);
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	private interface IoAction {

		void run() throws IOException;

	}

	/**
	 * What one cgi-fcgi run produced.
	 *
	 * @param exitCode cgi-fcgi's exit code
	 * @param stdout the application's FCGI_STDOUT, exactly
	 * @param stderr cgi-fcgi's stderr (its own errors and the application's FCGI_STDERR)
	 */
	public record Result(int exitCode, byte[] stdout, String stderr) {

		/** Stdout as ISO-8859-1 text (one char per byte). */
		public String stdoutAsString() {
			return new String(this.stdout, StandardCharsets.ISO_8859_1);
		}

	}

}
