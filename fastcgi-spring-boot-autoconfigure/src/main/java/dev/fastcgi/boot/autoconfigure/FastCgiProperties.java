package dev.fastcgi.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.ForwardedHeaders;

/**
 * Configuration properties of the FastCGI server ({@code fastcgi.*}).
 * <p>
 * <b>Where it listens</b>: {@code fastcgi.bind-address} when set; else the listening socket inherited on fd 0 when
 * a web server spawned the process; else {@code server.address} (default {@code 127.0.0.1}) and
 * {@code server.port} (default {@value ServerConfig#DEFAULT_PORT}, not Boot's 8080; {@code 0} picks a free port as
 * {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} does). Keeping {@code server.port} meaningful is the least
 * surprising choice: tools, tests and {@code local.server.port} keep working.
 * <p>
 * Graceful shutdown follows {@code server.shutdown} and {@code spring.lifecycle.timeout-per-shutdown-phase}; what
 * is still running after that is aborted.
 */
@ConfigurationProperties("fastcgi")
public class FastCgiProperties {

	/**
	 * Whether to serve the application over FastCGI. When false the starter backs off completely and another
	 * servlet web server (Tomcat, Jetty), if present, takes over.
	 */
	private boolean enabled = true;

	/**
	 * Address to listen on: 'host:port', '[ipv6]:port', ':port' (all interfaces), 'unix:/path/to/socket' or 'fd:0'
	 * (the listening socket inherited from a spawning web server). Overrides server.address and server.port.
	 */
	private @Nullable String bindAddress;

	/**
	 * Whether to accept concurrent requests on one connection (FCGI_MPXS_CONNS). Only HAProxy with 'option
	 * mpxs-conns' multiplexes; nginx, Apache, lighttpd and Caddy never do.
	 */
	private boolean multiplexed = false;

	/**
	 * Largest content of one FCGI_STDOUT or FCGI_STDERR record, from 8 bytes to 65535 bytes.
	 */
	private DataSize maxWrite = DataSize.ofBytes(ServerConfig.DEFAULT_MAX_WRITE);

	/**
	 * Whether requests run concurrently. When false, requests run one at a time and FCGI_MAX_REQS is advertised as 1,
	 * for applications that are not thread-safe.
	 */
	private boolean multithreaded = true;

	/**
	 * Maximum number of worker threads running requests. Ignored when virtual threads are enabled
	 * (spring.threads.virtual.enabled on Java 21+). A non-multiplexed request whose body has all arrived runs on its
	 * connection's thread instead while fewer than this many requests run.
	 */
	private int threads = ServerConfig.DEFAULT_THREADS;

	/**
	 * Whether connections between requests wait on one selector per core, whose thread also runs a request once its
	 * input has arrived (platform threads, multithreaded, not multiplexed). A request that blocks (waiting on a lock,
	 * a socket, a sleep), fills the socket or runs past 10 ms there hands the selector to another thread, and while
	 * requests often block, pooled threads serve the selector's connections. When false, each connection keeps a
	 * thread blocked in read. Not used with virtual threads, which wait on the JDK's own poller.
	 */
	private boolean eventLoop = true;

	/**
	 * Maximum number of connections open at once; further ones are refused. Advertised as FCGI_MAX_CONNS.
	 */
	private int maxConnections = ServerConfig.DEFAULT_MAX_CONNECTIONS;

	/**
	 * Maximum number of requests in flight at once; further ones are answered FCGI_OVERLOADED. Advertised as
	 * FCGI_MAX_REQS.
	 */
	private int maxRequests = ServerConfig.DEFAULT_MAX_REQUESTS;

	/**
	 * Maximum number of requests in flight on one multiplexed connection; further ones are answered
	 * FCGI_OVERLOADED.
	 */
	private int maxRequestsPerConnection = ServerConfig.DEFAULT_MAX_REQUESTS_PER_CONNECTION;

	/**
	 * Length of the queue of connections waiting to be accepted.
	 */
	private int backlog = ServerConfig.DEFAULT_BACKLOG;

	/**
	 * IP addresses of the web servers allowed to connect over TCP (exact literals, IPv4 or IPv6). Merged with the
	 * comma-separated FCGI_WEB_SERVER_ADDRS environment variable. Empty allows every peer; Unix socket peers are
	 * always allowed (the socket's file permissions guard them).
	 */
	private List<String> allowedAddresses = new ArrayList<>();

	/**
	 * Extra FastCGI params merged into every request, overriding those the web server sent with the same name.
	 */
	private Map<String, String> environ = new LinkedHashMap<>();

	/**
	 * Maximum time a kept-alive connection may stay idle between requests before it is closed.
	 */
	private Duration idleTimeout = ServerConfig.DEFAULT_IDLE_TIMEOUT;

	/**
	 * Maximum time the params or body of a started request may stall before the connection is closed.
	 */
	private Duration readTimeout = ServerConfig.DEFAULT_READ_TIMEOUT;

	/**
	 * Maximum time a write may block on a web server that stopped reading before the connection is closed.
	 */
	private Duration writeTimeout = ServerConfig.DEFAULT_WRITE_TIMEOUT;

