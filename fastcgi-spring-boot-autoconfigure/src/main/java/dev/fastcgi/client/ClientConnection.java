package dev.fastcgi.client;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.RecordDecoder;
import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordHeader;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.UnknownTypeBody;

/**
 * One connection of a {@link FastCgiClient}: sends requests record by record and dispatches the records that come
 * back to the {@link ResponseCollector} of their request id. Everything happens on the calling thread; reads
 * happen while waiting for a response and while a write is blocked. Not thread-safe.
 */
final class ClientConnection implements Closeable {

	private static final int WRITE_BUFFER_SIZE = 2 * FastCgi.MAX_RECORD_LENGTH;

	private final Transport transport;

	private final Duration readTimeout;

	private final int maxContent;

	private final RecordDecoder decoder;

	private final ByteBuffer readBuffer = ByteBuffer.allocate(FastCgi.MAX_RECORD_LENGTH + 1024);

	private final ByteBuffer writeBuffer = ByteBuffer.allocate(WRITE_BUFFER_SIZE);

	private final Map<Integer, ResponseCollector> active = new HashMap<>();

	private Map<String, String> valuesResult;

	private int unknownTypeReply = -1;

	private boolean broken;

	ClientConnection(Transport transport, Duration readTimeout, int maxContent) {
		this.transport = transport;
		this.readTimeout = readTimeout;
		this.maxContent = maxContent;
		this.decoder = new RecordDecoder(this::dispatch);
	}

	static ClientConnection open(SocketAddress address, Duration connectTimeout, Duration readTimeout, int maxContent)
			throws IOException {
		return new ClientConnection(Transport.connect(address, connectTimeout), readTimeout, maxContent);
	}

	/**
	 * Whether the connection can carry another request: open, not broken by an error, and not closed by the
	 * server (checked without waiting).
	 */
	boolean isReusable() throws IOException {
		if (this.broken || !this.transport.isOpen() || !this.active.isEmpty()) {
			return false;
		}
		int n = this.transport.readNow(this.readBuffer);
		if (n > 0) {
			feedReadBuffer();
		}
		return !this.transport.isInputEnded();
	}

	/** Registers a request id that responses may arrive for. */
	ResponseCollector register(int requestId, boolean streaming) throws FastCgiClientException {
		if (this.active.containsKey(requestId)) {
			throw new FastCgiClientException("request id " + requestId + " is already active on this connection");
		}
		ResponseCollector collector = new ResponseCollector(requestId, streaming);
		this.active.put(requestId, collector);
		return collector;
	}

	/** Sends every record of one request. */
	void send(RequestWriter writer) throws IOException {
		sendAll(List.of(writer));
	}

	/** Sends the records of several requests, interleaved one record at a time (round robin). */
	void sendAll(Collection<RequestWriter> writers) throws IOException {
		this.writeBuffer.clear();
		boolean more = true;
		while (more) {
			more = false;
			for (RequestWriter writer : writers) {
				if (writer.isDone()) {
					continue;
				}
				if (this.writeBuffer.remaining() < FastCgi.MAX_RECORD_LENGTH) {
					flush();
				}
				writer.writeNext(this.writeBuffer);
				more |= !writer.isDone();
			}
		}
		flush();
	}

	/** Sends one record (used for ABORT_REQUEST and GET_VALUES). */
	void sendRecord(RecordType type, int requestId, byte[] content) throws IOException {
		this.writeBuffer.clear();
		RecordEncoder.writeRecord(this.writeBuffer, type, requestId, content, 0, content.length);
		flush();
	}

	private void flush() throws IOException {
		this.writeBuffer.flip();
		try {
			this.transport.write(this.writeBuffer, this.readTimeout, this.readBuffer, (bytes) -> feed(bytes));
		}
		catch (IOException ex) {
			this.broken = true;
			throw ex;
		}
		finally {
			this.writeBuffer.clear();
		}
	}

	/** Reads and dispatches until {@code collector}'s END_REQUEST arrives. */
	void awaitEnd(ResponseCollector collector) throws IOException {
		while (!collector.isEnded()) {
			readOnce(collector);
		}
	}

	/** Reads and dispatches until a stdout chunk is queued for {@code collector} or its stdout is exhausted. */
	void awaitChunk(ResponseCollector collector) throws IOException {
		while (!collector.hasChunk() && !collector.isStdoutExhausted()) {
			readOnce(collector);
		}
	}

