package dev.fastcgi.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.RecordHeader;
import dev.fastcgi.protocol.RecordType;

/**
 * A socket speaking raw records, for protocol tests: write any bytes (malformed ones included) or well-formed
 * records, and read whatever records come back, one at a time, with a timeout. Headers are encoded and decoded here
 * by hand, so this class works even against a peer (or codec) that gets them wrong. Not thread-safe.
 */
public final class RawConnection implements AutoCloseable {

	/** Default time {@link #readRecord()} waits. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	private final Transport transport;

	private final Duration timeout;

	private final ByteBuffer in = ByteBuffer.allocate(FastCgi.MAX_RECORD_LENGTH * 2);

	private boolean closedByPeer;

	private RawConnection(Transport transport, Duration timeout) {
		this.transport = transport;
		this.timeout = timeout;
	}

	/** Connects to a TCP address or {@link UnixDomainSocketAddress} with the default timeout. */
	public static RawConnection open(SocketAddress address) throws IOException {
		return open(address, DEFAULT_TIMEOUT);
	}

	/** Connects with {@code timeout} for connecting and as the default read timeout. */
	public static RawConnection open(SocketAddress address, Duration timeout) throws IOException {
		return new RawConnection(Transport.connect(address, timeout), timeout);
	}

	/** Connects to the Unix domain socket at {@code path}. */
	public static RawConnection open(Path path) throws IOException {
		return open(UnixDomainSocketAddress.of(path));
	}

	/** Encodes one version-1 record, padded to a multiple of 8 (content at most 65535 bytes). */
	public static byte[] record(int type, int requestId, byte[] content) {
		return record(FastCgi.VERSION_1, type, requestId, content, FastCgi.paddingFor(content.length));
	}

	/** Encodes one record with any version and padding (the lengths are truncated to their 16 and 8 bits). */
	public static byte[] record(int version, int type, int requestId, byte[] content, int paddingLength) {
		byte[] bytes = new byte[FastCgi.HEADER_LENGTH + content.length + paddingLength];
		bytes[0] = (byte) version;
		bytes[1] = (byte) type;
		bytes[2] = (byte) (requestId >> 8);
		bytes[3] = (byte) requestId;
		bytes[4] = (byte) (content.length >> 8);
		bytes[5] = (byte) content.length;
		bytes[6] = (byte) paddingLength;
		System.arraycopy(content, 0, bytes, FastCgi.HEADER_LENGTH, content.length);
		return bytes;
	}

	/** The content of FCGI_BEGIN_REQUEST. */
	public static byte[] beginRequestBody(int role, int flags) {
		return new byte[] { (byte) (role >> 8), (byte) role, (byte) flags, 0, 0, 0, 0, 0 };
	}

	/** Writes raw bytes as they are. */
	public void write(byte[] bytes) throws IOException {
		this.transport.write(ByteBuffer.wrap(bytes), this.timeout, null, null);
	}

	/** Writes one record padded to a multiple of 8. */
	public void writeRecord(int type, int requestId, byte[] content) throws IOException {
		write(record(type, requestId, content));
	}

	/** Writes one record padded to a multiple of 8. */
	public void writeRecord(RecordType type, int requestId, byte[] content) throws IOException {
		writeRecord(type.code(), requestId, content);
	}

	/** Writes FCGI_BEGIN_REQUEST. */
	public void writeBeginRequest(int requestId, int role, int flags) throws IOException {
		writeRecord(RecordType.BEGIN_REQUEST, requestId, beginRequestBody(role, flags));
	}

	/**
	 * Writes {@code params} (UTF-8) as PARAMS records of at most {@link FastCgiClient#DEFAULT_MAX_RECORD_CONTENT}
	 * bytes, then the empty PARAMS record.
	 */
	public void writeParams(int requestId, Map<String, String> params) throws IOException {
		writeStream(RecordType.PARAMS, requestId, RequestWriter.encodeParams(params));
		writeRecord(RecordType.PARAMS, requestId, new byte[0]);
	}

	/** Writes {@code content} as records of {@code type} (no end-of-stream record; none at all if empty). */
	public void writeStream(RecordType type, int requestId, byte[] content) throws IOException {
		int max = FastCgiClient.DEFAULT_MAX_RECORD_CONTENT;
		for (int offset = 0; offset < content.length; offset += max) {
			int n = Math.min(max, content.length - offset);
			byte[] part = new byte[n];
			System.arraycopy(content, offset, part, 0, n);
			writeRecord(type, requestId, part);
		}
	}

	/** Writes an empty record of {@code type}: the end of that stream. */
	public void writeEnd(RecordType type, int requestId) throws IOException {
		writeRecord(type, requestId, new byte[0]);
	}

