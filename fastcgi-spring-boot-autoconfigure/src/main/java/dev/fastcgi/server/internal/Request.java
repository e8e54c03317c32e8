package dev.fastcgi.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.fastcgi.protocol.ParamMap;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ConnectionClosedException;
import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.server.RequestAbortedException;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerListener.Outcome;

/**
 * One request: collects its params, runs the handler on a worker thread, and ends exactly once, by completing
 * (END_REQUEST after the output), by FCGI_ABORT_REQUEST (END_REQUEST, output dropped), or by losing the connection
 * (no END_REQUEST). It holds one fastcgi.max-requests slot from BEGIN_REQUEST until it has ended and its handler has
 * returned, so an aborted handler that keeps running still counts; the slot is free before END_REQUEST is written.
 */
final class Request implements FastCgiExchange, Runnable {

	private static final System.Logger logger = System.getLogger(Request.class.getName());

	private static final byte[] EMPTY = new byte[0];

	private static final byte[] ERROR_RESPONSE = ("Status: 500\r\nContent-Type: text/plain\r\n\r\n"
			+ "Internal Server Error\n").getBytes(StandardCharsets.ISO_8859_1);

	static final byte[] BODY_TOO_LARGE_RESPONSE = response("413 Payload Too Large");

	static final byte[] HEADERS_TOO_LARGE_RESPONSE = response("431 Request Header Fields Too Large");

	static final byte[] TIMEOUT_RESPONSE = response("504 Gateway Timeout");

	/** The app status END_REQUEST carries for a handler that failed, timed out or passed a body limit. */
	static final int FAILED_APP_STATUS = 1;

	private static byte[] response(String status) {
		String reason = status.substring(status.indexOf(' ') + 1);
		return ("Status: " + status + "\r\nContent-Type: text/plain\r\n\r\n" + reason + "\n")
			.getBytes(StandardCharsets.ISO_8859_1);
	}

	/** Why a request was answered by the engine without running its handler (a limit). */
	record Refusal(String reason, String message, byte[] response) {
	}

	/** Where the request is in its life. */
	enum Phase {

		/** BEGIN_REQUEST seen, PARAMS arriving. */
		PARAMS,
		/** Params ended, handler dispatched, input may still be arriving. */
		RUNNING,
		/** Ended: END_REQUEST sent, or aborted, or the connection was lost. */
		ENDED

	}

	private final Connection connection;

	private final EngineContext context;

	private final int id;

	private final Role role;

	private final boolean keepConn;

	private final long startNanos = System.nanoTime();

	private final RequestInput stdin;

	private final RequestInput data;

	private final RecordOutput stdout;

	private volatile RecordOutput stderr;

	private final AtomicBoolean finished = new AtomicBoolean();

	private final AtomicInteger slotHolds = new AtomicInteger(1);

	/** Multiplexed: dispatched, but waiting for its input before a worker takes it ({@link Connection#holdForInput}). */
	private final AtomicBoolean held = new AtomicBoolean();

	private List<Consumer<IOException>> abortCallbacks;

	private volatile Phase phase = Phase.PARAMS;

	private byte[] rawParams;

	private int rawParamsLength;

	private Map<String, String> params = Map.of();

	private volatile int appStatus;

	private volatile boolean deferred;

	private volatile boolean outputDropped;

	private volatile IOException abortCause;

	private Refusal refusal;

	/** When the request was dispatched (|1), or 0 before; fastcgi.request-timeout runs from here. */
	private volatile long dispatchedNanos;

	private final AtomicBoolean timedOut = new AtomicBoolean();

	/** The thread running the handler while it runs (guarded by this.workerLock). */
	private Thread worker;

	private final Object workerLock = new Object();

