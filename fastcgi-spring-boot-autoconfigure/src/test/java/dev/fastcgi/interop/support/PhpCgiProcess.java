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

	private PhpCgiProcess(ExternalProcess process, int port) {
		super(process);
		this.port = port;
	}

	/**
	 * Starts php-cgi on a free port with {@code directory} as its working directory (and log place), without
	 * {@code cgi.force_redirect} and with errors logged to FCGI_STDERR.
	 */
	public static PhpCgiProcess start(Path directory) {
		Peers.require(Peers.PHP_CGI);
		int port = Peers.freePort();
		List<String> command = List.of(Peers.PHP_CGI.toString(), "-n", "-d", "cgi.force_redirect=0", "-d",
				"log_errors=1", "-d", "display_errors=0", "-d", "post_max_size=0", "-d", "enable_post_data_reading=0",
				"-d", "memory_limit=256M", "-b", "127.0.0.1:" + port);
		ExternalProcess process = ExternalProcess.start("php-cgi", command, directory,
				Map.of("PHP_FCGI_CHILDREN", "0", "PHP_FCGI_MAX_REQUESTS", "10000", "PATH", "/usr/bin:/bin"), true);
		PhpCgiProcess php = new PhpCgiProcess(process, port);
		php.awaitPort(port, Duration.ofSeconds(10));
		return php;
	}

	/** The port php-cgi listens on. */
	public int port() {
		return this.port;
	}

	/** The address to connect a client to. */
	public InetSocketAddress address() {
		return new InetSocketAddress("127.0.0.1", this.port);
	}

}
