package dev.fastcgi.client;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.fastcgi.protocol.FastCgi;

/**
 * A FastCGI client: the web server's side of the protocol, for tests and smoke checks. It connects to a TCP address
 * or a Unix domain socket, sends requests the way nginx does (BEGIN_REQUEST, PARAMS, STDIN; see
 * {@link FastCgiRequest}) and collects the responses.
 * <ul>
 * <li>{@link #execute} sends one request and waits for its FCGI_END_REQUEST;</li>
 * <li>{@link #executeAll} multiplexes several requests on one connection, interleaving their records;</li>
 * <li>{@link #open} returns a {@link ClientExchange} that reads stdout as it arrives and can abort;</li>
 * <li>{@link #getValues} asks for management variables.</li>
 * </ul>
 * With {@link Builder#keepConn(boolean) keepConn} the client sets FCGI_KEEP_CONN and reuses its connection while the
 * server keeps it open; otherwise every request uses a new connection. Request bodies are streamed, so a body of any
 * size costs constant memory; responses are held in memory (use {@link #open} for large downloads).
 * <p>
 * Methods are synchronized; one thread at a time uses the connection. Bytes arriving while the client still writes
 * a request body are read and kept, so a server that answers before reading the whole body cannot deadlock it.
 */
public final class FastCgiClient implements AutoCloseable {

	/** Default time allowed to connect. */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

	/** Default time allowed without any progress while reading or writing. */
	public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

	/** Default most content bytes per PARAMS, STDIN or DATA record: the largest multiple of 8 below 65536. */
	public static final int DEFAULT_MAX_RECORD_CONTENT = 65528;

	private final SocketAddress address;

	private final boolean keepConn;

	private final Duration connectTimeout;

	private final Duration readTimeout;

	private final int maxRecordContent;

	private final boolean paramsAtPairBoundaries;

	private ClientConnection connection;

	private ClientExchange openExchange;

	private int connectionsOpened;

	private boolean closed;

	private FastCgiClient(Builder builder) {
		this.address = builder.address;
		this.keepConn = builder.keepConn;
		this.connectTimeout = builder.connectTimeout;
		this.readTimeout = builder.readTimeout;
		this.maxRecordContent = builder.maxRecordContent;
		this.paramsAtPairBoundaries = builder.paramsAtPairBoundaries;
	}

	/** A client for a TCP address ({@link java.net.InetSocketAddress}) or a {@link UnixDomainSocketAddress}. */
	public static FastCgiClient create(SocketAddress address) {
		return builder(address).build();
	}

	/** A client for the Unix domain socket at {@code socketPath}. */
	public static FastCgiClient create(Path socketPath) {
		return builder(socketPath).build();
	}

	/** A builder for a TCP address or a {@link UnixDomainSocketAddress}. */
	public static Builder builder(SocketAddress address) {
		return new Builder(address);
	}

	/** A builder for the Unix domain socket at {@code socketPath}. */
	public static Builder builder(Path socketPath) {
		return new Builder(UnixDomainSocketAddress.of(socketPath));
	}

	/** The server address. */
	public SocketAddress address() {
		return this.address;
	}

	/** Whether requests set FCGI_KEEP_CONN and connections are reused. */
	public boolean isKeepConn() {
		return this.keepConn;
	}

	/** How many connections this client has opened so far (to verify reuse). */
	public synchronized int connectionsOpened() {
		return this.connectionsOpened;
	}

	/**
	 * Sends {@code request} (id 1 unless it names one) and waits for its FCGI_END_REQUEST.
	 * @throws FastCgiClientException when the server breaks the protocol or closes the connection before
	 * FCGI_END_REQUEST
	 * @throws java.net.SocketTimeoutException when the server makes no progress for the read timeout
	 */
	public synchronized FastCgiResponse execute(FastCgiRequest request) throws IOException {
		checkIdle();
		int requestId = (request.requestId() != 0) ? request.requestId() : FastCgiRequest.DEFAULT_REQUEST_ID;
		ClientConnection connection = connection();
		boolean reusable = false;
		try (RequestWriter writer = new RequestWriter(request, requestId, this.keepConn, this.maxRecordContent,
				this.paramsAtPairBoundaries)) {
			ResponseCollector collector = connection.register(requestId, false);
			sendTolerantOfEarlyEnd(connection, List.of(writer), List.of(collector));
			connection.awaitEnd(collector);
			reusable = true;
			return collector.toResponse();
		}
		finally {
			release(reusable);
		}
	}

