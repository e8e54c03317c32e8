package dev.fastcgi.interop.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * HAProxy (2.x) with an {@code fcgi-app} in front of a FastCGI application, started in the foreground ({@code -db})
 * from a config written to a temp directory, on a free loopback port, with a stats page on a second port. Options
 * {@code keep-conn}, {@code mpxs-conns} and {@code get-values} make it a multiplexing peer; HAProxy is the only common
 * web server that multiplexes and sends FCGI_ABORT_REQUEST.
 */
public final class HaproxyProcess extends ExternalProcess {

	private final int port;

	private final int statsPort;

	private HaproxyProcess(ExternalProcess process, int port, int statsPort) {
		super(process);
		this.port = port;
		this.statsPort = statsPort;
	}

	/** A builder passing to {@code server}: {@code 127.0.0.1:9000} or an absolute Unix socket path. */
	public static Builder builder(Path directory, String server) {
		return new Builder(directory, server);
	}

	/** The HTTP port (127.0.0.1). */
	public int port() {
		return this.port;
	}

	/** The port of the stats page ({@code /stats}, CSV at {@code /stats;csv}). */
	public int statsPort() {
		return this.statsPort;
	}

	/** The stats as CSV ({@code /stats;csv}), e.g. to count connections to the backend. */
	public String statsCsv() throws IOException {
		return new String(RawHttpClient.get(this.statsPort, "/stats;csv").body(), StandardCharsets.UTF_8);
	}

	/** Options of the HAProxy config. */
	public static final class Builder {

		private final Path directory;

		private final String server;

		private boolean keepConn = true;

		private boolean mpxsConns;

		private boolean getValues;

		private int maxconn = 100;

		private final List<String> fcgiAppDirectives = new ArrayList<>();

		private final List<String> backendDirectives = new ArrayList<>();

		private Builder(Path directory, String server) {
			this.directory = Objects.requireNonNull(directory);
			this.server = Objects.requireNonNull(server);
		}

		/** {@code option keep-conn} (default on, as HAProxy's default). */
		public Builder keepConn(boolean keepConn) {
			this.keepConn = keepConn;
			return this;
		}

		/** {@code option mpxs-conns}: multiplex requests on one connection. */
		public Builder mpxsConns(boolean mpxsConns) {
			this.mpxsConns = mpxsConns;
			return this;
		}

		/** {@code option get-values}: ask the application with FCGI_GET_VALUES. */
		public Builder getValues(boolean getValues) {
			this.getValues = getValues;
			return this;
		}

		/** The server's {@code maxconn} (default 100). */
		public Builder maxconn(int maxconn) {
			this.maxconn = maxconn;
			return this;
		}

		/** A directive in the {@code fcgi-app} section (e.g. {@code set-param DOCUMENT_URI %[path]}). */
		public Builder fcgiAppDirective(String directive) {
			this.fcgiAppDirectives.add(directive);
			return this;
		}

		/** A directive in the backend section. */
		public Builder backendDirective(String directive) {
			this.backendDirectives.add(directive);
			return this;
		}

		/** The config text for the two ports. */
		public String config(int port, int statsPort) {
			String dir = this.directory.toAbsolutePath().toString();
			StringBuilder conf = new StringBuilder();
			conf.append("global\n  log stderr format raw local0 info\n  pidfile ").append(dir).append("/haproxy.pid\n");
			conf.append("defaults\n  mode http\n  log global\n  option httplog\n");
			conf.append("  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n");
			conf.append("fcgi-app app\n  log-stderr global\n  docroot ").append(dir).append('\n');
			conf.append(this.keepConn ? "  option keep-conn\n" : "  no option keep-conn\n");
			conf.append(this.mpxsConns ? "  option mpxs-conns\n" : "  no option mpxs-conns\n");
			conf.append(this.getValues ? "  option get-values\n" : "  no option get-values\n");
			this.fcgiAppDirectives.forEach((d) -> conf.append("  ").append(d).append('\n'));
			conf.append("frontend web\n  bind 127.0.0.1:").append(port).append("\n  default_backend app\n");
			conf.append("frontend stats\n  bind 127.0.0.1:").append(statsPort)
				.append("\n  stats enable\n  stats uri /stats\n  stats refresh 0\n");
			conf.append("backend app\n  use-fcgi-app app\n");
			this.backendDirectives.forEach((d) -> conf.append("  ").append(d).append('\n'));
			conf.append("  server app1 ").append(this.server).append(" proto fcgi maxconn ").append(this.maxconn)
				.append('\n');
			return conf.toString();
		}

		/** Writes the config, starts HAProxy and waits until it accepts connections. */
		public HaproxyProcess start() {
			Peers.require(Peers.HAPROXY);
			int port = Peers.freePort();
			int statsPort = Peers.freePort();
			Path conf = write(this.directory.resolve("haproxy.cfg"), config(port, statsPort));
			ExternalProcess process = ExternalProcess.start("haproxy",
					List.of(Peers.HAPROXY.toString(), "-db", "-f", conf.toString()), this.directory, Map.of(), false);
			HaproxyProcess haproxy = new HaproxyProcess(process, port, statsPort);
			try {
				haproxy.awaitPort(port, Duration.ofSeconds(15));
			}
			catch (RuntimeException ex) {
				haproxy.stop();
				throw ex;
			}
			return haproxy;
		}

	}

}
