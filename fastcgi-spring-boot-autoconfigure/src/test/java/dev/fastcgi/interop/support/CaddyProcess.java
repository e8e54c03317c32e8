package dev.fastcgi.interop.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Caddy 2 with {@code reverse_proxy} over its {@code fastcgi} transport, started in the foreground from a
 * Caddyfile written to a temp directory, on a free loopback port, with the admin endpoint and automatic HTTPS off
 * and its data and config directories inside the temp directory. Caddy dials a new FastCGI connection per request
 * (no keep-alive) and sends the RESPONDER role only.
 */
public final class CaddyProcess extends ExternalProcess {

	private final int port;

	private CaddyProcess(ExternalProcess process, int port) {
		super(process);
		this.port = port;
	}

	/**
	 * A builder passing every request to {@code upstream}: {@code host:port} or {@code unix:/path/to/socket}.
	 */
	public static Builder builder(Path directory, String upstream) {
		return new Builder(directory, upstream);
	}

	/** The HTTP port (127.0.0.1). */
	public int port() {
		return this.port;
	}

	/** Options of the Caddyfile. */
	public static final class Builder {

		private final Path directory;

		private final String upstream;

		private boolean streaming;

		private Builder(Path directory, String upstream) {
			this.directory = Objects.requireNonNull(directory);
			this.upstream = Objects.requireNonNull(upstream);
		}

		/** Flush response bytes to the client as they arrive ({@code flush_interval -1}), for SSE. */
		public Builder streaming(boolean streaming) {
			this.streaming = streaming;
			return this;
		}

		/** The Caddyfile text for {@code port}. */
		public String caddyfile(int port) {
			String dir = this.directory.toAbsolutePath().toString();
			String dial = this.upstream.startsWith("unix:") ? "unix/" + this.upstream.substring(5) : this.upstream;
			return "{\n\tadmin off\n\tauto_https off\n\tstorage file_system " + dir
					+ "/caddy-data\n}\n" + "http://127.0.0.1:" + port + " {\n\treverse_proxy " + dial + " {\n"
					+ (this.streaming ? "\t\tflush_interval -1\n" : "") + "\t\ttransport fastcgi {\n\t\t\troot " + dir
					+ "\n\t\t}\n\t}\n}\n";
		}

		/** Writes the Caddyfile, starts Caddy and waits until it accepts connections. */
		public CaddyProcess start() {
			Peers.require(Peers.CADDY);
			int port = Peers.freePort();
			Path caddyfile = write(this.directory.resolve("Caddyfile"), caddyfile(port));
			String dir = this.directory.toAbsolutePath().toString();
			ExternalProcess process = ExternalProcess.start("caddy",
					List.of(Peers.CADDY.toString(), "run", "--config", caddyfile.toString(), "--adapter", "caddyfile"),
					this.directory, Map.of("HOME", dir, "XDG_DATA_HOME", dir + "/xdg-data", "XDG_CONFIG_HOME",
							dir + "/xdg-config"),
					false);
			CaddyProcess caddy = new CaddyProcess(process, port);
			try {
				caddy.awaitPort(port, Duration.ofSeconds(15));
			}
			catch (RuntimeException ex) {
				caddy.stop();
				throw ex;
			}
			return caddy;
		}

	}

}