	/**
	 * Unread request body kept in memory per request before the rest spills to a temporary file.
	 */
	private DataSize inputSpillThreshold = DataSize.ofBytes(ServerConfig.DEFAULT_INPUT_SPILL_THRESHOLD);

	/**
	 * Directory for request bodies spilled to disk. Defaults to java.io.tmpdir.
	 */
	private @Nullable Path spillDirectory;

	/**
	 * Maximum total size of the FCGI_PARAMS of one request (names, values and length prefixes). A request over the
	 * limit closes its connection and is logged with this property's name.
	 */
	private DataSize maxParamsSize = DataSize.ofBytes(ServerConfig.DEFAULT_MAX_PARAMS_SIZE);

	/**
	 * Maximum number of FCGI_PARAMS name-value pairs of one request.
	 */
	private int maxParams = ServerConfig.DEFAULT_MAX_PARAMS;

	/**
	 * Maximum length of one FCGI_PARAMS name. A longer name is answered with status 431 without running the
	 * application; the connection stays usable.
	 */
	private DataSize maxParamNameLength = DataSize.ofBytes(ServerConfig.DEFAULT_MAX_PARAM_NAME_LENGTH);

	/**
	 * Maximum length of one FCGI_PARAMS value (a cookie header, for instance). A longer value is answered with
	 * status 431 without running the application; the connection stays usable.
	 */
	private DataSize maxParamValueLength = DataSize.ofBytes(ServerConfig.DEFAULT_MAX_PARAM_VALUE_LENGTH);

	/**
	 * Maximum request body size; unset for no limit (the engine never holds a body in memory, and web servers
	 * limit bodies too). A CONTENT_LENGTH over it is answered with 413 before any of the body is read; a streamed
	 * body without CONTENT_LENGTH fails reading once past it.
	 */
	private @Nullable DataSize maxBodySize;

	/**
	 * Unread request input held in memory across all multiplexed requests; past it, input spills to files.
	 */
	private DataSize maxBufferedInput = DataSize.ofBytes(ServerConfig.DEFAULT_MAX_BUFFERED_INPUT);

	/**
	 * Longest time a request may run before it is aborted (504 if nothing was sent yet); 0 for no limit, which
	 * suits long polls and server-sent events (the web server has its own read timeout).
	 */
	private Duration requestTimeout = ServerConfig.DEFAULT_REQUEST_TIMEOUT;

	/**
	 * Longest time the web server may take to send all of a request's params (a stop to slow-loris trickling).
	 */
	private Duration paramsTimeout = ServerConfig.DEFAULT_PARAMS_TIMEOUT;

	/**
	 * Whether to run as a plain CGI program (one request from the process environment and stdin) instead of a
	 * FastCGI server: the application serves one request, writes the CGI response to stdout and exits. Also
	 * enabled by the FCGI_FORCE_CGI=Y environment variable, and automatic when GATEWAY_INTERFACE is set and fd 0 is
	 * not a listening socket.
	 */
	private boolean forceCgi = false;

	/**
	 * Context-relative path that AUTHORIZER-role requests are dispatched to (e.g. /fastcgi/authorize), so one
	 * handler mapping authorizes every URI. When not set, they are dispatched to their own REQUEST_URI, or to
	 * /fastcgi/authorize when the application defines a FastCgiAuthorizer bean.
	 */
	private @Nullable String authorizerPath;

	/**
	 * Whether SIGTERM, SIGINT and SIGHUP stop the application gracefully with exit status 0 (instead of the JVM's
	 * 128 + signal number). SIGHUP is treated like SIGTERM.
	 */
	private boolean handleSignals = true;

	private final UnixSocket unixSocket = new UnixSocket();

	private final Forwarded forwarded = new Forwarded();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getBindAddress() {
		return this.bindAddress;
	}

	public void setBindAddress(@Nullable String bindAddress) {
		this.bindAddress = bindAddress;
	}

	public boolean isEventLoop() {
		return this.eventLoop;
	}

	public void setEventLoop(boolean eventLoop) {
		this.eventLoop = eventLoop;
	}

	public boolean isMultiplexed() {
		return this.multiplexed;
	}

	public void setMultiplexed(boolean multiplexed) {
		this.multiplexed = multiplexed;
	}

	public DataSize getMaxWrite() {
		return this.maxWrite;
	}

	public void setMaxWrite(DataSize maxWrite) {
		this.maxWrite = maxWrite;
	}

	public boolean isMultithreaded() {
		return this.multithreaded;
	}

	public void setMultithreaded(boolean multithreaded) {
		this.multithreaded = multithreaded;
	}

	public int getThreads() {
		return this.threads;
	}

