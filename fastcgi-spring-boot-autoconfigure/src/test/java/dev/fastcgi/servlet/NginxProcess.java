package dev.fastcgi.servlet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.util.FileSystemUtils;

import dev.fastcgi.interop.support.Peers;

/**
 * The servlet tests' nginx: the shared {@link dev.fastcgi.interop.support.NginxProcess} with upstream keep-alive,
 * unbuffered request and response bodies (SSE, uploads) and {@code HTTP_HOST} with the client's port (Debian's
 * {@code fastcgi_params} sends {@code $host}), in its own temp directory.
 */
final class NginxProcess implements AutoCloseable {

	private final dev.fastcgi.interop.support.NginxProcess nginx;

	private final Path directory;

	private NginxProcess(dev.fastcgi.interop.support.NginxProcess nginx, Path directory) {
		this.nginx = nginx;
		this.directory = directory;
	}

	static boolean isInstalled() {
		return Files.isExecutable(Peers.NGINX);
	}

	/**
	 * Starts nginx in front of a FastCGI upstream.
	 * @param upstreamPort the FastCGI port on 127.0.0.1
	 * @return the running nginx
	 */
	static NginxProcess start(int upstreamPort) throws IOException {
		Path directory = Files.createTempDirectory("fastcgi-nginx-");
		try {
			return new NginxProcess(dev.fastcgi.interop.support.NginxProcess.builder(directory, "127.0.0.1:" + upstreamPort)
				.keepConn(true)
				.keepalive(4)
				.buffering(false)
				.requestBuffering(false)
				.param("HTTP_HOST", "$http_host")
				.start(), directory);
		}
		catch (RuntimeException ex) {
			FileSystemUtils.deleteRecursively(directory);
			throw ex;
		}
	}

	int port() {
		return this.nginx.port();
	}

	String url(String path) {
		return "http://127.0.0.1:" + port() + path;
	}

	@Override
	public void close() {
		this.nginx.stop();
		try {
			FileSystemUtils.deleteRecursively(this.directory);
		}
		catch (IOException ex) {
			// best effort: a temp directory
		}
	}

}