	/**
	 * Sends several requests over one connection, their records interleaved one at a time, and returns the
	 * responses in the order of {@code requests}. Requests without an id get distinct ids 1, 2, 3... (skipping ids
	 * given explicitly). Every request sets FCGI_KEEP_CONN (else the server would close after the first response);
	 * without {@link Builder#keepConn} the connection is closed afterwards.
	 * @throws IllegalArgumentException if two requests name the same id
	 */
	public synchronized List<FastCgiResponse> executeAll(List<FastCgiRequest> requests) throws IOException {
		checkIdle();
		int[] ids = assignIds(requests);
		ClientConnection connection = connection();
		List<RequestWriter> writers = new ArrayList<>();
		List<ResponseCollector> collectors = new ArrayList<>();
		boolean reusable = false;
		try {
			for (int i = 0; i < requests.size(); i++) {
				writers.add(new RequestWriter(requests.get(i), ids[i], true, this.maxRecordContent,
						this.paramsAtPairBoundaries));
				collectors.add(connection.register(ids[i], false));
			}
			sendTolerantOfEarlyEnd(connection, writers, collectors);
			List<FastCgiResponse> responses = new ArrayList<>();
			for (ResponseCollector collector : collectors) {
				connection.awaitEnd(collector);
				responses.add(collector.toResponse());
			}
			reusable = true;
			return responses;
		}
		finally {
			writers.forEach(RequestWriter::close);
			release(reusable);
		}
	}

	/**
	 * Sends {@code request} and returns at once, so that stdout can be read as it arrives (for streaming responses)
	 * or the request aborted. Until the exchange is closed the client accepts no other call.
	 */
	public synchronized ClientExchange open(FastCgiRequest request) throws IOException {
		checkIdle();
		int requestId = (request.requestId() != 0) ? request.requestId() : FastCgiRequest.DEFAULT_REQUEST_ID;
		ClientConnection connection = connection();
		boolean sent = false;
		try (RequestWriter writer = new RequestWriter(request, requestId, this.keepConn, this.maxRecordContent,
				this.paramsAtPairBoundaries)) {
			ResponseCollector collector = connection.register(requestId, true);
			sendTolerantOfEarlyEnd(connection, List.of(writer), List.of(collector));
			this.openExchange = new ClientExchange(this, connection, collector);
			sent = true;
			return this.openExchange;
		}
		finally {
			if (!sent) {
				release(false);
			}
		}
	}

	/**
	 * Sends FCGI_GET_VALUES for {@code names} (e.g. {@link FastCgi#MAX_CONNS}, {@link FastCgi#MAX_REQS},
	 * {@link FastCgi#MPXS_CONNS}) and returns the FCGI_GET_VALUES_RESULT pairs (names the server does not know are
	 * absent).
	 * @throws FastCgiClientException if the server answers with FCGI_UNKNOWN_TYPE or closes the connection
	 */
	public synchronized Map<String, String> getValues(String... names) throws IOException {
		checkIdle();
		ClientConnection connection = connection();
		boolean reusable = false;
		try {
			Map<String, String> values = connection.getValues(names);
			reusable = true;
			return values;
		}
		finally {
			release(reusable);
		}
	}

	/** Closes the connection (an open exchange is closed with it). Idempotent. */
	@Override
	public synchronized void close() {
		this.closed = true;
		this.openExchange = null;
		closeConnection();
	}

	synchronized void exchangeFinished(ClientExchange exchange, boolean reusable) {
		if (this.openExchange == exchange) {
			this.openExchange = null;
			release(reusable);
		}
	}

