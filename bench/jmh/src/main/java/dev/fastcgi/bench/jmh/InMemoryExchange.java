package dev.fastcgi.bench.jmh;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.FastCgiExchange;

/**
 * A {@link FastCgiExchange} with no sockets: fixed params, a body from a byte array, and stdout that counts (or
 * captures) what the container writes. {@link #reset()} makes it ready for the next request, so one instance serves
 * a whole benchmark and allocates nothing itself per request.
 */
final class InMemoryExchange implements FastCgiExchange {

	private static final SocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 53422);

	private static final SocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 9000);

	private final Map<String, String> params;

	private final byte[] body;

	private final ResettableInput stdin;

	private final CountingOutput stdout;

	private final CountingOutput stderr = new CountingOutput(null);

	private final List<Consumer<IOException>> abortCallbacks = new ArrayList<>();

	private int appStatus;

	private boolean deferred;

	private boolean completed;

	InMemoryExchange(Map<String, String> params, byte[] body, ByteArrayOutputStream capture) {
		this.params = params;
		this.body = body;
		this.stdin = new ResettableInput(body);
		this.stdout = new CountingOutput(capture);
	}

	/** Makes the exchange ready to be handled again. */
	void reset() {
		this.stdin.reset();
		this.stdout.count = 0;
		this.stderr.count = 0;
		this.appStatus = 0;
		this.deferred = false;
		this.completed = false;
		this.abortCallbacks.clear();
	}

	/** Ends the request the way the engine does when the handler returns (unless it deferred completion). */
	void finish() {
		if (!this.deferred) {
			complete(this.appStatus);
		}
	}

	long stdoutBytes() {
		return this.stdout.count;
	}

	long stderrBytes() {
		return this.stderr.count;
	}

	boolean isDeferred() {
		return this.deferred;
	}

	@Override
	public int requestId() {
		return NginxRequests.REQUEST_ID;
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
		return false;
	}

	@Override
	public boolean isCompleted() {
		return this.completed;
	}

	@Override
	public void deferCompletion() {
		this.deferred = true;
	}

	@Override
	public void complete(int appStatus) {
		this.appStatus = appStatus;
		this.completed = true;
	}

	@Override
	public void onAbort(Consumer<IOException> callback) {
		this.abortCallbacks.add(callback);
	}

	@Override
	public SocketAddress remoteAddress() {
		return REMOTE;
	}

	@Override
	public SocketAddress localAddress() {
		return LOCAL;
	}

	@Override
	public long connectionId() {
		return 1;
	}

	int bodyLength() {
		return this.body.length;
	}

	/** A byte-array input that can be rewound without allocating. */
	private static final class ResettableInput extends ByteArrayInputStream {

		ResettableInput(byte[] body) {
			super(body);
		}

		@Override
		public synchronized void reset() {
			this.pos = 0;
			this.mark = 0;
		}

	}

	/** Counts bytes, optionally keeping them. */
	private static final class CountingOutput extends OutputStream {

		private final ByteArrayOutputStream capture;

		private long count;

		CountingOutput(ByteArrayOutputStream capture) {
			this.capture = capture;
		}

		@Override
		public void write(int b) {
			this.count++;
			if (this.capture != null) {
				this.capture.write(b);
			}
		}

		@Override
		public void write(byte[] b, int off, int len) {
			this.count += len;
			if (this.capture != null) {
				this.capture.write(b, off, len);
			}
		}

	}

}
