package dev.fastcgi.client;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.fastcgi.protocol.RecordHeader;
import dev.fastcgi.protocol.RecordType;

/**
 * A fake FastCGI application for client tests: accepts connections on a loopback port, reads records until a
 * request is complete (the empty STDIN of every begun request, or a management record), records what arrived, and
 * answers with whatever the test's {@link Script} returns. Content of STDIN records is counted, not kept, so huge
 * bodies cost no memory.
 */
final class ScriptedServer implements AutoCloseable {

	/** What to answer to the records of one exchange. */
	interface Script {

		/** Writes the reply; returns false to close the connection afterwards. */
		boolean reply(List<ReceivedRecord> received, OutputStream out) throws IOException;

	}

	private final ServerSocket serverSocket;

	private final Thread thread;

	private final Script script;

	private final List<ReceivedRecord> received = new CopyOnWriteArrayList<>();

	private final ByteArrayOutputStream rawBytes = new ByteArrayOutputStream();

	private final List<Throwable> failures = new CopyOnWriteArrayList<>();

	private volatile long stdinBytes;

	private volatile int connections;

	private ScriptedServer(Script script) throws IOException {
		this.script = script;
		this.serverSocket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
		this.thread = new Thread(this::acceptLoop, "scripted-fastcgi-server");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	static ScriptedServer start(Script script) throws IOException {
		return new ScriptedServer(script);
	}

	InetSocketAddress address() {
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), this.serverSocket.getLocalPort());
	}

	/** Every record received (STDIN content not kept). */
	List<ReceivedRecord> received() {
		return Collections.unmodifiableList(this.received);
	}

	/** The exact bytes received, STDIN records included while under 1 MiB in total. */
	synchronized byte[] rawBytes() {
		return this.rawBytes.toByteArray();
	}

	long stdinBytes() {
		return this.stdinBytes;
	}

	int connections() {
		return this.connections;
	}

	List<Throwable> failures() {
		return this.failures;
	}

	private void acceptLoop() {
		while (!this.serverSocket.isClosed()) {
			try (Socket socket = this.serverSocket.accept()) {
				this.connections++;
				serve(socket);
			}
			catch (IOException ex) {
				if (!this.serverSocket.isClosed()) {
					this.failures.add(ex);
				}
			}
		}
	}

	private void serve(Socket socket) throws IOException {
		DataInputStream in = new DataInputStream(socket.getInputStream());
		OutputStream out = socket.getOutputStream();
		List<ReceivedRecord> exchange = new ArrayList<>();
		List<Integer> open = new ArrayList<>();
		List<Integer> filters = new ArrayList<>();
		while (true) {
			ReceivedRecord record;
			try {
				record = readRecord(in);
			}
			catch (EOFException ex) {
				return;
			}
			exchange.add(record);
			this.received.add(record);
			RecordType type = record.recordType();
			boolean complete = false;
			if (type == RecordType.BEGIN_REQUEST) {
				open.add(record.requestId());
				if (record.content().length > 1 && record.content()[1] == 3) {
					filters.add(record.requestId());
				}
			}
			else if ((type == RecordType.STDIN && !filters.contains(record.requestId())
					|| type == RecordType.DATA) && record.header().contentLength() == 0) {
				open.remove(Integer.valueOf(record.requestId()));
				complete = open.isEmpty();
			}
			else if (type == RecordType.ABORT_REQUEST || record.requestId() == 0) {
				complete = true;
			}
			if (complete) {
				boolean keep = this.script.reply(List.copyOf(exchange), out);
				out.flush();
				exchange.clear();
				if (!keep) {
					return;
				}
			}
		}
	}

	private ReceivedRecord readRecord(DataInputStream in) throws IOException {
		byte[] header = new byte[8];
		in.readFully(header);
		RecordHeader decoded = RecordHeader.decode(ByteBuffer.wrap(header));
		byte[] content = new byte[decoded.contentLength()];
		in.readFully(content);
		in.skipNBytes(decoded.paddingLength());
		boolean stdin = decoded.type() == RecordType.STDIN.code();
		if (stdin) {
			this.stdinBytes += content.length;
		}
		synchronized (this) {
			if (this.rawBytes.size() < (1 << 20)) {
				this.rawBytes.writeBytes(header);
				this.rawBytes.writeBytes(content);
				this.rawBytes.writeBytes(new byte[decoded.paddingLength()]);
			}
		}
		return new ReceivedRecord(decoded, (stdin && content.length > 1024) ? new byte[0] : content);
	}

	@Override
	public void close() throws IOException {
		this.serverSocket.close();
		try {
			this.thread.join(5000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** A record's bytes (padded), for scripted replies. */
	static byte[] record(RecordType type, int requestId, byte[] content) {
		return RawConnection.record(type.code(), requestId, content);
	}

	/** STDOUT with {@code text} (ISO-8859-1), the empty STDOUT and END_REQUEST(appStatus, protocolStatus). */
	static byte[] response(int requestId, String text, int appStatus, int protocolStatus) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		if (!text.isEmpty()) {
			out.writeBytes(record(RecordType.STDOUT, requestId, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
		}
		out.writeBytes(record(RecordType.STDOUT, requestId, new byte[0]));
		out.writeBytes(endRequest(requestId, appStatus, protocolStatus));
		return out.toByteArray();
	}

	static byte[] endRequest(int requestId, int appStatus, int protocolStatus) {
		return record(RecordType.END_REQUEST, requestId, new byte[] { (byte) (appStatus >> 24),
				(byte) (appStatus >> 16), (byte) (appStatus >> 8), (byte) appStatus, (byte) protocolStatus, 0, 0, 0 });
	}

}
