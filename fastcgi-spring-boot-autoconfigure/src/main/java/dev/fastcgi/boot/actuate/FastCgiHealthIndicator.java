package dev.fastcgi.boot.actuate;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.fastcgi.boot.FastCgiWebServer;

/**
 * Health of the FastCGI server: {@code UP} while its listener accepts connections, {@code DOWN} when it is stopped,
 * shutting down, or its accept loop died; {@code UNKNOWN} when the application runs no FastCGI server. Details: the
 * bind address and the live connection and request counts.
 */
public class FastCgiHealthIndicator extends AbstractHealthIndicator {

	private final Supplier<@Nullable FastCgiWebServer> webServer;

	/**
	 * Create a new indicator.
	 * @param webServer supplies the application's FastCGI web server, or {@code null} when there is none (yet)
	 */
	public FastCgiHealthIndicator(Supplier<@Nullable FastCgiWebServer> webServer) {
		super("FastCGI health check failed");
		this.webServer = webServer;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		FastCgiWebServer webServer = this.webServer.get();
		if (webServer == null) {
			builder.unknown().withDetail("reason", "no FastCGI web server in this application context");
			return;
		}
		if (webServer.isAccepting()) {
			builder.up();
		}
		else {
			builder.down()
				.withDetail("reason", webServer.isStarted() ? "not accepting connections (shutting down, or the"
						+ " accept loop died)" : "not started");
		}
		builder.withDetail("bindAddress", webServer.getConfig().bindAddress().toString())
			.withDetail("activeConnections", webServer.activeConnections())
			.withDetail("activeRequests", webServer.activeRequests());
	}

}
