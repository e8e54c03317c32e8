package dev.fastcgi.interop.support;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code php-cgi -b 127.0.0.1:PORT}: PHP's own FastCGI server (Debian package {@code php-cgi}), a peer that is not
 * ours, for testing the project's client. Scripts are found through the SCRIPT_FILENAME param.
 */
public final class PhpCgiProcess extends ExternalProcess {

	private final int port;

	private final Path socket;

	private PhpCgiProcess(ExternalProcess process, int port, Path socket) {
		super(process);
		this.port = port;
		this.socket = socket;
	}

	/**
	 * Starts php-cgi on a free port with {@code directory} as its working directory (and log place), without
	 * {@code cgi.force_redirect} and with errors logged to FCGI_STDERR.
	 */
	public static PhpCgiProcess start(Path directory) {
		int port = Peers.freePort();
		PhpCgiProcess php = start(directory, "127.0.0.1:" + port, port, null);
		php.awaitPort(port, Duration.ofSeconds(10));
		return php;
	}

	/** Starts php-cgi on the Unix domain socket {@code socket}. */
	public static PhpCgiProcess startUnix(Path directory, Path socket) {
		PhpCgiProcess php = start(directory, socket.toString(), -1, socket);
		php.awaitFile(socket, Duration.ofSeconds(10));
		return php;
	}

	/** The command line running php-cgi as a FastCGI server without a bind address (for spawn-fcgi). */
	public static List<String> command() {
		Peers.require(Peers.PHP_CGI);
		return List.of(Peers.PHP_CGI.toString(), "-n", "-d", "cgi.force_redirect=0", "-d", "log_errors=1", "-d",
				"display_errors=0", "-d", "post_max_size=0", "-d", "enable_post_data_reading=0", "-d",
				"memory_limit=256M");
	}

	private static PhpCgiProcess start(Path directory, String bind, int port, Path socket) {
		List<String> command = new java.util.ArrayList<>(command());
		command.addAll(List.of("-b", bind));
		ExternalProcess process = ExternalProcess.start("php-cgi", command, directory,
				Map.of("PHP_FCGI_CHILDREN", "0", "PHP_FCGI_MAX_REQUESTS", "10000", "PATH", "/usr/bin:/bin"), true);
		return new PhpCgiProcess(process, port, socket);
	}

	/** The Unix socket, or null for TCP. */
	public Path socket() {
		return this.socket;
	}

	/** The port php-cgi listens on. */
	public int port() {
		return this.port;
	}

	/** The address to connect a client to. */
	public java.net.SocketAddress address() {
		return (this.socket != null) ? java.net.UnixDomainSocketAddress.of(this.socket)
				: new InetSocketAddress("127.0.0.1", this.port);
	}

}
