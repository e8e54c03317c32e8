package dev.fastcgi.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.RecordDecoder;
import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

/**
 * A raw FastCGI test peer built on the codec: writes records byte for byte and reads records back, with a timeout
 * on every read so a test can never hang.
 */
final class RawClient implements AutoCloseable {

	static final long TIMEOUT_MILLIS = 10_000;

	private final SocketChannel channel;

	private final RecordDecoder decoder;

	private final Deque<Rec> received = new ArrayDeque<>();

	private final ByteBuffer readBuffer = ByteBuffer.allocate(256 * 1024);

	private final java.util.concurrent.ExecutorService reader = Executors.newSingleThreadExecutor((r) -> {
		Thread t = new Thread(r, "test-raw-client-reader");
		t.setDaemon(true);
		return t;
	});

	/** Sizes of the socket reads that returned data (to check one-write responses). */
	final List<Integer> readSizes = new ArrayList<>();

	private boolean eof;

	/** A decoded record. */
	record Rec(int type, int requestId, byte[] content, int paddingLength) {

		RecordType recordType() {
			return RecordType.fromCode(this.type);
		}

		String text() {
			return new String(this.content, StandardCharsets.ISO_8859_1);
		}

		int appStatus() {
			return ByteBuffer.wrap(this.content).getInt(0);
		}

		int protocolStatus() {
			return this.content[4] & 0xFF;
		}

		@Override
		public String toString() {
			return "Rec[" + recordType() + " id=" + this.requestId + " len=" + this.content.length + "]";
		}

	}

	/** The full answer to one request. */
	record Response(int requestId, String stdout, String stderr, boolean stderrEnded, Rec end, List<Rec> records) {

		int appStatus() {
			return this.end.appStatus();
		}

		int protocolStatus() {
			return this.end.protocolStatus();
		}

	}

	private RawClient(SocketChannel channel) {
		this.channel = channel;
		this.decoder = new RecordDecoder((type, requestId, padding, content) -> {
			byte[] bytes = new byte[content.remaining()];
			content.get(bytes);
			this.received.add(new Rec(type, requestId, bytes, padding));
			return true;
		});
	}

	static RawClient connect(FastCgiServer server) throws IOException {
		return connect(server.boundAddress());
	}

	static RawClient connect(SocketAddress address) throws IOException {
		SocketChannel channel;
		if (address instanceof UnixDomainSocketAddress) {
			channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			channel.connect(address);
		}
		else {
			InetSocketAddress inet = (InetSocketAddress) address;
			if (inet.getAddress().isAnyLocalAddress()) {
				inet = new InetSocketAddress("127.0.0.1", inet.getPort());
			}
			channel = SocketChannel.open(inet);
		}
		return new RawClient(channel);
	}

	static RawClient wrap(SocketChannel channel) {
		return new RawClient(channel);
	}

	// ---- writing ---------------------------------------------------------------------------------------------