	public void setThreads(int threads) {
		this.threads = threads;
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(int maxConnections) {
		this.maxConnections = maxConnections;
	}

	public int getMaxRequests() {
		return this.maxRequests;
	}

	public void setMaxRequests(int maxRequests) {
		this.maxRequests = maxRequests;
	}

	public int getMaxRequestsPerConnection() {
		return this.maxRequestsPerConnection;
	}

	public void setMaxRequestsPerConnection(int maxRequestsPerConnection) {
		this.maxRequestsPerConnection = maxRequestsPerConnection;
	}

	public int getBacklog() {
		return this.backlog;
	}

	public void setBacklog(int backlog) {
		this.backlog = backlog;
	}

	public List<String> getAllowedAddresses() {
		return this.allowedAddresses;
	}

	public void setAllowedAddresses(List<String> allowedAddresses) {
		this.allowedAddresses = allowedAddresses;
	}

	public Map<String, String> getEnviron() {
		return this.environ;
	}

	public void setEnviron(Map<String, String> environ) {
		this.environ = environ;
	}

	public Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	public Duration getReadTimeout() {
		return this.readTimeout;
	}

	public void setReadTimeout(Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	public Duration getWriteTimeout() {
		return this.writeTimeout;
	}

	public void setWriteTimeout(Duration writeTimeout) {
		this.writeTimeout = writeTimeout;
	}

	public DataSize getInputSpillThreshold() {
		return this.inputSpillThreshold;
	}

	public void setInputSpillThreshold(DataSize inputSpillThreshold) {
		this.inputSpillThreshold = inputSpillThreshold;
	}

	public @Nullable Path getSpillDirectory() {
		return this.spillDirectory;
	}

	public void setSpillDirectory(@Nullable Path spillDirectory) {
		this.spillDirectory = spillDirectory;
	}

	public DataSize getMaxParamsSize() {
		return this.maxParamsSize;
	}

	public void setMaxParamsSize(DataSize maxParamsSize) {
		this.maxParamsSize = maxParamsSize;
	}

	public int getMaxParams() {
		return this.maxParams;
	}

	public void setMaxParams(int maxParams) {
		this.maxParams = maxParams;
	}

	public DataSize getMaxParamNameLength() {
		return this.maxParamNameLength;
	}

	public void setMaxParamNameLength(DataSize maxParamNameLength) {
		this.maxParamNameLength = maxParamNameLength;
	}

	public DataSize getMaxParamValueLength() {
		return this.maxParamValueLength;
	}

	public void setMaxParamValueLength(DataSize maxParamValueLength) {
		this.maxParamValueLength = maxParamValueLength;
	}

	public @Nullable DataSize getMaxBodySize() {
		return this.maxBodySize;
	}

	public void setMaxBodySize(@Nullable DataSize maxBodySize) {
		this.maxBodySize = maxBodySize;
	}

	public DataSize getMaxBufferedInput() {
		return this.maxBufferedInput;
	}

	public void setMaxBufferedInput(DataSize maxBufferedInput) {
		this.maxBufferedInput = maxBufferedInput;
	}

	public Duration getRequestTimeout() {
		return this.requestTimeout;
	}

	public void setRequestTimeout(Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	public Duration getParamsTimeout() {
		return this.paramsTimeout;
	}

	public void setParamsTimeout(Duration paramsTimeout) {
		this.paramsTimeout = paramsTimeout;
	}

	public boolean isForceCgi() {
		return this.forceCgi;
	}

	public void setForceCgi(boolean forceCgi) {
		this.forceCgi = forceCgi;
	}

	public @Nullable String getAuthorizerPath() {
		return this.authorizerPath;
	}

	public void setAuthorizerPath(@Nullable String authorizerPath) {
		this.authorizerPath = authorizerPath;
	}

	public boolean isHandleSignals() {
		return this.handleSignals;
	}

	public void setHandleSignals(boolean handleSignals) {
		this.handleSignals = handleSignals;
	}

	public UnixSocket getUnixSocket() {
		return this.unixSocket;
	}

	public Forwarded getForwarded() {
		return this.forwarded;
	}

	/**
	 * Forwarded headers settings, used when server.forward-headers-strategy is 'native' (or unset on a cloud
	 * platform that uses forwarded headers).
	 */
	public static class Forwarded {

		/**
		 * Proxies whose X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Port headers are
		 * believed, as IP addresses or CIDR blocks. The client address the web server saw (REMOTE_ADDR) must be
		 * one of them, else the headers are ignored; X-Forwarded-For entries that are one are skipped. Defaults to
		 * the private, loopback, link-local and carrier-grade NAT networks, as Tomcat's internal proxies; empty
		 * trusts nobody.
		 */
		private List<String> trustedProxies = new ArrayList<>(ForwardedHeaders.DEFAULT_TRUSTED_PROXIES);

		public List<String> getTrustedProxies() {
			return this.trustedProxies;
		}

		public void setTrustedProxies(List<String> trustedProxies) {
			this.trustedProxies = trustedProxies;
		}

	}

	/**
	 * Unix domain socket settings, used when the bind address is 'unix:/path'.
	 */
	public static class UnixSocket {

		/**
		 * POSIX permissions of the socket file, e.g. 'rw-rw----' (owner and group, so that a web server in the
		 * socket's group can connect). Empty keeps the permissions the process umask gives.
		 */
		private String permissions = "rw-rw----";

		public String getPermissions() {
			return this.permissions;
		}

		public void setPermissions(String permissions) {
			this.permissions = permissions;
		}

	}

}
