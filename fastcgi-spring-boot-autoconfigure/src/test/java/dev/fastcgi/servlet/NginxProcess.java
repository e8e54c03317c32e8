package dev.fastcgi.servlet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.springframework.util.FileSystemUtils;

import static org.awaitility.Awaitility.await;

/**
 * A real nginx for tests: a config written to a temp directory, listening on a free loopback port and passing every
 * request to a FastCGI upstream on loopback with keep-alive, request and response buffering off (so uploads stream
 * and SSE events leave at once). Stopped by its process handle; the directory is deleted.
 */
final class NginxProcess implements AutoCloseable {

	static final Path BINARY = Path.of("/usr/sbin/nginx");

	private final Path prefix;

	private final Process process;

	private final int port;

	private NginxProcess(Path prefix, Process process, int port) {
		this.prefix = prefix;
		this.process = process;
		this.port = port;
	}

	static boolean isInstalled() {
		return Files.isExecutable(BINARY);
	}

	/**
	 * Starts nginx in front of a FastCGI upstream.
	 * @param upstreamPort the FastCGI port on 127.0.0.1
	 * @return the running nginx
	 */
	static NginxProcess start(int upstreamPort) throws IOException {
		Path prefix = Files.createTempDirectory("fastcgi-nginx-");
		int port = freePort();
		Path conf = prefix.resolve("nginx.conf");
		Files.writeString(conf, """
				worker_processes 1;
				daemon off;
				pid %1$s/nginx.pid;
				error_log %1$s/error.log warn;
				events { worker_connections 64; }
				http {
				  access_log off;
				  client_max_body_size 100m;
				  client_body_temp_path %1$s/body;
				  fastcgi_temp_path %1$s/fastcgi;
				  proxy_temp_path %1$s/proxy;
				  uwsgi_temp_path %1$s/uwsgi;
				  scgi_temp_path %1$s/scgi;
				  upstream app { server 127.0.0.1:%2$d; keepalive 4; }
				  server {
				    listen 127.0.0.1:%3$d;
				    location / {
				      # the stock list, but HTTP_HOST with the client's port (Debian's file sends $host)
				      fastcgi_param QUERY_STRING $query_string;
				      fastcgi_param REQUEST_METHOD $request_method;
				      fastcgi_param CONTENT_TYPE $content_type;
				      fastcgi_param CONTENT_LENGTH $content_length;
				      fastcgi_param SCRIPT_NAME $fastcgi_script_name;
				      fastcgi_param REQUEST_URI $request_uri;
				      fastcgi_param DOCUMENT_URI $document_uri;
				      fastcgi_param SERVER_PROTOCOL $server_protocol;
				      fastcgi_param REQUEST_SCHEME $scheme;
				      fastcgi_param HTTPS $https if_not_empty;
				      fastcgi_param GATEWAY_INTERFACE CGI/1.1;
				      fastcgi_param REMOTE_ADDR $remote_addr;
				      fastcgi_param REMOTE_PORT $remote_port;
				      fastcgi_param SERVER_ADDR $server_addr;
				      fastcgi_param SERVER_PORT $server_port;
				      fastcgi_param SERVER_NAME $server_name;
				      fastcgi_param HTTP_HOST $http_host;
				      fastcgi_pass app;
				      fastcgi_keep_conn on;
				      fastcgi_buffering off;
				      fastcgi_request_buffering off;
				    }
				  }
				}
				""".formatted(prefix, upstreamPort, port));
		Process process = new ProcessBuilder(BINARY.toString(), "-p", prefix.toString(), "-c", conf.toString())
			.redirectErrorStream(true)
			.redirectOutput(prefix.resolve("nginx.out").toFile())
			.start();
		NginxProcess nginx = new NginxProcess(prefix, process, port);
		try {
			await().atMost(Duration.ofSeconds(10)).until(nginx::accepts);
		}
		catch (RuntimeException ex) {
			nginx.close();
			throw ex;
		}
		return nginx;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private boolean accepts() {
		if (!this.process.isAlive()) {
			throw new IllegalStateException("nginx exited: " + readQuietly(this.prefix.resolve("nginx.out")));
		}
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static String readQuietly(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException ex) {
			return "";
		}
	}

	int port() {
		return this.port;
	}

	String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		FileSystemUtils.deleteRecursively(this.prefix.toFile());
	}

}