	/** Writes FCGI_ABORT_REQUEST. */
	public void writeAbort(int requestId) throws IOException {
		writeRecord(RecordType.ABORT_REQUEST, requestId, new byte[0]);
	}

	/**
	 * Writes a whole RESPONDER request: BEGIN_REQUEST, params, empty PARAMS, {@code stdin} records and the empty
	 * STDIN.
	 */
	public void writeRequest(int requestId, int flags, Map<String, String> params, byte[] stdin) throws IOException {
		writeBeginRequest(requestId, 1, flags);
		writeParams(requestId, params);
		writeStream(RecordType.STDIN, requestId, stdin);
		writeEnd(RecordType.STDIN, requestId);
	}

	/** Reads the next record, waiting up to the default timeout; null when the peer closed the connection. */
	public ReceivedRecord readRecord() throws IOException {
		return readRecord(this.timeout);
	}

	/**
	 * Reads the next record.
	 * @return the record, or null if the peer closed (or reset) the connection at a record boundary
	 * @throws SocketTimeoutException when no whole record arrives within {@code timeout}
	 * @throws EOFException when the connection ends inside a record
	 */
	public ReceivedRecord readRecord(Duration timeout) throws IOException {
		long deadline = Transport.deadline(timeout);
		while (true) {
			ReceivedRecord record = parseBuffered();
			if (record != null) {
				return record;
			}
			if (this.closedByPeer) {
				if (this.in.position() > 0) {
					throw new EOFException("connection closed inside a record (" + this.in.position()
							+ " bytes of it received)");
				}
				return null;
			}
			long remaining = Transport.remainingMillis(deadline);
			if (remaining <= 0) {
				throw new SocketTimeoutException("no whole record within " + timeout.toMillis() + " ms ("
						+ this.in.position() + " bytes buffered)");
			}
			if (this.transport.read(this.in, Duration.ofMillis(remaining)) < 0) {
				this.closedByPeer = true;
			}
		}
	}

	/**
	 * Reads records until FCGI_END_REQUEST for {@code requestId} (included), failing on EOF or timeout.
	 */
	public List<ReceivedRecord> readUntilEndRequest(int requestId) throws IOException {
		List<ReceivedRecord> records = new ArrayList<>();
		while (true) {
			ReceivedRecord record = readRecord();
			if (record == null) {
				throw new EOFException("connection closed before END_REQUEST for request " + requestId + " after "
						+ records);
			}
			records.add(record);
			if (record.type() == RecordType.END_REQUEST.code() && record.requestId() == requestId) {
				return records;
			}
		}
	}

	/**
	 * Whether the peer closed the connection, checking without waiting (bytes that arrived are kept for
	 * {@link #readRecord()}).
	 */
	public boolean isClosedByPeer() throws IOException {
		if (!this.closedByPeer && this.in.hasRemaining() && this.transport.readNow(this.in) < 0) {
			this.closedByPeer = true;
		}
		return this.closedByPeer;
	}

	/**
	 * Waits up to {@code timeout} for the peer to close the connection, discarding any records that arrive.
	 * @return true if it closed, false if it was still open at the deadline
	 */
	public boolean awaitClosedByPeer(Duration timeout) throws IOException {
		long deadline = Transport.deadline(timeout);
		while (!this.closedByPeer) {
			this.in.clear();
			long remaining = Transport.remainingMillis(deadline);
			if (remaining <= 0) {
				return false;
			}
			try {
				if (this.transport.read(this.in, Duration.ofMillis(remaining)) < 0) {
					this.closedByPeer = true;
				}
			}
			catch (SocketTimeoutException ex) {
				return false;
			}
		}
		this.in.clear();
		return true;
	}

	/** Half-closes: sends FIN, keeps reading. */
	public void shutdownOutput() throws IOException {
		this.transport.shutdownOutput();
	}

	/** The local address of this connection. */
	public SocketAddress localAddress() {
		return this.transport.localAddress();
	}

	@Override
	public void close() {
		this.transport.close();
	}

	private ReceivedRecord parseBuffered() {
		int available = this.in.position();
		if (available < FastCgi.HEADER_LENGTH) {
			return null;
		}
		byte[] buffer = this.in.array();
		RecordHeader header = RecordHeader.decode(ByteBuffer.wrap(buffer, 0, FastCgi.HEADER_LENGTH));
		int contentLength = header.contentLength();
		int total = FastCgi.HEADER_LENGTH + contentLength + header.paddingLength();
		if (available < total) {
			return null;
		}
		byte[] content = new byte[contentLength];
		System.arraycopy(buffer, FastCgi.HEADER_LENGTH, content, 0, contentLength);
		this.in.flip();
		this.in.position(total);
		this.in.compact();
		return new ReceivedRecord(header, content);
	}

}
