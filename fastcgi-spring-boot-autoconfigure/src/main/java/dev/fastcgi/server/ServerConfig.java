package dev.fastcgi.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable engine configuration. Every limit here has a name ({@code fastcgi.*} property) that appears in the log
 * line when the limit is hit. Build with {@link #builder()}; the builder's defaults are the engine's defaults and
 * the Boot properties pin theirs to them in a test.
 */
public final class ServerConfig {

	/** Default FastCGI port when nothing else is configured. */
	public static final int DEFAULT_PORT = 9000;

	public static final int DEFAULT_MAX_WRITE = 8192;

	public static final int DEFAULT_THREADS = 200;

	public static final int DEFAULT_MAX_CONNECTIONS = 1024;

	public static final int DEFAULT_MAX_REQUESTS = 1024;

	public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 100;

	public static final int DEFAULT_BACKLOG = 1024;

	public static final int DEFAULT_MAX_PARAMS_SIZE = 1024 * 1024;

	public static final int DEFAULT_MAX_PARAMS = 1000;

	public static final long DEFAULT_INPUT_SPILL_THRESHOLD = 256 * 1024;

	public static final int DEFAULT_MAX_PARAM_NAME_LENGTH = 1024;

	public static final int DEFAULT_MAX_PARAM_VALUE_LENGTH = 64 * 1024;

	/** No limit: the web server's own limit (nginx client_max_body_size) and the servlet layer's apply. */
	public static final long DEFAULT_MAX_BODY_SIZE = -1;

	public static final long DEFAULT_MAX_BUFFERED_INPUT = 32 * 1024 * 1024;

	/** Disabled: long polls, server-sent events and big downloads are legitimate; the web server has its own. */
	public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ZERO;

	public static final Duration DEFAULT_PARAMS_TIMEOUT = Duration.ofSeconds(30);

	public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

	public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

	public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);

	public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

	private final BindAddress bindAddress;

	private final boolean multiplexed;

	private final int maxWrite;

	private final boolean multithreaded;

	private final int threads;

	private final boolean virtualThreads;

	private final boolean eventLoop;

	private final int maxConnections;

	private final int maxRequests;

	private final int maxRequestsPerConnection;

	private final int backlog;

	private final List<String> allowedAddresses;

	private final String unixSocketPermissions;

	private final Duration idleTimeout;

	private final Duration readTimeout;

	private final Duration writeTimeout;

	private final long inputSpillThreshold;

	private final Path spillDirectory;

	private final int maxParamsSize;

	private final int maxParams;

	private final int maxParamNameLength;

	private final int maxParamValueLength;

	private final long maxBodySize;

	private final long maxBufferedInput;

	private final Duration requestTimeout;

	private final Duration paramsTimeout;

	private final Map<String, String> environ;

	private final Duration shutdownTimeout;

	private ServerConfig(Builder b) {
		this.bindAddress = Objects.requireNonNull(b.bindAddress, "bindAddress");
		this.multiplexed = b.multiplexed;
		this.maxWrite = b.maxWrite;
		this.multithreaded = b.multithreaded;
		this.threads = b.threads;
		this.virtualThreads = b.virtualThreads;
		this.eventLoop = b.eventLoop;
		this.maxConnections = b.maxConnections;
		this.maxRequests = b.maxRequests;
		this.maxRequestsPerConnection = b.maxRequestsPerConnection;
		this.backlog = b.backlog;
		this.allowedAddresses = List.copyOf(b.allowedAddresses);
		this.unixSocketPermissions = b.unixSocketPermissions;
		this.idleTimeout = b.idleTimeout;
		this.readTimeout = b.readTimeout;
		this.writeTimeout = b.writeTimeout;
		this.inputSpillThreshold = b.inputSpillThreshold;
		this.spillDirectory = b.spillDirectory;
		this.maxParamsSize = b.maxParamsSize;
		this.maxParams = b.maxParams;
		this.maxParamNameLength = b.maxParamNameLength;
		this.maxParamValueLength = b.maxParamValueLength;
		this.maxBodySize = b.maxBodySize;
		this.maxBufferedInput = b.maxBufferedInput;
		this.requestTimeout = Objects.requireNonNull(b.requestTimeout, "requestTimeout");
		this.paramsTimeout = Objects.requireNonNull(b.paramsTimeout, "paramsTimeout");
		this.environ = Map.copyOf(b.environ);
		this.shutdownTimeout = b.shutdownTimeout;
		check(this.maxWrite >= 8 && this.maxWrite <= 65535, "fastcgi.max-write", this.maxWrite, "8..65535");
		check(this.threads >= 1, "fastcgi.threads", this.threads, ">= 1");
		check(this.maxConnections >= 1, "fastcgi.max-connections", this.maxConnections, ">= 1");
		check(this.maxRequests >= 1, "fastcgi.max-requests", this.maxRequests, ">= 1");
		check(this.maxRequestsPerConnection >= 1, "fastcgi.max-requests-per-connection",
				this.maxRequestsPerConnection, ">= 1");
		check(this.backlog >= 1, "fastcgi.backlog", this.backlog, ">= 1");
		check(this.maxParamsSize >= 1024, "fastcgi.max-params-size", this.maxParamsSize, ">= 1024");
		check(this.maxParams >= 1, "fastcgi.max-params", this.maxParams, ">= 1");
		check(this.inputSpillThreshold >= 0, "fastcgi.input-spill-threshold", this.inputSpillThreshold, ">= 0");
		check(this.maxParamNameLength >= 1, "fastcgi.max-param-name-length", this.maxParamNameLength, ">= 1");
		check(this.maxParamValueLength >= 1, "fastcgi.max-param-value-length", this.maxParamValueLength, ">= 1");
		check(this.maxBodySize >= -1, "fastcgi.max-body-size", this.maxBodySize, ">= 0, or -1 for no limit");
		check(this.maxBufferedInput >= 0, "fastcgi.max-buffered-input", this.maxBufferedInput, ">= 0");
		check(!this.requestTimeout.isNegative(), "fastcgi.request-timeout", this.requestTimeout,
				">= 0 (0 disables it)");
		check(!this.paramsTimeout.isNegative() && !this.paramsTimeout.isZero(), "fastcgi.params-timeout",
				this.paramsTimeout, "> 0");
	}

	private static void check(boolean ok, String name, Object value, String range) {
		if (!ok) {
			throw new IllegalArgumentException(name + " is " + value + "; it must be " + range);
		}
	}

	public static Builder builder() {
		return new Builder();
	}

	public Builder toBuilder() {
		Builder b = new Builder();
		b.bindAddress = this.bindAddress;
		b.multiplexed = this.multiplexed;
		b.maxWrite = this.maxWrite;
		b.multithreaded = this.multithreaded;
		b.threads = this.threads;
		b.virtualThreads = this.virtualThreads;
		b.eventLoop = this.eventLoop;
		b.maxConnections = this.maxConnections;
		b.maxRequests = this.maxRequests;
		b.maxRequestsPerConnection = this.maxRequestsPerConnection;
		b.backlog = this.backlog;
		b.allowedAddresses = this.allowedAddresses;
		b.unixSocketPermissions = this.unixSocketPermissions;
		b.idleTimeout = this.idleTimeout;
		b.readTimeout = this.readTimeout;
		b.writeTimeout = this.writeTimeout;
		b.inputSpillThreshold = this.inputSpillThreshold;
		b.spillDirectory = this.spillDirectory;
		b.maxParamsSize = this.maxParamsSize;
		b.maxParams = this.maxParams;
		b.maxParamNameLength = this.maxParamNameLength;
		b.maxParamValueLength = this.maxParamValueLength;
		b.maxBodySize = this.maxBodySize;
		b.maxBufferedInput = this.maxBufferedInput;
		b.requestTimeout = this.requestTimeout;
		b.paramsTimeout = this.paramsTimeout;
		b.environ = this.environ;
		b.shutdownTimeout = this.shutdownTimeout;
		return b;
	}

	/** Where to listen. */
	public BindAddress bindAddress() {
		return this.bindAddress;
	}

	/** Whether concurrent requests on one connection are accepted (FCGI_MPXS_CONNS=1). */
	public boolean multiplexed() {
		return this.multiplexed;
	}

	/** Most content bytes in one STDOUT/STDERR record (the seed's {@code maxwrite}). */
	public int maxWrite() {
		return this.maxWrite;
	}

	/** Whether requests run concurrently; false runs one request at a time (FCGI_MAX_REQS=1). */
	public boolean multithreaded() {
		return this.multithreaded;
	}

	/** Worker threads for requests (platform threads); ignored when virtual threads are used. */
	public int threads() {
		return this.threads;
	}

	/** Whether to run each request on a virtual thread (Java 21+; falls back to platform threads on 17). */
	public boolean virtualThreads() {
		return this.virtualThreads;
	}

	/**
	 * Whether idle connections wait on one selector per core and a request whose input has arrived runs on that
	 * selector's thread (platform threads, multithreaded, not multiplexed); false keeps a thread blocked in
	 * {@code read} per connection. A request that blocks or runs long on a selector thread hands the selector to
	 * another thread, so it never holds up the other connections for long.
	 */
	public boolean eventLoop() {
		return this.eventLoop;
	}

	/** Connections open at once; further ones are refused (advertised as FCGI_MAX_CONNS). */
	public int maxConnections() {
		return this.maxConnections;
	}

	/** Requests in flight at once; further ones get OVERLOADED (advertised as FCGI_MAX_REQS). */
	public int maxRequests() {
		return this.maxRequests;
	}

	/** Requests in flight at once on one multiplexed connection; further ones get OVERLOADED. */
	public int maxRequestsPerConnection() {
		return this.maxRequestsPerConnection;
	}

	/** Listen backlog. */
	public int backlog() {
		return this.backlog;
	}

	/**
	 * Peer addresses allowed to connect over TCP (IP literals, IPv4, IPv6 or IPv4-mapped), merged by the caller with
	 * FCGI_WEB_SERVER_ADDRS. Empty = everyone. Unix-socket peers are always allowed (file permissions guard them).
	 */
	public List<String> allowedAddresses() {
		return this.allowedAddresses;
	}

	/** POSIX permissions of a Unix socket file, e.g. {@code rw-rw----}; null keeps the process umask. */
	public String unixSocketPermissions() {
		return this.unixSocketPermissions;
	}

	/** How long a kept-alive connection may sit with no request before it is closed. */
	public Duration idleTimeout() {
		return this.idleTimeout;
	}

	/** How long params or body bytes of a started request may stall before the connection is closed. */
	public Duration readTimeout() {
		return this.readTimeout;
	}

	/** How long a write may block on a web server that stopped reading before the connection is closed. */
	public Duration writeTimeout() {
		return this.writeTimeout;
	}

	/** Unread request input buffered in memory per multiplexed request before it spills to a temp file. */
	public long inputSpillThreshold() {
		return this.inputSpillThreshold;
	}

	/** Where spill files go; null = java.io.tmpdir. */
	public Path spillDirectory() {
		return this.spillDirectory;
	}

	/** Most bytes of FCGI_PARAMS content for one request. */
	public int maxParamsSize() {
		return this.maxParamsSize;
	}

	/** Most name-value pairs in FCGI_PARAMS for one request. */
	public int maxParams() {
		return this.maxParams;
	}

	/** Most bytes in the name of one param (fastcgi.max-param-name-length); longer gets a 431 response. */
	public int maxParamNameLength() {
		return this.maxParamNameLength;
	}

	/** Most bytes in the value of one param (fastcgi.max-param-value-length); longer gets a 431 response. */
	public int maxParamValueLength() {
		return this.maxParamValueLength;
	}

	/**
	 * Most request body bytes (fastcgi.max-body-size), -1 for no limit. A larger CONTENT_LENGTH gets a 413 response
	 * before the handler runs; a body without CONTENT_LENGTH that grows past it fails the handler's reads.
	 */
	public long maxBodySize() {
		return this.maxBodySize;
	}

	/**
	 * Unread request input held in memory across all requests of the server (fastcgi.max-buffered-input); past it,
	 * input spills to temporary files whatever fastcgi.input-spill-threshold says.
	 */
	public long maxBufferedInput() {
		return this.maxBufferedInput;
	}

	/**
	 * How long a request may run from the end of its params to its END_REQUEST (fastcgi.request-timeout); zero
	 * disables it. Past it the request is aborted, its handler thread interrupted, and the web server gets a 504
	 * response if nothing was committed.
	 */
	public Duration requestTimeout() {
		return this.requestTimeout;
	}

	/**
	 * How long the params of a request may take in total from BEGIN_REQUEST to the empty PARAMS, and how long a
	 * partial record may sit while no request is active (fastcgi.params-timeout): a peer trickling bytes cannot hold
	 * a connection with {@code fastcgi.read-timeout} alone.
	 */
	public Duration paramsTimeout() {
		return this.paramsTimeout;
	}

	/** Extra params merged into every request (they override the web server's of the same name). */
	public Map<String, String> environ() {
		return this.environ;
	}

	/** How long {@code stop} waits for in-flight requests before closing everything. */
	public Duration shutdownTimeout() {
		return this.shutdownTimeout;
	}

	@Override
	public String toString() {
		return "ServerConfig[bindAddress=" + this.bindAddress + ", multiplexed=" + this.multiplexed + ", maxWrite="
				+ this.maxWrite + ", multithreaded=" + this.multithreaded + ", threads=" + this.threads
				+ ", virtualThreads=" + this.virtualThreads + ", eventLoop=" + this.eventLoop + ", maxConnections="
				+ this.maxConnections
				+ ", maxRequests=" + this.maxRequests + "]";
	}

	/** Builder with the engine defaults. */
	public static final class Builder {

		private BindAddress bindAddress = new BindAddress.Tcp("127.0.0.1", DEFAULT_PORT);

		private boolean multiplexed = false;

		private int maxWrite = DEFAULT_MAX_WRITE;

		private boolean multithreaded = true;

		private int threads = DEFAULT_THREADS;

		private boolean virtualThreads = false;

		private boolean eventLoop = true;

		private int maxConnections = DEFAULT_MAX_CONNECTIONS;

		private int maxRequests = DEFAULT_MAX_REQUESTS;

		private int maxRequestsPerConnection = DEFAULT_MAX_REQUESTS_PER_CONNECTION;

		private int backlog = DEFAULT_BACKLOG;

		private List<String> allowedAddresses = List.of();

		private String unixSocketPermissions = "rw-rw----";

		private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

		private Duration readTimeout = DEFAULT_READ_TIMEOUT;

		private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;

		private long inputSpillThreshold = DEFAULT_INPUT_SPILL_THRESHOLD;

		private Path spillDirectory;

		private int maxParamsSize = DEFAULT_MAX_PARAMS_SIZE;

		private int maxParams = DEFAULT_MAX_PARAMS;

		private int maxParamNameLength = DEFAULT_MAX_PARAM_NAME_LENGTH;

		private int maxParamValueLength = DEFAULT_MAX_PARAM_VALUE_LENGTH;

		private long maxBodySize = DEFAULT_MAX_BODY_SIZE;

		private long maxBufferedInput = DEFAULT_MAX_BUFFERED_INPUT;

		private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

		private Duration paramsTimeout = DEFAULT_PARAMS_TIMEOUT;

		private Map<String, String> environ = Map.of();

		private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;

		private Builder() {
		}

		public Builder bindAddress(BindAddress v) {
			this.bindAddress = v;
			return this;
		}

		public Builder multiplexed(boolean v) {
			this.multiplexed = v;
			return this;
		}

		public Builder maxWrite(int v) {
			this.maxWrite = v;
			return this;
		}

		public Builder multithreaded(boolean v) {
			this.multithreaded = v;
			return this;
		}

		public Builder threads(int v) {
			this.threads = v;
			return this;
		}

		public Builder virtualThreads(boolean v) {
			this.virtualThreads = v;
			return this;
		}

		public Builder eventLoop(boolean v) {
			this.eventLoop = v;
			return this;
		}

		public Builder maxConnections(int v) {
			this.maxConnections = v;
			return this;
		}

		public Builder maxRequests(int v) {
			this.maxRequests = v;
			return this;
		}

		public Builder maxRequestsPerConnection(int v) {
			this.maxRequestsPerConnection = v;
			return this;
		}

		public Builder backlog(int v) {
			this.backlog = v;
			return this;
		}

		public Builder allowedAddresses(List<String> v) {
			this.allowedAddresses = v;
			return this;
		}

		public Builder unixSocketPermissions(String v) {
			this.unixSocketPermissions = v;
			return this;
		}

		public Builder idleTimeout(Duration v) {
			this.idleTimeout = v;
			return this;
		}

		public Builder readTimeout(Duration v) {
			this.readTimeout = v;
			return this;
		}

		public Builder writeTimeout(Duration v) {
			this.writeTimeout = v;
			return this;
		}

		public Builder inputSpillThreshold(long v) {
			this.inputSpillThreshold = v;
			return this;
		}

		public Builder spillDirectory(Path v) {
			this.spillDirectory = v;
			return this;
		}

		public Builder maxParamsSize(int v) {
			this.maxParamsSize = v;
			return this;
		}

		public Builder maxParams(int v) {
			this.maxParams = v;
			return this;
		}

		public Builder maxParamNameLength(int v) {
			this.maxParamNameLength = v;
			return this;
		}

		public Builder maxParamValueLength(int v) {
			this.maxParamValueLength = v;
			return this;
		}

		public Builder maxBodySize(long v) {
			this.maxBodySize = v;
			return this;
		}

		public Builder maxBufferedInput(long v) {
			this.maxBufferedInput = v;
			return this;
		}

		public Builder requestTimeout(Duration v) {
			this.requestTimeout = v;
			return this;
		}

		public Builder paramsTimeout(Duration v) {
			this.paramsTimeout = v;
			return this;
		}

		public Builder environ(Map<String, String> v) {
			this.environ = v;
			return this;
		}

		public Builder shutdownTimeout(Duration v) {
			this.shutdownTimeout = v;
			return this;
		}

		/** @throws IllegalArgumentException naming the property when a value is out of range */
		public ServerConfig build() {
			return new ServerConfig(this);
		}

	}

}
