package dev.fastcgi.boot.actuate;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.fastcgi.boot.FastCgiWebServer;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerSnapshot;

/**
 * Read-only {@code fastcgi} endpoint: where the server listens, how it runs requests, its limits, live counts and
 * its open connections.
 */
@Endpoint(id = "fastcgi")
public class FastCgiEndpoint {

	private final Supplier<@Nullable FastCgiWebServer> webServer;

	/**
	 * Create a new endpoint.
	 * @param webServer supplies the application's FastCGI web server, or {@code null} when there is none
	 */
	public FastCgiEndpoint(Supplier<@Nullable FastCgiWebServer> webServer) {
		this.webServer = webServer;
	}

	/**
	 * Describe the FastCGI server.
	 * @return the description, or {@code null} (404) when the application runs no FastCGI server
	 */
	@ReadOperation
	public @Nullable FastCgiDescriptor fastcgi() {
		FastCgiWebServer webServer = this.webServer.get();
		if (webServer == null) {
			return null;
		}
		ServerConfig config = webServer.getConfig();
		ServerSnapshot snapshot = webServer.getServer().snapshot();
		List<String> roles = Arrays.stream(Role.values()).map(Role::name).toList();
		Limits limits = new Limits(config.maxConnections(), config.maxRequests(), config.maxRequestsPerConnection(),
				config.maxWrite(), config.maxParamsSize(), config.maxParams(), config.backlog(),
				config.inputSpillThreshold());
		Mode mode = new Mode(FastCgiWebServer.describeMode(config), config.multiplexed(), config.multithreaded(),
				config.virtualThreads(), config.threads());
		return new FastCgiDescriptor(snapshot.bindAddress(), snapshot.boundAddress(), snapshot.accepting(), mode,
				roles, limits, snapshot.activeConnections(), snapshot.activeRequests(), snapshot.totalConnections(),
				snapshot.totalRequests(), snapshot.connections());
	}

	/**
	 * The endpoint's response.
	 * @param bindAddress the configured address
	 * @param boundAddress the address actually bound (the real port)
	 * @param accepting whether connections are accepted
	 * @param mode transport and concurrency model
	 * @param roles the FastCGI roles handed to the application
	 * @param limits the configured limits
	 * @param activeConnections connections open
	 * @param activeRequests requests in flight
	 * @param totalConnections connections accepted since start
	 * @param totalRequests requests begun since start
	 * @param connections the open connections with their request counts
	 */
	public record FastCgiDescriptor(String bindAddress, String boundAddress, boolean accepting, Mode mode,
			List<String> roles, Limits limits, int activeConnections, int activeRequests, long totalConnections,
			long totalRequests, List<ServerSnapshot.ConnectionSnapshot> connections) implements OperationResponseBody {
	}

	/**
	 * How requests are run.
	 * @param description e.g. {@code tcp, not multiplexed, 200 threads}
	 * @param multiplexed whether concurrent requests per connection are accepted
	 * @param multithreaded whether requests run concurrently
	 * @param virtualThreads whether requests run on virtual threads
	 * @param threads the worker thread limit
	 */
	public record Mode(String description, boolean multiplexed, boolean multithreaded, boolean virtualThreads,
			int threads) {
	}

	/**
	 * The configured limits, named after their {@code fastcgi.*} properties.
	 * @param maxConnections {@code fastcgi.max-connections}
	 * @param maxRequests {@code fastcgi.max-requests}
	 * @param maxRequestsPerConnection {@code fastcgi.max-requests-per-connection}
	 * @param maxWrite {@code fastcgi.max-write}
	 * @param maxParamsSize {@code fastcgi.max-params-size}
	 * @param maxParams {@code fastcgi.max-params}
	 * @param backlog {@code fastcgi.backlog}
	 * @param inputSpillThreshold {@code fastcgi.input-spill-threshold}
	 */
	public record Limits(int maxConnections, int maxRequests, int maxRequestsPerConnection, int maxWrite,
			int maxParamsSize, int maxParams, int backlog, long inputSpillThreshold) {
	}

}
