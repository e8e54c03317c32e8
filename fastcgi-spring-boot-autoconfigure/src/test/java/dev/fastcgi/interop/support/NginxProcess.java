package dev.fastcgi.interop.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * nginx in front of a FastCGI application, started from a config written to a temp directory: {@code daemon off},
 * {@code master_process on}, one worker, pid, logs and temp paths in that directory, listening on a free loopback
 * port, {@code location /} passing everything with {@code fastcgi_pass} to a TCP or Unix socket upstream. The params
 * are those of Debian's stock {@code fastcgi_params}, written inline.
 *
 * <pre class="code">
 * try (NginxProcess nginx = NginxProcess.builder(tempDir, "127.0.0.1:" + port).keepConn(true).start()) {
 *     HttpResponse response = RawHttpClient.get(nginx.port(), "/hello");
 * }
 * </pre>
 */
public final class NginxProcess extends ExternalProcess {

	private static final String FASTCGI_PARAMS = """
			fastcgi_param  QUERY_STRING       $query_string;
			fastcgi_param  REQUEST_METHOD     $request_method;
			fastcgi_param  CONTENT_TYPE       $content_type;
			fastcgi_param  CONTENT_LENGTH     $content_length;
			fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
			fastcgi_param  REQUEST_URI        $request_uri;
			fastcgi_param  DOCUMENT_URI       $document_uri;
			fastcgi_param  DOCUMENT_ROOT      $document_root;
			fastcgi_param  SERVER_PROTOCOL    $server_protocol;
			fastcgi_param  REQUEST_SCHEME     $scheme;
			fastcgi_param  HTTPS              $https if_not_empty;
			fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;
			fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;
			fastcgi_param  REMOTE_ADDR        $remote_addr;
			fastcgi_param  REMOTE_PORT        $remote_port;
			fastcgi_param  SERVER_ADDR        $server_addr;
			fastcgi_param  SERVER_PORT        $server_port;
			fastcgi_param  SERVER_NAME        $server_name;
			fastcgi_param  REDIRECT_STATUS    200;
			""";

	private final int port;

	private final Path directory;

	private NginxProcess(ExternalProcess process, int port, Path directory) {
		super(process);
		this.port = port;
		this.directory = directory;
	}

	/**
	 * A builder for nginx passing to {@code upstream}: {@code host:port} or {@code unix:/path/to/socket}.
	 */
	public static Builder builder(Path directory, String upstream) {
		return new Builder(directory, upstream);
	}

	/** The HTTP port nginx listens on (127.0.0.1). */
	public int port() {
		return this.port;
	}

	/** {@code http://127.0.0.1:port}. */
	public String baseUri() {
		return "http://127.0.0.1:" + this.port;
	}

	/** The error log so far (where "FastCGI sent in stderr" lines land). */
	public String errorLog() {
		return read(this.directory.resolve("error.log"));
	}

	/** The access log so far. */
	public String accessLog() {
		return read(this.directory.resolve("access.log"));
	}

	/** The config file nginx was started with. */
	public Path configFile() {
		return this.directory.resolve("nginx.conf");
	}

	@Override
	public String diagnostics() {
		return output() + "\n--- error.log:\n" + errorLog();
	}

	/** Options of the nginx config. */
	public static final class Builder {

		private final Path directory;

		private final String upstream;

		private boolean keepConn;

		private int keepalive = 4;

		private boolean buffering = true;

		private boolean requestBuffering = true;

		private final Map<String, String> params = new LinkedHashMap<>();

		private final List<String> locationDirectives = new ArrayList<>();

		private final List<String> serverDirectives = new ArrayList<>();

		private final List<String> httpDirectives = new ArrayList<>();

		private Duration readTimeout = Duration.ofSeconds(30);

		private Builder(Path directory, String upstream) {
			this.directory = Objects.requireNonNull(directory);
			this.upstream = Objects.requireNonNull(upstream);
		}

		/**
		 * {@code fastcgi_keep_conn on} plus {@code keepalive N} in the upstream block, so nginx sets FCGI_KEEP_CONN
		 * and reuses connections (default off: one connection per request).
		 */
		public Builder keepConn(boolean keepConn) {
			this.keepConn = keepConn;
			return this;
		}

		/** The upstream {@code keepalive} connection count used with {@link #keepConn} (default 4). */
		public Builder keepalive(int connections) {
			this.keepalive = connections;
			return this;
		}