	private void sendTolerantOfEarlyEnd(ClientConnection connection, List<RequestWriter> writers,
			List<ResponseCollector> collectors) throws IOException {
		try {
			connection.sendAll(writers);
		}
		catch (IOException ex) {
			// the server may answer and close before reading the whole body: keep what it answered
			connection.drainAvailable();
			if (!collectors.stream().allMatch(ResponseCollector::isEnded)) {
				throw ex;
			}
			connection.markBroken();
		}
	}

	private int[] assignIds(List<FastCgiRequest> requests) {
		Set<Integer> used = new HashSet<>();
		for (FastCgiRequest request : requests) {
			if (request.requestId() != 0 && !used.add(request.requestId())) {
				throw new IllegalArgumentException("request id " + request.requestId() + " is used twice");
			}
		}
		int[] ids = new int[requests.size()];
		int next = 1;
		for (int i = 0; i < ids.length; i++) {
			int given = requests.get(i).requestId();
			if (given != 0) {
				ids[i] = given;
				continue;
			}
			while (used.contains(next)) {
				next++;
			}
			ids[i] = next;
			used.add(next);
		}
		return ids;
	}

	private void checkIdle() {
		if (this.closed) {
			throw new IllegalStateException("the client is closed");
		}
		if (this.openExchange != null) {
			throw new IllegalStateException("an exchange opened with open() is still in progress; close it first");
		}
	}

	private ClientConnection connection() throws IOException {
		if (this.connection != null && !this.connection.isReusable()) {
			closeConnection();
		}
		if (this.connection == null) {
			this.connection = ClientConnection.open(this.address, this.connectTimeout, this.readTimeout,
					this.maxRecordContent);
			this.connectionsOpened++;
		}
		return this.connection;
	}

	private void release(boolean reusable) {
		if (!reusable || !this.keepConn) {
			closeConnection();
		}
	}

	private void closeConnection() {
		if (this.connection != null) {
			this.connection.close();
			this.connection = null;
		}
	}

	@Override
	public String toString() {
		return "FastCgiClient[" + this.address + (this.keepConn ? ", keepConn" : "") + "]";
	}

	/** Options of a {@link FastCgiClient}. */
	public static final class Builder {

		private final SocketAddress address;

		private boolean keepConn;

		private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

		private Duration readTimeout = DEFAULT_READ_TIMEOUT;

		private int maxRecordContent = DEFAULT_MAX_RECORD_CONTENT;

		private boolean paramsAtPairBoundaries = true;

		private Builder(SocketAddress address) {
			this.address = Objects.requireNonNull(address, "address");
		}

		/** Set FCGI_KEEP_CONN and reuse the connection (default false: one connection per request). */
		public Builder keepConn(boolean keepConn) {
			this.keepConn = keepConn;
			return this;
		}

		/** Time allowed to connect (default 5 s). */
		public Builder connectTimeout(Duration connectTimeout) {
			this.connectTimeout = Objects.requireNonNull(connectTimeout);
			return this;
		}

		/** Time allowed without progress while reading or writing (default 30 s). */
		public Builder readTimeout(Duration readTimeout) {
			this.readTimeout = Objects.requireNonNull(readTimeout);
			return this;
		}

		/** Most content bytes per PARAMS, STDIN or DATA record, 1..65535 (default 65528). */
		public Builder maxRecordContent(int maxRecordContent) {
			if (maxRecordContent < 1 || maxRecordContent > FastCgi.MAX_CONTENT_LENGTH) {
				throw new IllegalArgumentException("maxRecordContent " + maxRecordContent + " is out of range 1..65535");
			}
			this.maxRecordContent = maxRecordContent;
			return this;
		}

		/**
		 * Whether PARAMS records end at name-value pair boundaries when the params need several records (default
		 * true: PHP, for one, parses every PARAMS record on its own). With false, records are filled completely, so
		 * pairs straddle records, which the specification allows. A pair longer than a record straddles either way.
		 */
		public Builder paramsAtPairBoundaries(boolean paramsAtPairBoundaries) {
			this.paramsAtPairBoundaries = paramsAtPairBoundaries;
			return this;
		}

		public FastCgiClient build() {
			return new FastCgiClient(this);
		}

	}

}
