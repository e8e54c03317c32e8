package dev.fastcgi.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.fastcgi.protocol.RecordType;

/**
 * A request sent with {@link FastCgiClient#open} whose response is read as it arrives: STDOUT record by record
 * ({@link #nextChunk()}), as a stream ({@link #stdout()}), or header block first ({@link #readHead()}). It can be
 * aborted with FCGI_ABORT_REQUEST. Close it to give the client back its connection. Not thread-safe.
 */
public final class ClientExchange implements AutoCloseable {

	private final FastCgiClient client;

	private final ClientConnection connection;

	private final ResponseCollector collector;

	private InputStream stdout;

	private boolean aborted;

	private boolean finished;

	ClientExchange(FastCgiClient client, ClientConnection connection, ResponseCollector collector) {
		this.client = client;
		this.connection = connection;
		this.collector = collector;
	}

	/** The request id. */
	public int requestId() {
		return this.collector.requestId();
	}

	/**
	 * The content of the next STDOUT record, waiting up to the read timeout for it.
	 * @return the bytes, or null once stdout has ended
	 */
	public byte[] nextChunk() throws IOException {
		this.connection.awaitChunk(this.collector);
		return this.collector.pollChunk();
	}

	/**
	 * Reads stdout up to the end of the CGI header block and parses it; the bytes after it remain for
	 * {@link #nextChunk()} and {@link #stdout()}.
	 * @throws FastCgiClientException if stdout ends before the header block does
	 */
	public CgiHead readHead() throws IOException {
		ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		while (true) {
			byte[] chunk = nextChunk();
			if (chunk == null) {
				throw new FastCgiClientException("stdout of request " + requestId()
						+ " ended before the CGI header block: '" + buffer.toString(StandardCharsets.ISO_8859_1) + "'");
			}
			buffer.writeBytes(chunk);
			byte[] bytes = buffer.toByteArray();
			CgiHead head = CgiHead.parse(bytes, bytes.length);
			if (head != null) {
				this.collector.pushBack(Arrays.copyOfRange(bytes, head.length(), bytes.length));
				return head;
			}
		}
	}

	/** Stdout as a stream that blocks until bytes arrive and ends when stdout ends. */
	public InputStream stdout() {
		if (this.stdout == null) {
			this.stdout = new ChunkInputStream();
		}
		return this.stdout;
	}

	/** FCGI_STDERR received so far, as UTF-8. */
	public String stderrSoFar() {
		return new String(this.collector.stderrSoFar(), StandardCharsets.UTF_8);
	}

	/** Sends FCGI_ABORT_REQUEST for this request (once); the server should then end it with FCGI_END_REQUEST. */
	public void abort() throws IOException {
		if (!this.aborted && !this.collector.isEnded()) {
			this.aborted = true;
			this.connection.sendRecord(RecordType.ABORT_REQUEST, requestId(), new byte[0]);
		}
	}

	/** Whether FCGI_END_REQUEST has arrived. */
	public boolean isEnded() {
		return this.collector.isEnded();
	}

	/**
	 * Waits for FCGI_END_REQUEST and returns the response; its stdout holds only the bytes not consumed yet through
	 * {@link #nextChunk()}, {@link #readHead()} or {@link #stdout()}.
	 */
	public FastCgiResponse awaitEnd() throws IOException {
		boolean reusable = false;
		try {
			this.connection.awaitEnd(this.collector);
			reusable = true;
			return this.collector.toResponse();
		}
		finally {
			finish(reusable);
		}
	}

	/**
	 * Ends the exchange: if FCGI_END_REQUEST has not arrived, aborts the request and waits for it (up to the read
	 * timeout), discarding output; on any failure the connection is closed.
	 */
	@Override
	public void close() throws IOException {
		if (this.finished) {
			return;
		}
		boolean reusable = false;
		try {
			if (this.connection.isBroken()) {
				return;
			}
			if (!this.collector.isEnded()) {
				abort();
				this.connection.awaitEnd(this.collector);
			}
			reusable = true;
		}
		finally {
			finish(reusable);
		}
	}

	private void finish(boolean reusable) {
		if (!this.finished) {
			this.finished = true;
			this.client.exchangeFinished(this, reusable);
		}
	}

	/** Stdout chunks as an InputStream. */
	private final class ChunkInputStream extends InputStream {

		private byte[] current = new byte[0];

		private int offset;

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) < 0) ? -1 : (one[0] & 0xFF);
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			if (len == 0) {
				return 0;
			}
			while (this.offset == this.current.length) {
				byte[] next = nextChunk();
				if (next == null) {
					return -1;
				}
				this.current = next;
				this.offset = 0;
			}
			int n = Math.min(len, this.current.length - this.offset);
			System.arraycopy(this.current, this.offset, b, off, n);
			this.offset += n;
			return n;
		}

	}

}