	/** Sends GET_VALUES and waits for GET_VALUES_RESULT. */
	Map<String, String> getValues(String... names) throws IOException {
		Map<String, String> query = new LinkedHashMap<>();
		for (String name : names) {
			query.put(name, "");
		}
		this.valuesResult = null;
		this.unknownTypeReply = -1;
		sendRecord(RecordType.GET_VALUES, FastCgi.NULL_REQUEST_ID, NameValuePairs.encode(query));
		while (this.valuesResult == null) {
			if (this.unknownTypeReply >= 0) {
				throw new FastCgiClientException("The server answered GET_VALUES with UNKNOWN_TYPE ("
						+ this.unknownTypeReply + ")");
			}
			readOnce(null);
		}
		return this.valuesResult;
	}

	private void readOnce(ResponseCollector waitingFor) throws IOException {
		int n;
		try {
			n = this.transport.read(this.readBuffer, this.readTimeout);
		}
		catch (IOException ex) {
			this.broken = true;
			throw ex;
		}
		if (n < 0) {
			this.broken = true;
			throw new FastCgiClientException("The server closed the connection before "
					+ ((waitingFor != null) ? "END_REQUEST for request " + waitingFor.requestId() + " ("
							+ waitingFor.progress() + ")" : "answering GET_VALUES")
					+ (this.decoder.isAtRecordBoundary() ? "" : "; the last record was cut short"));
		}
		feedReadBuffer();
	}

	private void feedReadBuffer() throws IOException {
		this.readBuffer.flip();
		feed(this.readBuffer);
		this.readBuffer.compact();
	}

	private void feed(ByteBuffer bytes) throws IOException {
		try {
			this.decoder.decode(bytes);
		}
		catch (ViolationCarrier ex) {
			this.broken = true;
			throw ex.violation();
		}
		catch (ProtocolException ex) {
			this.broken = true;
			throw new FastCgiClientException("Malformed record from the server: " + ex.getMessage(), ex);
		}
	}

	private boolean dispatch(int type, int requestId, int paddingLength, ByteBuffer content)
			throws ProtocolException {
		RecordHeader header = new RecordHeader(FastCgi.VERSION_1, type, requestId, content.remaining(),
				paddingLength);
		try {
			if (header.requestId() == FastCgi.NULL_REQUEST_ID) {
				onManagementRecord(header, content);
				return true;
			}
			ResponseCollector collector = this.active.get(header.requestId());
			if (collector == null) {
				throw new FastCgiClientException("Protocol violation by the server: a "
						+ ResponseCollector.describe(header.type()) + " record for request id " + header.requestId()
						+ ", which is not active on this connection (active: " + this.active.keySet() + ")");
			}
			collector.onRecord(header, content);
			if (collector.isEnded()) {
				this.active.remove(header.requestId());
			}
			return true;
		}
		catch (FastCgiClientException ex) {
			throw new ViolationCarrier(ex);
		}
	}

	private void onManagementRecord(RecordHeader header, ByteBuffer content) throws ProtocolException,
			FastCgiClientException {
		if (header.type() == RecordType.GET_VALUES_RESULT.code()) {
			this.valuesResult = NameValuePairs.decode(content);
		}
		else if (header.type() == RecordType.UNKNOWN_TYPE.code()) {
			this.unknownTypeReply = UnknownTypeBody.decode(content).type();
		}
		else {
			throw new FastCgiClientException("Protocol violation by the server: a management record of type "
					+ ResponseCollector.describe(header.type()) + " (only GET_VALUES_RESULT and UNKNOWN_TYPE are valid)");
		}
	}

	/**
	 * Reads and dispatches whatever already arrived, without waiting (after a failed write, to pick up an answer the
	 * server sent before it stopped reading). Errors are ignored.
	 */
	void drainAvailable() {
		try {
			while (this.readBuffer.hasRemaining() && this.transport.readNow(this.readBuffer) > 0) {
				feedReadBuffer();
			}
		}
		catch (IOException ex) {
			// what arrived was dispatched; the caller reports the original failure
		}
	}

	/** Whether an error made the connection unusable. */
	boolean isBroken() {
		return this.broken;
	}

	/** Marks the connection unusable for further requests. */
	void markBroken() {
		this.broken = true;
	}

	@Override
	public void close() {
		this.transport.close();
	}

	/** Carries a client exception through the decoder's listener, which may only throw ProtocolException. */
	static final class ViolationCarrier extends ProtocolException {

		private final FastCgiClientException violation;

		ViolationCarrier(FastCgiClientException violation) {
			super("violation", violation.getMessage());
			this.violation = violation;
		}

		FastCgiClientException violation() {
			return this.violation;
		}

	}

}
