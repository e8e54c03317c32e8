package dev.fastcgi.server.cgi;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ConnectionClosedException;
import dev.fastcgi.server.FastCgiExchange;

/**
 * A {@link FastCgiExchange} for one CGI request: params from the environment, the body from stdin (exactly
 * CONTENT_LENGTH bytes when given, else to EOF), the response as raw CGI output on stdout, stderr as is.
 */
public final class CgiExchange implements FastCgiExchange {

	private static final InputStream EMPTY = InputStream.nullInputStream();

	private final Map<String, String> params;

	private final InputStream stdin;

	private final OutputStream stdout;

	private final OutputStream stderr;

	private final CountDownLatch completed = new CountDownLatch(1);

	private volatile int appStatus;

	private volatile boolean aborted;

	private volatile boolean deferred;

	private Consumer<IOException> abortCallback;

	/**
	 * @param env the CGI environment (the process environment)
	 * @param environ extra params that override the environment's
	 * @param in the request body source (the process stdin)
	 * @param out where the CGI response goes (the process stdout)
	 * @param err where stderr output goes
	 */
	public CgiExchange(Map<String, String> env, Map<String, String> environ, InputStream in, OutputStream out,
			OutputStream err) {
		Map<String, String> merged = new HashMap<>(env);
		merged.putAll(environ);
		this.params = Map.copyOf(merged);
		this.stdin = bodyOf(this.params, in);
		this.stdout = new AbortOnFailure(new BufferedOutputStream(out, 8192));
		this.stderr = err;
	}

	private static InputStream bodyOf(Map<String, String> params, InputStream in) {
		String length = params.get("CONTENT_LENGTH");
		if (length == null || length.isBlank()) {
			return ("POST".equals(params.get("REQUEST_METHOD")) || "PUT".equals(params.get("REQUEST_METHOD"))
					|| "PATCH".equals(params.get("REQUEST_METHOD"))) ? in : EMPTY;
		}
		try {
			long n = Long.parseLong(length.trim());
			return (n <= 0) ? EMPTY : new BoundedInputStream(in, n);
		}
		catch (NumberFormatException ex) {
			return EMPTY;
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
		return false;
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
		return EMPTY;
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

	/** Whether the handler deferred completion (servlet async). */
	public boolean isDeferred() {
		return this.deferred;
	}

	@Override
	public void complete(int appStatus) {
		if (isCompleted()) {
			return;
		}
		this.appStatus = appStatus;
		try {
			this.stdout.flush();
			this.stderr.flush();
		}
		catch (IOException ex) {
			// reported through abort; nothing else to do for a one-shot CGI response
		}
		this.completed.countDown();
	}

	/** Waits until {@link #complete(int)} was called (for a deferred request), up to the timeout. */
	public boolean awaitCompletion(long timeout, TimeUnit unit) throws InterruptedException {
		return this.completed.await(timeout, unit);
	}

	@Override
	public synchronized void onAbort(Consumer<IOException> callback) {
		this.abortCallback = (this.abortCallback == null) ? callback : this.abortCallback.andThen(callback);
	}

	private void abort(IOException cause) {
		Consumer<IOException> callback;
		synchronized (this) {
			if (this.aborted) {
				return;
			}
			this.aborted = true;
			callback = this.abortCallback;
		}
		if (callback != null) {
			callback.accept(cause);
		}
	}

	@Override
	public SocketAddress remoteAddress() {
		return null;
	}

	@Override
	public SocketAddress localAddress() {
		return null;
	}

	@Override
	public long connectionId() {
		return 0;
	}

	/** Turns a failed write to stdout (the CGI host went away) into an abort, as on a FastCGI connection. */
	private final class AbortOnFailure extends OutputStream {

		private final OutputStream out;

		AbortOnFailure(OutputStream out) {
			this.out = out;
		}

		@Override
		public void write(int b) throws IOException {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			checkOpen();
			try {
				this.out.write(b, off, len);
			}
			catch (IOException ex) {
				fail(ex);
			}
		}

		@Override
		public void flush() throws IOException {
			checkOpen();
			try {
				this.out.flush();
			}
			catch (IOException ex) {
				fail(ex);
			}
		}

		private void checkOpen() throws IOException {
			if (CgiExchange.this.aborted) {
				throw new ConnectionClosedException("the CGI host closed stdout");
			}
		}

		private void fail(IOException ex) throws IOException {
			ConnectionClosedException closed = new ConnectionClosedException("the CGI host closed stdout", ex);
			abort(closed);
			throw closed;
		}

	}

	/** Reads at most {@code limit} bytes, then reports EOF (a CGI host need not close stdin after the body). */
	private static final class BoundedInputStream extends InputStream {

		private final InputStream in;

		private long left;

		BoundedInputStream(InputStream in, long limit) {
			this.in = in;
			this.left = limit;
		}

		@Override
		public int read() throws IOException {
			if (this.left <= 0) {
				return -1;
			}
			int b = this.in.read();
			if (b >= 0) {
				this.left--;
			}
			return b;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			if (this.left <= 0) {
				return -1;
			}
			int n = this.in.read(b, off, (int) Math.min(len, this.left));
			if (n > 0) {
				this.left -= n;
			}
			return n;
		}

		@Override
		public int available() throws IOException {
			return (int) Math.min(this.in.available(), this.left);
		}

	}

}