		/** {@code fastcgi_buffering} (default on); off for streaming responses. */
		public Builder buffering(boolean buffering) {
			this.buffering = buffering;
			return this;
		}

		/** {@code fastcgi_request_buffering} (default on); off streams request bodies without CONTENT_LENGTH. */
		public Builder requestBuffering(boolean requestBuffering) {
			this.requestBuffering = requestBuffering;
			return this;
		}

		/** An extra {@code fastcgi_param} (value is an nginx expression, quoted if needed). */
		public Builder param(String name, String value) {
			this.params.put(name, value);
			return this;
		}

		/** An extra directive inside {@code location /} (without the trailing semicolon or with it). */
		public Builder locationDirective(String directive) {
			this.locationDirectives.add(directive);
			return this;
		}

		/** An extra directive inside {@code server} (e.g. another location block). */
		public Builder serverDirective(String directive) {
			this.serverDirectives.add(directive);
			return this;
		}

		/** An extra directive inside {@code http}. */
		public Builder httpDirective(String directive) {
			this.httpDirectives.add(directive);
			return this;
		}

		/** {@code fastcgi_read_timeout} (default 30 s). */
		public Builder readTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
			return this;
		}

		/** The config text this builder writes for {@code port}. */
		public String config(int port) {
			String dir = this.directory.toAbsolutePath().toString();
			StringBuilder conf = new StringBuilder();
			conf.append("daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\n");
			conf.append("pid ").append(dir).append("/nginx.pid;\n");
			conf.append("error_log ").append(dir).append("/error.log info;\n");
			conf.append("events { worker_connections 256; }\n");
			conf.append("http {\n");
			conf.append("  access_log ").append(dir).append("/access.log;\n");
			for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
				conf.append("  ").append(temp).append("_temp_path ").append(dir).append("/tmp_").append(temp)
					.append(";\n");
			}
			conf.append("  client_max_body_size 0;\n");
			this.httpDirectives.forEach((d) -> conf.append("  ").append(terminated(d)).append('\n'));
			conf.append("  upstream app {\n    server ").append(this.upstream).append(";\n");
			if (this.keepConn) {
				conf.append("    keepalive ").append(this.keepalive).append(";\n");
			}
			conf.append("  }\n");
			conf.append("  server {\n    listen 127.0.0.1:").append(port).append(";\n");
			conf.append("    server_name localhost;\n    root ").append(dir).append(";\n");
			this.serverDirectives.forEach((d) -> conf.append("    ").append(terminated(d)).append('\n'));
			conf.append("    location / {\n");
			FASTCGI_PARAMS.lines().forEach((line) -> conf.append("      ").append(line).append('\n'));
			this.params.forEach((name, value) -> conf.append("      fastcgi_param ").append(name).append(' ')
				.append(value).append(";\n"));
			conf.append("      fastcgi_pass app;\n");
			conf.append("      fastcgi_keep_conn ").append(this.keepConn ? "on" : "off").append(";\n");
			conf.append("      fastcgi_buffering ").append(this.buffering ? "on" : "off").append(";\n");
			conf.append("      fastcgi_request_buffering ").append(this.requestBuffering ? "on" : "off").append(";\n");
			conf.append("      fastcgi_read_timeout ").append(this.readTimeout.toSeconds()).append("s;\n");
			this.locationDirectives.forEach((d) -> conf.append("      ").append(terminated(d)).append('\n'));
			conf.append("    }\n  }\n}\n");
			return conf.toString();
		}

		/** Writes the config, starts nginx and waits until it accepts connections. */
		public NginxProcess start() {
			Peers.require(Peers.NGINX);
			int port = Peers.freePort();
			Path conf = write(this.directory.resolve("nginx.conf"), config(port));
			String dir = this.directory.toAbsolutePath().toString();
			ExternalProcess process = ExternalProcess.start("nginx", List.of(Peers.NGINX.toString(), "-p", dir, "-e",
					dir + "/error.log", "-c", conf.toString()), this.directory, Map.of(), false);
			NginxProcess nginx = new NginxProcess(process, port, this.directory);
			try {
				nginx.awaitPort(port, Duration.ofSeconds(15));
			}
			catch (RuntimeException ex) {
				nginx.stop();
				throw ex;
			}
			return nginx;
		}

		private static String terminated(String directive) {
			String trimmed = directive.trim();
			return (trimmed.endsWith(";") || trimmed.endsWith("}")) ? trimmed : trimmed + ";";
		}

	}

}