	Request(Connection connection, EngineContext context, int id, Role role, boolean keepConn, boolean pullInput) {
		this.connection = connection;
		this.context = context;
		this.id = id;
		this.role = role;
		this.keepConn = keepConn;
		// the memory ring is int-indexed: beyond 256 MiB input spills whatever the threshold says
		long memory = Math.min(context.config().inputSpillThreshold(), 256L * 1024 * 1024);
		if (pullInput) {
			// the socket is read only on demand, so at most a read buffer or a record is pushed at once
			memory = Math.max(memory, 128 * 1024);
		}
		RequestInput.SpillListener spilled = (file) -> context.listener().inputSpilled(connection.id(), id, file);
		RequestInput.LimitListener tooLarge = this::bodyTooLarge;
		this.stdin = new RequestInput(this, connection, memory, context.spillDirectory(), spilled,
				context.inputBudget(), tooLarge);
		this.data = (role == Role.FILTER) ? new RequestInput(this, connection, memory, context.spillDirectory(),
				spilled, context.inputBudget(), tooLarge) : null;
		int maxWrite = context.config().maxWrite();
		this.stdout = new RecordOutput(this, RecordType.STDOUT, maxWrite, RecordOutput.stdoutCapacity(maxWrite));
	}

	// ---- connection side -------------------------------------------------------------------------------------

	Phase phase() {
		return this.phase;
	}

	/** Appends PARAMS content, checking fastcgi.max-params-size before anything is copied. */
	void appendParams(ByteBuffer content) throws ProtocolException {
		int length = content.remaining();
		int max = this.context.config().maxParamsSize();
		long total = (long) this.rawParamsLength + length;
		if (total > max) {
			throw new ProtocolException("params_too_large", "params size " + total + " of request " + this.id
					+ " exceeds fastcgi.max-params-size (" + max + ")");
		}
		if (this.rawParams == null) {
			this.rawParams = this.connection.borrowParamsBuffer((int) total);
		}
		if (this.rawParams.length < total) {
			int capacity = Math.max(this.rawParams.length * 2, (int) total);
			byte[] bigger = new byte[Math.min(capacity, max)];
			System.arraycopy(this.rawParams, 0, bigger, 0, this.rawParamsLength);
			this.rawParams = bigger;
		}
		content.get(this.rawParams, this.rawParamsLength, length);
		this.rawParamsLength += length;
	}

	/**
	 * The empty PARAMS arrived: decodes the pairs (bounded by fastcgi.max-params) and merges the environ. A param
	 * over fastcgi.max-param-name-length or fastcgi.max-param-value-length, or a CONTENT_LENGTH over
	 * fastcgi.max-body-size, leaves a {@link #refusal()} for the connection to answer.
	 */
	void endParams() throws ProtocolException {
		ServerConfig config = this.context.config();
		int maxParams = config.maxParams();
		int maxName = config.maxParamNameLength();
		int maxValue = config.maxParamValueLength();
		int[] count = new int[1];
		// the map keeps its own copy of the bytes (values are decoded when read); the buffer serves the next request
		byte[] bytes = (this.rawParamsLength == 0) ? EMPTY : Arrays.copyOf(this.rawParams, this.rawParamsLength);
		this.params = ParamMap.decode(bytes, 0, bytes.length, (name, valueLength) -> {
			if (++count[0] > maxParams) {
				throw new ProtocolException("params_too_many", "params of request " + this.id
						+ " have more than fastcgi.max-params (" + maxParams + ") pairs");
			}
			if (name.length() > maxName) {
				refuse("param_name_too_long", "a param name of " + name.length()
						+ " bytes exceeds fastcgi.max-param-name-length (" + maxName + ")");
				return false;
			}
			if (valueLength > maxValue) {
				refuse("param_value_too_long", "param " + name + " of " + valueLength
						+ " bytes exceeds fastcgi.max-param-value-length (" + maxValue + ")");
				return false;
			}
			return true;
		}, config.environ());
		this.connection.returnParamsBuffer(this.rawParams);
		this.rawParams = null;
		if (this.refusal == null) {
			applyBodyLimits(config.maxBodySize());
		}
	}

