package dev.fastcgi.interop.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * lighttpd 1.4 with mod_fastcgi, started in the foreground ({@code -D}) from a config written to a temp directory,
 * on a free loopback port. The FastCGI backend is a running application (TCP or Unix socket) or one lighttpd
 * spawns itself with {@code bin-path} (handing it the listen socket on fd 0); {@code "mode" => "authorizer"} is
 * available for the AUTHORIZER role.
 */
public final class LighttpdProcess extends ExternalProcess {

	private final int port;

	private final Path directory;

	private LighttpdProcess(ExternalProcess process, int port, Path directory) {
		super(process);
		this.port = port;
		this.directory = directory;
	}

	/** A builder; choose the backend with {@code tcp}, {@code unixSocket} or {@code binPath}. */
	public static Builder builder(Path directory) {
		return new Builder(directory);
	}

	/** The HTTP port (127.0.0.1). */
	public int port() {
		return this.port;
	}

	/** The error log so far (FCGI_STDERR lands here). */
	public String errorLog() {
		return read(this.directory.resolve("lighttpd-error.log"));
	}

	/** The access log so far. */
	public String accessLog() {
		return read(this.directory.resolve("lighttpd-access.log"));
	}

	@Override
	public String diagnostics() {
		return output() + "\n--- lighttpd-error.log:\n" + errorLog();
	}

	/** Options of the lighttpd config. */
	public static final class Builder {

		private final Path directory;

		private final Map<String, String> backend = new LinkedHashMap<>();

		private final Map<String, String> binEnvironment = new LinkedHashMap<>();

		private final List<String> extraConfig = new ArrayList<>();

		private String prefix = "/";

		private Path documentRoot;

		private boolean streaming;

		private Builder(Path directory) {
			this.directory = Objects.requireNonNull(directory);
		}

		/** A running application on 127.0.0.1:{@code port}. */
		public Builder tcp(int port) {
			this.backend.put("host", quote("127.0.0.1"));
			this.backend.put("port", Integer.toString(port));
			return this;
		}

		/** A running application on a Unix domain socket. */
		public Builder unixSocket(Path socket) {
			this.backend.put("socket", quote(socket.toString()));
			return this;
		}

		/**
		 * An application lighttpd spawns itself ({@code bin-path}, one process) listening on {@code socket}, which
		 * lighttpd binds and hands over on fd 0.
		 */
		public Builder binPath(String commandLine, Path socket) {
			this.backend.put("bin-path", quote(commandLine));
			this.backend.put("socket", quote(socket.toString()));
			this.backend.put("max-procs", "1");
			return this;
		}

		/** An environment variable for a spawned application ({@code bin-environment}). */
		public Builder binEnvironment(String name, String value) {
			this.binEnvironment.put(name, value);
			return this;
		}

		/** Any other key of the fastcgi.server host block, value written as given (quote strings yourself). */
		public Builder backendOption(String key, String value) {
			this.backend.put(key, value);
			return this;
		}

		/** {@code "mode" => "authorizer"}: the application authorizes requests for static files. */
		public Builder authorizer(Path documentRoot) {
			this.backend.put("mode", quote("authorizer"));
			this.backend.put("docroot", quote(documentRoot.toString()));
			this.documentRoot = documentRoot;
			return this;
		}

		/** The URL prefix sent to FastCGI (default "/"). */
		public Builder prefix(String prefix) {
			this.prefix = prefix;
			return this;
		}

		/** Stream request and response bodies ({@code server.stream-*-body = 2}). */
		public Builder streaming(boolean streaming) {
			this.streaming = streaming;
			return this;
		}

		/** A raw config line. */
		public Builder config(String line) {
			this.extraConfig.add(line);
			return this;
		}

		/** The config text for {@code port}. */
		public String config(int port) {
			String dir = this.directory.toAbsolutePath().toString();
			Path root = (this.documentRoot != null) ? this.documentRoot : this.directory;
			StringBuilder conf = new StringBuilder();
			conf.append("server.modules = ( \"mod_access\", \"mod_accesslog\", \"mod_fastcgi\" )\n");
			conf.append("server.document-root = ").append(quote(root.toString())).append('\n');
			conf.append("server.bind = \"127.0.0.1\"\nserver.port = ").append(port).append('\n');
			conf.append("server.pid-file = ").append(quote(dir + "/lighttpd.pid")).append('\n');
			conf.append("server.errorlog = ").append(quote(dir + "/lighttpd-error.log")).append('\n');
			conf.append("accesslog.filename = ").append(quote(dir + "/lighttpd-access.log")).append('\n');
			conf.append("server.upload-dirs = ( ").append(quote(dir)).append(" )\n");
			conf.append("server.max-request-size = 0\n");
			if (this.streaming) {
				conf.append("server.stream-request-body = 2\nserver.stream-response-body = 2\n");
			}
			this.extraConfig.forEach((line) -> conf.append(line).append('\n'));
			conf.append("fastcgi.server = ( ").append(quote(this.prefix)).append(" => ( ( ");
			Map<String, String> options = new LinkedHashMap<>(this.backend);
			options.putIfAbsent("check-local", quote("disable"));
			List<String> entries = new ArrayList<>();
			options.forEach((key, value) -> entries.add(quote(key) + " => " + value));
			if (!this.binEnvironment.isEmpty()) {
				List<String> env = new ArrayList<>();
				this.binEnvironment.forEach((key, value) -> env.add(quote(key) + " => " + quote(value)));
				entries.add("\"bin-environment\" => ( " + String.join(", ", env) + " )");
			}
			conf.append(String.join(", ", entries)).append(" ) ) )\n");
			return conf.toString();
		}

		/** Writes the config, starts lighttpd and waits until it accepts connections. */
		public LighttpdProcess start() {
			Peers.require(Peers.LIGHTTPD);
			if (this.backend.isEmpty()) {
				throw new IllegalStateException("no FastCGI backend: call tcp, unixSocket or binPath");
			}
			int port = Peers.freePort();
			Path conf = write(this.directory.resolve("lighttpd.conf"), config(port));
			ExternalProcess process = ExternalProcess.start("lighttpd",
					List.of(Peers.LIGHTTPD.toString(), "-D", "-f", conf.toString()), this.directory, Map.of(), false);
			LighttpdProcess lighttpd = new LighttpdProcess(process, port, this.directory);
			try {
				lighttpd.awaitPort(port, Duration.ofSeconds(15));
			}
			catch (RuntimeException ex) {
				lighttpd.stop();
				throw ex;
			}
			return lighttpd;
		}

		private static String quote(String text) {
			return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
		}

	}

}
