package dev.fastcgi.interop.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Apache httpd 2.4 (event MPM) started in the foreground with {@code -d DIR -f DIR/httpd.conf -DFOREGROUND} from a
 * config written to a temp directory, on a free loopback port, with the modules it needs loaded from
 * {@code /usr/lib/apache2/modules}. By default {@code ProxyPass / fcgi://...} (mod_proxy_fcgi) to a TCP or Unix socket
 * application; other setups (mod_fcgid, mod_authnz_fcgi) go in through {@link Builder#config(String)} and
 * {@link Builder#module(String)}. Apache's children run as {@code www-data}: a Unix socket and its directories must
 * be accessible to that user (see {@link Peers#makeAccessible(Path)}).
 */
public final class ApacheProcess extends ExternalProcess {

	private final int port;

	private final Path directory;

	private ApacheProcess(ExternalProcess process, int port, Path directory) {
		super(process);
		this.port = port;
		this.directory = directory;
	}

	/** A builder; {@code upstream} is {@code 127.0.0.1:9000}, {@code unix:/path}, or null for no ProxyPass. */
	public static Builder builder(Path directory, String upstream) {
		return new Builder(directory, upstream);
	}

	/** The HTTP port (127.0.0.1). */
	public int port() {
		return this.port;
	}

	/** The error log so far (mod_proxy_fcgi logs FCGI_STDERR as "Got error"). */
	public String errorLog() {
		return read(this.directory.resolve("error.log"));
	}

	/** The access log so far. */
	public String accessLog() {
		return read(this.directory.resolve("access.log"));
	}

	@Override
	public String diagnostics() {
		return output() + "\n--- error.log:\n" + errorLog();
	}

	/** Options of the Apache config. */
	public static final class Builder {

		private final Path directory;

		private final String upstream;

		private final Set<String> modules = new LinkedHashSet<>(
				List.of("mpm_event", "authz_core", "proxy", "proxy_fcgi", "mime", "dir", "env"));

		private final List<String> config = new ArrayList<>();

		private boolean enableReuse;

		private boolean flushPackets;

		private Builder(Path directory, String upstream) {
			this.directory = Objects.requireNonNull(directory);
			this.upstream = upstream;
		}

		/** Loads {@code mod_NAME.so} (e.g. {@code fcgid}, {@code authnz_fcgi}, {@code cgi}). */
		public Builder module(String name) {
			this.modules.add(name);
			return this;
		}

		/** A raw config line, added after the defaults. */
		public Builder config(String line) {
			this.config.add(line);
			return this;
		}

		/** {@code enablereuse=on}: Apache sets FCGI_KEEP_CONN and reuses backend connections. */
		public Builder enableReuse(boolean enableReuse) {
			this.enableReuse = enableReuse;
			return this;
		}

		/** {@code flushpackets=on}: stream responses instead of buffering them. */
		public Builder flushPackets(boolean flushPackets) {
			this.flushPackets = flushPackets;
			return this;
		}

		/** The config text for {@code port}. */
		public String config(int port) {
			String dir = this.directory.toAbsolutePath().toString();
			StringBuilder conf = new StringBuilder();
			conf.append("ServerRoot ").append(quote(dir)).append('\n');
			for (String module : this.modules) {
				conf.append("LoadModule ").append(module).append("_module ")
					.append(quote(Peers.APACHE_MODULES.resolve("mod_" + module + ".so").toString())).append('\n');
			}
			conf.append("Listen 127.0.0.1:").append(port).append('\n');
			conf.append("ServerName localhost\nUser www-data\nGroup www-data\n");
			conf.append("PidFile ").append(quote(dir + "/httpd.pid")).append('\n');
			conf.append("DefaultRuntimeDir ").append(quote(dir)).append('\n');
			conf.append("ErrorLog ").append(quote(dir + "/error.log")).append("\nLogLevel info\n");
			conf.append("LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common\n");
			conf.append("CustomLog ").append(quote(dir + "/access.log")).append(" common\n");
			conf.append("DocumentRoot ").append(quote(dir)).append('\n');
			conf.append("<Directory \"/\">\n  Require all granted\n</Directory>\n");
			conf.append("Timeout 30\n");
			if (this.modules.contains("mime")) {
				conf.append("TypesConfig /etc/mime.types\n");
			}
			if (this.upstream != null) {
				conf.append("ProxyFCGIBackendType GENERIC\n");
				String target = this.upstream.startsWith("unix:") ? this.upstream + "|fcgi://localhost/"
						: "fcgi://" + this.upstream + "/";
				conf.append("ProxyPass \"/\" \"").append(target).append('"');
				conf.append(this.enableReuse ? " enablereuse=on" : " enablereuse=off");
				if (this.flushPackets) {
					conf.append(" flushpackets=on");
				}
				conf.append('\n');
			}
			this.config.forEach((line) -> conf.append(line).append('\n'));
			return conf.toString();
		}

		/** Writes the config, starts Apache and waits until it accepts connections. */
		public ApacheProcess start() {
			Peers.require(Peers.APACHE);
			int port = Peers.freePort();
			Path conf = write(this.directory.resolve("httpd.conf"), config(port));
			String dir = this.directory.toAbsolutePath().toString();
			ExternalProcess process = ExternalProcess.start("apache2", List.of(Peers.APACHE.toString(), "-d", dir,
					"-f", conf.toString(), "-DFOREGROUND"), this.directory, Map.of(), false);
			ApacheProcess apache = new ApacheProcess(process, port, this.directory);
			try {
				apache.awaitPort(port, Duration.ofSeconds(15));
			}
			catch (RuntimeException ex) {
				apache.stop();
				throw ex;
			}
			return apache;
		}

		private static String quote(String text) {
			return "\"" + text + "\"";
		}

	}

}