	private void refuse(String reason, String message) {
		if (this.refusal == null) {
			this.refusal = new Refusal(reason, message, HEADERS_TOO_LARGE_RESPONSE);
		}
	}

	private void applyBodyLimits(long maxBodySize) {
		if (this.role == Role.AUTHORIZER) {
			// an authorizer gets the request's params but never its body
			return;
		}
		long declared = declaredLength(this.params.get("CONTENT_LENGTH"));
		if (maxBodySize >= 0 && declared > maxBodySize) {
			this.refusal = new Refusal("body_too_large", "CONTENT_LENGTH " + this.params.get("CONTENT_LENGTH")
					+ " exceeds fastcgi.max-body-size (" + maxBodySize + ")", BODY_TOO_LARGE_RESPONSE);
			return;
		}
		this.stdin.setLimits(declared, maxBodySize);
		if (this.data != null) {
			this.data.setLimits(declaredLength(this.params.get("FCGI_DATA_LENGTH")), maxBodySize);
		}
	}

	/** A decimal length, Long.MAX_VALUE if too big for a long, or -1 when absent, empty or not a number. */
	static long declaredLength(String value) {
		if (value == null || value.isEmpty() || value.length() > 40) {
			return -1;
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return -1;
			}
		}
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			return Long.MAX_VALUE;
		}
	}

	/** A limit the params broke, to be answered without running the handler; null when none. */
	Refusal refusal() {
		return this.refusal;
	}

	/** Answers {@code response} and END_REQUEST(0) without running the handler; later input is ignored. */
	void answerRefusal(Refusal refusal) {
		this.phase = Phase.RUNNING;
		try {
			this.stdout.write(refusal.response());
		}
		catch (IOException ex) {
			// the connection is gone; finish() below finds the writer failed
		}
		finish(0, Outcome.REJECTED);
	}

	private void bodyTooLarge(long limit) {
		this.context.limitLog().log(logger, () -> "Request " + this.id + " on FastCGI connection "
				+ this.connection.id() + ": a body without CONTENT_LENGTH passed fastcgi.max-body-size (" + limit
				+ "); its reads fail");
		this.context.listener().protocolError(this.connection.id(), "body_too_large");
	}

	/** Whether the params have ended (PARAMS after this is malformed). */
	boolean paramsEnded() {
		return this.phase != Phase.PARAMS;
	}

	/** Hands the request to a worker; false if the executor refused it. */
	boolean dispatch() {
		this.phase = Phase.RUNNING;
		this.dispatchedNanos = System.nanoTime() | 1;
		this.slotHolds.incrementAndGet();
		if (this.connection.deferToReader(this)) {
			return true;
		}
		if (this.connection.holdForInput(this)) {
			this.held.set(true);
			if (this.finished.get()) {
				// ended (the connection closed) before the hold was set: its end did not see the hold
				dropHold();
			}
			return true;
		}
		return submit();
	}

	boolean isHeld() {
		return this.held.get();
	}

	/** Ends the hold on a held request: true once, for the caller that must now submit it. */
	boolean releaseHold() {
		return this.held.compareAndSet(true, false);
	}

	/** A held request ended before a worker took it: its dispatch's hold on the request slot goes. */
	void dropHold() {
		// a plain read first: every request ends through here, few were ever held
		if (this.held.get() && this.held.compareAndSet(true, false)) {
			releaseSlot();
		}
	}

	/** Hands the dispatched request to a worker; false (slot released) if the executor refused it. */
	boolean submit() {
		if (this.context.workers().executeRequest(this)) {
			return true;
		}
		this.slotHolds.decrementAndGet();
		return false;
	}

	RequestInput stdinInput() {
		return this.stdin;
	}

	RequestInput dataInput() {
		return this.data;
	}

	/** Whether every input stream this role gets has ended (an AUTHORIZER gets none it must wait for). */
	boolean inputComplete() {
		return this.role == Role.AUTHORIZER || everyInput(RequestInput::isEnded);
	}

	/**
	 * Whether the handler can read all its input without waiting for more records: {@link #inputComplete}, or the
	 * declared lengths have arrived (a web server may send the empty STDIN only after the response).
	 */
	boolean inputArrived() {
		return this.role == Role.AUTHORIZER || everyInput(RequestInput::isAllArrived);
	}

	/** Whether {@code test} holds for stdin and, for FILTER, the data stream. */
	private boolean everyInput(Predicate<RequestInput> test) {
		return test.test(this.stdin) && (this.data == null || test.test(this.data));
	}

	boolean isFinished() {
		return this.finished.get();
	}

	/** Body bytes (FCGI_STDIN and FCGI_DATA) received so far. */
	long inputReceived() {
		return this.stdin.pushedBytes() + ((this.data != null) ? this.data.pushedBytes() : 0);
	}

	long startNanos() {
		return this.startNanos;
	}

	/**
	 * Ends the request without running it further (rejected before dispatch, or FCGI_ABORT_REQUEST): sends
	 * END_REQUEST, fails the input streams and runs the abort callbacks.
	 */
	void abortByWebServer() {
		if (!this.finished.compareAndSet(false, true)) {
			return;
		}
		RequestAbortedException cause = new RequestAbortedException(
				"request " + this.id + " was aborted by the web server (FCGI_ABORT_REQUEST)");
		markAborted(cause);
		this.connection.requestFinishing(this);
		releaseSlot();
		try {
			this.connection.writer().writeEndRequest(this.id, this.appStatus, ProtocolStatus.REQUEST_COMPLETE);
		}
		catch (IOException ex) {
			// the connection is closing; nothing more to send
		}
		ended(Outcome.ABORTED, ProtocolStatus.REQUEST_COMPLETE);
		runAbortCallbacks(cause);
	}

	/** The request was refused after its params (no worker): the caller answers OVERLOADED. */
	void discardRejected() {
		if (!this.finished.compareAndSet(false, true)) {
			return;
		}
		this.phase = Phase.ENDED;
		this.stdin.release();
		if (this.data != null) {
			this.data.release();
		}
		releaseSlot();
	}

	/** The connection was lost or the server stopped: no END_REQUEST can be sent. */
	void abortByConnection(IOException cause) {
		if (!this.finished.compareAndSet(false, true)) {
			return;
		}
		markAborted(cause);
		releaseSlot();
		ended(Outcome.ABORTED, ProtocolStatus.REQUEST_COMPLETE);
		runAbortCallbacks(cause);
	}

	private void markAborted(IOException cause) {
		this.abortCause = cause;
		this.outputDropped = true;
		this.phase = Phase.ENDED;
		this.stdin.fail(cause);
		if (this.data != null) {
			this.data.fail(cause);
		}
	}

	private void ended(Outcome outcome, ProtocolStatus status) {
		this.phase = Phase.ENDED;
		this.stdin.release();
		if (this.data != null) {
			this.data.release();
		}
		this.connection.returnBuffer(this.stdout.closeAndTakeBuffer());
		RecordOutput err = this.stderr;
		if (err != null) {
			err.closeAndTakeBuffer();
		}
		this.context.listener()
			.requestEnded(this.connection.id(), this.id, this.role, this.appStatus, status, outcome,
					System.nanoTime() - this.startNanos);
		this.connection.requestEnded(this);
	}

	private void releaseSlot() {
		if (this.slotHolds.decrementAndGet() == 0) {
			this.context.releaseRequest();
		}
	}

	private void runAbortCallbacks(IOException cause) {
		List<Consumer<IOException>> callbacks;
		synchronized (this) {
			callbacks = this.abortCallbacks;
			this.abortCallbacks = null;
		}
		if (callbacks == null) {
			return;
		}
		for (Consumer<IOException> callback : callbacks) {
			runCallback(callback, cause);
		}
	}

	private void runCallback(Consumer<IOException> callback, IOException cause) {
		try {
			callback.accept(cause);
		}
		catch (Throwable ex) {
			logger.log(System.Logger.Level.WARNING, "onAbort callback of request " + this.id + " failed", ex);
		}
	}

	// ---- output ----------------------------------------------------------------------------------------------

	boolean isOutputDropped() {
		return this.outputDropped;
	}

	byte[] borrowBuffer(RecordType type) {
		if (type == RecordType.STDOUT) {
			return this.connection.borrowBuffer();
		}
		return new byte[this.context.config().maxWrite()];
	}

	void send(RecordType type, byte[] content, int offset, int length) throws IOException {
		this.connection.writer().writeStream(this, type, this.id, content, offset, length);
	}

	/** Sends {@code headLength} bytes of {@code head} then {@code content} as whole records (a gathered write). */
	void send(RecordType type, byte[] head, int headLength, byte[] content, int offset, int length)
			throws IOException {
		this.connection.writer().writeStream(this, type, this.id, head, headLength, content, offset, length);
	}

	// ---- worker side -----------------------------------------------------------------------------------------

	@Override
	public void run() {
		Throwable failure = null;
		synchronized (this.workerLock) {
			this.worker = Thread.currentThread();
		}
		// multiplexed connections whose reader keeps no request time the runs of their workers
		long timedSince = this.connection.keepingPaused() ? System.nanoTime() : 0;
		try {
			if (!this.finished.get()) {
				this.context.handler().handle(this);
			}
		}
		catch (Throwable ex) {
			failure = ex;
		}
		finally {
			if (timedSince != 0) {
				this.connection.workerRunEnded(System.nanoTime() - timedSince);
			}
			synchronized (this.workerLock) {
				this.worker = null;
			}
			if (this.timedOut.get()) {
				// an interrupt from fastcgi.request-timeout must not leak into the thread's next task
				Thread.interrupted();
			}
		}
		releaseSlot();
		try {
			if (failure != null) {
				handlerFailed(failure);
			}
			else if (!this.deferred) {
				if (this.stdin.isOverLimit() && !this.stdout.isUsed()) {
					this.stdout.write(BODY_TOO_LARGE_RESPONSE);
					complete(FAILED_APP_STATUS);
				}
				else {
					complete(this.appStatus);
				}
			}
		}
		catch (Throwable ex) {
			logger.log(System.Logger.Level.WARNING, "Ending request " + this.id + " failed", ex);
		}
	}

	private void handlerFailed(Throwable failure) {
		if (this.outputDropped) {
			logger.log(System.Logger.Level.DEBUG, () -> "Request " + this.id + " on connection " + this.connection.id()
					+ " ended after abort: " + failure);
			complete(1);
			return;
		}
		boolean overLimit = this.stdin.isOverLimit() || (this.data != null && this.data.isOverLimit());
		if (overLimit) {
			logger.log(System.Logger.Level.DEBUG, () -> "Handler of request " + this.id + " on connection "
					+ this.connection.id() + " ended after its body passed fastcgi.max-body-size: " + failure);
		}
		else if (connectionLost(failure)) {
			// routine (a web server dropping a request whose client went away): one line, no stack trace
			logger.log(System.Logger.Level.DEBUG, () -> "Request " + this.id + " on FastCGI connection "
					+ this.connection.id() + " ended: the web server closed the connection (" + failure + ")");
		}
		else {
			logger.log(System.Logger.Level.WARNING, "Handler failed for request " + this.id
					+ " on FastCGI connection " + this.connection.id()
					+ "; answering with status 500 if nothing was sent yet", failure);
		}
		if (!this.stdout.isSent()) {
			this.stdout.resetBuffer();
			try {
				this.stdout.write(overLimit ? BODY_TOO_LARGE_RESPONSE : ERROR_RESPONSE);
			}
			catch (IOException ex) {
				// the connection is gone; complete() below finds the request aborted
			}
		}
		complete(1);
	}

	/** Whether the failure comes from the connection or request going away (looks at the cause chain). */
	private static boolean connectionLost(Throwable failure) {
		Throwable current = failure;
		for (int depth = 0; current != null && depth < 8; depth++) {
			if (current instanceof ConnectionClosedException || current instanceof RequestAbortedException) {
				return true;
			}
			current = current.getCause();
		}
		return false;
	}

	// ---- FastCgiExchange -------------------------------------------------------------------------------------

	@Override
	public int requestId() {
		return this.id;
	}

	@Override
	public Role role() {
		return this.role;
	}

	@Override
	public boolean keepConnection() {
		return this.keepConn;
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
		return (this.data != null) ? this.data : EmptyInput.INSTANCE;
	}

	@Override
	public OutputStream stdout() {
		return this.stdout;
	}

	@Override
	public OutputStream stderr() {
		RecordOutput err = this.stderr;
		if (err == null) {
			synchronized (this) {
				err = this.stderr;
				if (err == null) {
					int maxWrite = this.context.config().maxWrite();
					err = new RecordOutput(this, RecordType.STDERR, maxWrite, maxWrite);
					this.stderr = err;
				}
			}
		}
		return err;
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
		return this.abortCause != null;
	}

	@Override
	public boolean isCompleted() {
		return this.finished.get();
	}

	@Override
	public void deferCompletion() {
		this.deferred = true;
	}

	@Override
	public void complete(int appStatus) {
		if (this.timedOut.get()) {
			// fastcgi.request-timeout claimed the request: its thread ends it
			return;
		}
		finish(appStatus, null);
	}

	/**
	 * Ends the request with {@code b} as the last stdout bytes, in the write that carries END_REQUEST, when nothing
	 * can still need the request: its input read to the end, stderr unused, stdout open, not deferred or timed out.
	 */
	@Override
	public boolean completeWith(byte[] b, int off, int len) throws IOException {
		java.util.Objects.checkFromIndexSize(off, len, b.length);
		RecordOutput err = this.stderr;
		if (this.deferred || this.finished.get() || this.timedOut.get() || this.outputDropped
				|| (err != null && err.isUsed()) || !this.stdout.isOpen() || !everyInput(RequestInput::isConsumed)) {
			return false;
		}
		if (!finish(this.appStatus, null, b, off, len)) {
			return false;
		}
		IOException cause = this.abortCause;
		if (cause != null) {
			// the write failed: the handler hears of it as it would from stdout
			throw new ConnectionClosedException("connection lost while ending request " + this.id, cause);
		}
		return true;
	}

	/**
	 * Ends the request with END_REQUEST after the output; {@code outcome} null derives it from the app status.
	 * @return false if the request had already ended
	 */
	private boolean finish(int appStatus, Outcome fixedOutcome) {
		return finish(appStatus, fixedOutcome, null, 0, 0);
	}

	/**
	 * {@link #finish(int, Outcome)} with {@code last} (if not null) as the last stdout bytes, after what stdout
	 * buffers.
	 */
	private boolean finish(int appStatus, Outcome fixedOutcome, byte[] last, int lastOffset, int lastLength) {
		if (!this.finished.compareAndSet(false, true)) {
			return false;
		}
		if (last != null) {
			if (this.stdout.isOpen()) {
				this.stdout.lastBytesTaken();
			}
			else {
				// sealed by a time-out that claimed the request first: its response goes instead, as for complete()
				last = null;
				lastLength = 0;
			}
		}
		this.appStatus = appStatus;
		// the id and the fastcgi.max-requests slot are free before END_REQUEST leaves: the web server may reuse
		// both as soon as it reads it
		this.connection.requestFinishing(this);
		releaseSlot();
		Outcome outcome = (fixedOutcome != null) ? fixedOutcome : (appStatus == 0) ? Outcome.SUCCESS : Outcome.ERROR;
		try {
			byte[] out = this.stdout.buffer();
			int outLength = this.stdout.count();
			RecordOutput stderrOutput = this.stderr;
			byte[] err = (stderrOutput != null) ? stderrOutput.buffer() : null;
			int errLength = (stderrOutput != null) ? stderrOutput.count() : 0;
			boolean errUsed = stderrOutput != null && stderrOutput.isUsed();
			// the stdout buffer goes back to the connection once encoded, before the write: the next request on
			// the connection may start as soon as the web server reads END_REQUEST
			this.connection.writer()
				.writeResponseEnd(this.id, out, outLength, last, lastOffset, lastLength, err, errLength, errUsed,
						appStatus, () -> this.connection.returnBuffer(this.stdout.closeAndTakeBuffer()));
		}
		catch (IOException ex) {
			outcome = Outcome.ABORTED;
			IOException cause = (ex instanceof ConnectionClosedException) ? ex
					: new ConnectionClosedException("connection lost while ending request " + this.id, ex);
			markAborted(cause);
			runAbortCallbacks(cause);
		}
		ended(outcome, ProtocolStatus.REQUEST_COMPLETE);
		return true;
	}

	// ---- fastcgi.request-timeout -----------------------------------------------------------------------------

	/**
	 * Whether the request has run longer than {@code timeoutNanos} since dispatch and has not been timed out yet;
	 * true claims the time-out (the caller then runs {@link #timeOut}).
	 */
	boolean claimTimeout(long now, long timeoutNanos) {
		long dispatched = this.dispatchedNanos;
		if (dispatched == 0 || this.finished.get() || now - dispatched <= timeoutNanos) {
			return false;
		}
		return this.timedOut.compareAndSet(false, true);
	}

	/**
	 * Ends a request that ran over fastcgi.request-timeout: its input fails, a 504 response goes out if nothing was
	 * committed, END_REQUEST carries app status 1, the abort callbacks run and the handler thread is interrupted.
	 * Runs on its own thread: it may wait for the connection's write lock.
	 */
	void timeOut(long timeoutMillis) {
		if (this.finished.get()) {
			return;
		}
		RequestAbortedException cause = new RequestAbortedException("request " + this.id
				+ " did not complete within fastcgi.request-timeout (" + timeoutMillis + " ms)");
		this.stdin.fail(cause);
		if (this.data != null) {
			this.data.fail(cause);
		}
		this.stdout.replaceIfUnsent(TIMEOUT_RESPONSE);
		RecordOutput err = this.stderr;
		if (err != null) {
			err.seal();
		}
		if (finish(FAILED_APP_STATUS, Outcome.ABORTED)) {
			this.abortCause = cause;
			this.outputDropped = true;
			runAbortCallbacks(cause);
		}
		synchronized (this.workerLock) {
			if (this.worker != null) {
				this.worker.interrupt();
			}
		}
	}

	@Override
	public void onAbort(Consumer<IOException> callback) {
		IOException cause;
		synchronized (this) {
			cause = this.abortCause;
			if (cause == null) {
				if (this.abortCallbacks == null) {
					this.abortCallbacks = new ArrayList<>(2);
				}
				this.abortCallbacks.add(callback);
				return;
			}
		}
		runCallback(callback, cause);
	}

	@Override
	public SocketAddress remoteAddress() {
		return this.connection.remoteAddress();
	}

	@Override
	public SocketAddress localAddress() {
		return this.connection.localAddress();
	}

	@Override
	public long connectionId() {
		return this.connection.id();
	}

	/** The data stream of a role that gets none. */
	private static final class EmptyInput extends InputStream {

		static final EmptyInput INSTANCE = new EmptyInput();

		@Override
		public int read() {
			return -1;
		}

		@Override
		public int read(byte[] b, int off, int len) {
			java.util.Objects.checkFromIndexSize(off, len, b.length);
			return (len == 0) ? 0 : -1;
		}

	}

	@Override
	public String toString() {
		return "Request[id=" + this.id + ", role=" + this.role + ", connection=" + this.connection.id() + "]";
	}

}