	RawClient send(byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			this.channel.write(buffer);
		}
		return this;
	}

	static byte[] record(RecordType type, int id, byte[] content) {
		ByteBuffer out = ByteBuffer.allocate(RecordEncoder.recordLength(content.length));
		RecordEncoder.writeRecord(out, type, id, content, 0, content.length);
		return out.array();
	}

	static byte[] rawRecord(int version, int type, int id, byte[] content, int padding) {
		ByteBuffer out = ByteBuffer.allocate(8 + content.length + padding);
		out.put((byte) version).put((byte) type).putShort((short) id).putShort((short) content.length)
			.put((byte) padding).put((byte) 0).put(content);
		return out.array();
	}

	static byte[] begin(int id, int role, boolean keepConn) {
		ByteBuffer out = ByteBuffer.allocate(16);
		RecordEncoder.writeBeginRequest(out, id, role, keepConn ? FastCgi.KEEP_CONN : 0);
		return out.array();
	}

	static byte[] params(int id, Map<String, String> params) {
		byte[] body = NameValuePairs.encode(params);
		ByteBuffer out = ByteBuffer.allocate(RecordEncoder.streamLength(body.length, 65535) + 8);
		RecordEncoder.writeStream(out, RecordType.PARAMS, id, body, 0, body.length, 65535);
		RecordEncoder.writeEmpty(out, RecordType.PARAMS, id);
		return java.util.Arrays.copyOf(out.array(), out.position());
	}

	static byte[] stdin(int id, byte[] body, boolean end) {
		ByteBuffer out = ByteBuffer.allocate(RecordEncoder.streamLength(body.length, 65535) + 8);
		RecordEncoder.writeStream(out, RecordType.STDIN, id, body, 0, body.length, 65535);
		if (end) {
			RecordEncoder.writeEmpty(out, RecordType.STDIN, id);
		}
		return java.util.Arrays.copyOf(out.array(), out.position());
	}

	static byte[] empty(RecordType type, int id) {
		return record(type, id, new byte[0]);
	}

	static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	/** Sends BEGIN, PARAMS and the whole STDIN of a responder request. */
	RawClient request(int id, boolean keepConn, Map<String, String> params, byte[] body) throws IOException {
		return send(concat(begin(id, Role.RESPONDER.code(), keepConn), params(id, params), stdin(id, body, true)));
	}

	// ---- reading ---------------------------------------------------------------------------------------------

	/** The next record, or null at end of stream. Fails after {@link #TIMEOUT_MILLIS}. */
	Rec next() throws IOException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
		while (this.received.isEmpty()) {
			if (this.eof) {
				return null;
			}
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				throw new SocketTimeoutException("no record within " + TIMEOUT_MILLIS + " ms");
			}
			fill(left);
		}
		return this.received.poll();
	}

	private void fill(long timeoutNanos) throws IOException {
		this.readBuffer.clear();
		Future<Integer> read = this.reader.submit(() -> this.channel.read(this.readBuffer));
		int n;
		try {
			n = read.get(timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (java.util.concurrent.TimeoutException ex) {
			read.cancel(true);
			throw new SocketTimeoutException("no bytes within " + TIMEOUT_MILLIS + " ms");
		}
		catch (java.util.concurrent.ExecutionException ex) {
			if (ex.getCause() instanceof IOException io) {
				// a reset counts as end of stream for the tests
				this.eof = true;
				return;
			}
			throw new IOException(ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException(ex);
		}
		if (n < 0) {
			this.eof = true;
			return;
		}
		this.readSizes.add(n);
		this.readBuffer.flip();
		try {
			this.decoder.decode(this.readBuffer);
		}
		catch (ProtocolException ex) {
			throw new IOException("server sent malformed records: " + ex.getMessage(), ex);
		}
	}

	/** Reads records until END_REQUEST for {@code id}; other ids' records are kept for later calls. */
	Response response(int id) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		List<Rec> records = new ArrayList<>();
		boolean stderrEnded = false;
		Deque<Rec> others = new ArrayDeque<>();
		try {
			while (true) {
				Rec rec = next();
				if (rec == null) {
					throw new IOException("connection closed before END_REQUEST for request " + id + "; got "
							+ records);
				}
				if (rec.requestId() != id) {
					others.add(rec);
					continue;
				}
				records.add(rec);
				switch (rec.recordType()) {
					case STDOUT -> out.writeBytes(rec.content());
					case STDERR -> {
						err.writeBytes(rec.content());
						stderrEnded |= rec.content().length == 0;
					}
					case END_REQUEST -> {
						return new Response(id, out.toString(StandardCharsets.ISO_8859_1),
								err.toString(StandardCharsets.ISO_8859_1), stderrEnded, rec, records);
					}
					default -> throw new IOException("unexpected record " + rec);
				}
			}
		}
		finally {
			while (!others.isEmpty()) {
				this.received.addFirst(others.pollLast());
			}
		}
	}

	/** Whether the server closed the connection (end of stream or reset) within the timeout. */
	boolean closedByServer() throws IOException {
		while (true) {
			Rec rec = next();
			if (rec == null) {
				return true;
			}
		}
	}

	/** An OutputStream over the socket (for streaming uploads). */
	java.io.OutputStream outputStream() {
		return Channels.newOutputStream(this.channel);
	}

	SocketChannel channel() {
		return this.channel;
	}

	@Override
	public void close() throws IOException {
		this.reader.shutdownNow();
		this.channel.close();
	}

}
