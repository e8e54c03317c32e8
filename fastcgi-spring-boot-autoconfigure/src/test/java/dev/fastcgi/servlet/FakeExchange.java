package dev.fastcgi.servlet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.server.RequestAbortedException;

/**
 * An in-memory {@link FastCgiExchange} standing in for the engine: params as given, stdin from bytes, stdout
 * recorded with its flush boundaries, completion observable with a latch, abort on demand.
 */
final class FakeExchange implements FastCgiExchange {

	private final Map<String, String> params;

	private final InputStream stdin;

	private final RecordingOutput stdout = new RecordingOutput();

	private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

	private final CountDownLatch completed = new CountDownLatch(1);

	private final List<Consumer<IOException>> abortCallbacks = new CopyOnWriteArrayList<>();

	private volatile int appStatus;

	private volatile boolean deferred;

	private volatile boolean aborted;

	private volatile IOException abortCause;

	FakeExchange(Map<String, String> params, byte[] body) {
		this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
		this.stdin = new AbortableInput(new ByteArrayInputStream(body));
	}

	FakeExchange(Map<String, String> params, InputStream stdin) {
		this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
		this.stdin = stdin;
	}

	/** Runs the handler as the engine would: completes unless the handler deferred completion. */
	FakeExchange run(FastCgiServletContainer container) {
		try {
			container.handle(this);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Handler threw", ex);
		}
		if (!this.deferred) {
			complete(this.appStatus);
		}
		return this;
	}

	/** Waits for completion (async requests). */
	FakeExchange await(Duration timeout) {
		try {
			if (!this.completed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new IllegalStateException("Request did not complete within " + timeout + "; output so far:\n"
						+ new String(this.stdout.bytes(), StandardCharsets.ISO_8859_1));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		return this;
	}

	CgiResponse response() {
		return CgiResponse.parse(this.stdout.bytes());
	}

	/** The stdout chunks, split where the application flushed. */
	List<String> flushedChunks() {
		return this.stdout.chunks();
	}

	boolean isDeferred() {
		return this.deferred;
	}

	void abort() {
		this.aborted = true;
		this.abortCause = new RequestAbortedException("FCGI_ABORT_REQUEST");
		for (Consumer<IOException> callback : this.abortCallbacks) {
			callback.accept(this.abortCause);
		}
	}

	@Override
	public int requestId() {
		return 1;
	}

	@Override
	public Role role() {
		return Role.RESPONDER;
	}

	@Override
	public boolean keepConnection() {
		return true;
	}

	@Override
	public Map<String, String> params() {
		return this.params;
	}

	@Override
	public InputStream stdin() {
		return this.stdin;
	}

	@Override
	public InputStream data() {
		return InputStream.nullInputStream();
	}

	@Override
	public OutputStream stdout() {
		return this.stdout;
	}

	@Override
	public OutputStream stderr() {
		return this.stderr;
	}

	@Override
	public int appStatus() {
		return this.appStatus;
	}

	@Override
	public void setAppStatus(int appStatus) {
		this.appStatus = appStatus;
	}

	@Override
	public boolean isAborted() {
		return this.aborted;
	}

	@Override
	public boolean isCompleted() {
		return this.completed.getCount() == 0;
	}

	@Override
	public void deferCompletion() {
		this.deferred = true;
	}

	@Override
	public void complete(int appStatus) {
		if (this.completed.getCount() > 0) {
			this.appStatus = appStatus;
			this.stdout.closed = true;
			this.completed.countDown();
		}
	}

	@Override
	public void onAbort(Consumer<IOException> callback) {
		if (this.aborted) {
			callback.accept(this.abortCause);
		}
		else {
			this.abortCallbacks.add(callback);
		}
	}

	@Override
	public SocketAddress remoteAddress() {
		return new InetSocketAddress("127.0.0.1", 40000);
	}

	@Override
	public SocketAddress localAddress() {
		return new InetSocketAddress("127.0.0.1", 9000);
	}

	@Override
	public long connectionId() {
		return 7;
	}

	private final class AbortableInput extends InputStream {

		private final InputStream in;

		AbortableInput(InputStream in) {
			this.in = in;
		}

		@Override
		public int read() throws IOException {
			check();
			return this.in.read();
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			check();
			return this.in.read(b, off, len);
		}

		private void check() throws IOException {
			if (FakeExchange.this.aborted) {
				throw FakeExchange.this.abortCause;
			}
		}

	}

	/** Records bytes and the boundaries of flushes; drops writes after abort like the engine. */
	private final class RecordingOutput extends OutputStream {

		private final ByteArrayOutputStream all = new ByteArrayOutputStream();

		private final List<String> chunks = new ArrayList<>();

		private int flushedUpTo;

		private volatile boolean closed;

		@Override
		public synchronized void write(int b) {
			if (!FakeExchange.this.aborted && !this.closed) {
				this.all.write(b);
			}
		}

		@Override
		public synchronized void write(byte[] b, int off, int len) {
			if (!FakeExchange.this.aborted && !this.closed) {
				this.all.write(b, off, len);
			}
		}

		@Override
		public synchronized void flush() {
			byte[] bytes = this.all.toByteArray();
			if (bytes.length > this.flushedUpTo) {
				this.chunks.add(new String(bytes, this.flushedUpTo, bytes.length - this.flushedUpTo,
						StandardCharsets.UTF_8));
				this.flushedUpTo = bytes.length;
			}
		}

		synchronized byte[] bytes() {
			return this.all.toByteArray();
		}

		synchronized List<String> chunks() {
			return new ArrayList<>(this.chunks);
		}

	}

}
