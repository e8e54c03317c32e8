package dev.fastcgi.servlet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * The {@link AsyncContext} of one request, reused across async cycles. A container thread is "in dispatch" while a
 * REQUEST or ASYNC dispatch runs; {@link #dispatch} and {@link #complete} called meanwhile are acted on when that
 * dispatch returns. While waiting, a timer enforces the timeout; an abort of the exchange reaches the listeners as
 * {@code onError} and ends the request.
 */
final class FastCgiAsyncContext implements AsyncContext {

	private enum Pending {

		NONE, DISPATCH, COMPLETE

	}

	private final FastCgiServletContainer container;

	private final FastCgiRequest core;

	private final Object lock = new Object();

	private ServletRequest request;

	private ServletResponse response;

	private boolean original;

	private final List<Registration> listeners = new ArrayList<>(2);

	private long timeout;

	private ScheduledFuture<?> timeoutTask;

	private boolean inDispatch = true;

	private Pending pending = Pending.NONE;

	private String dispatchPath;

	private boolean completed;

	private boolean aborted;

	private boolean abortRegistered;

	private record Registration(AsyncListener listener, ServletRequest request, ServletResponse response) {
	}

	FastCgiAsyncContext(FastCgiServletContainer container, FastCgiRequest core) {
		this.container = container;
		this.core = core;
		this.timeout = container.settings().getAsyncTimeout().toMillis();
	}

	/** Starts (or restarts) async mode during a dispatch. */
	void start(ServletRequest request, ServletResponse response, boolean original) {
		List<Registration> previous;
		synchronized (this.lock) {
			if (this.completed) {
				throw new IllegalStateException("The asynchronous request has already completed");
			}
			if (!this.inDispatch) {
				throw new IllegalStateException("startAsync() may only be called while a dispatch is in progress");
			}
			if (this.core.isAsyncStarted()) {
				throw new IllegalStateException("startAsync() has already been called in this dispatch");
			}
			this.request = request;
			this.response = response;
			this.original = original;
			this.pending = Pending.NONE;
			this.core.setAsyncStarted(true);
			previous = new ArrayList<>(this.listeners);
			this.listeners.clear();
		}
		if (!this.abortRegistered) {
			this.abortRegistered = true;
			this.core.exchange().onAbort(this::onAbort);
		}
		for (Registration registration : previous) {
			try {
				registration.listener().onStartAsync(new AsyncEvent(this, request, response));
			}
			catch (IOException | RuntimeException ex) {
				this.container.getContext().log("AsyncListener.onStartAsync failed", ex);
			}
		}
	}

	/** Marks a container dispatch as running (for ASYNC dispatches). */
	void enterDispatch() {
		synchronized (this.lock) {
			this.inDispatch = true;
		}
	}

	/** Called by the container thread when a dispatch returns: acts on what was requested meanwhile. */
	void dispatchReturned() {
		Pending action;
		String path;
		boolean complete = false;
		synchronized (this.lock) {
			this.inDispatch = false;
			action = this.pending;
			path = this.dispatchPath;
			this.pending = Pending.NONE;
			if (action != Pending.NONE) {
				// like Tomcat, async counts as started until the requested dispatch or completion happens
				this.core.setAsyncStarted(false);
				this.inDispatch = (action == Pending.DISPATCH);
			}
			else {
				if (!this.core.isAsyncStarted() || this.aborted) {
					complete = true;
				}
				else if (this.timeout > 0) {
					this.timeoutTask = this.container.schedule(this::onTimeout, this.timeout);
				}
			}
		}
		if (action == Pending.DISPATCH) {
			this.container.asyncDispatch(this, path);
		}
		else if (action == Pending.COMPLETE || complete) {
			doComplete();
		}
	}

	ServletRequest request() {
		return this.request;
	}

	ServletResponse response() {
		return this.response;
	}

	boolean isOriginal() {
		return this.original;
	}

	// AsyncContext

	@Override
	public ServletRequest getRequest() {
		if (this.request == null) {
			throw new IllegalStateException("The asynchronous request has completed");
		}
		return this.request;
	}

	@Override
	public ServletResponse getResponse() {
		if (this.response == null) {
			throw new IllegalStateException("The asynchronous request has completed");
		}
		return this.response;
	}

	@Override
	public boolean hasOriginalRequestAndResponse() {
		return this.original;
	}

	@Override
	public void dispatch() {
		dispatchTo(null);
	}

	@Override
	public void dispatch(String path) {
		if (path == null || !path.startsWith("/")) {
			throw new IllegalArgumentException("Dispatch path must start with '/': " + path);
		}
		dispatchTo(path);
	}

	@Override
	public void dispatch(ServletContext context, String path) {
		if (context != this.container.getContext()) {
			throw new IllegalArgumentException("Cannot dispatch to another context");
		}
		dispatch(path);
	}

	private void dispatchTo(String path) {
		boolean now;
		synchronized (this.lock) {
			if (this.completed || !this.core.isAsyncStarted() || this.pending != Pending.NONE) {
				throw new IllegalStateException("dispatch() is not allowed: asynchronous processing is not started, "
						+ "or dispatch() or complete() was already called");
			}
			cancelTimeout();
			if (this.inDispatch) {
				this.pending = Pending.DISPATCH;
				this.dispatchPath = path;
				now = false;
			}
			else {
				this.core.setAsyncStarted(false);
				this.inDispatch = true;
				now = true;
			}
		}
		if (now) {
			this.container.asyncDispatch(this, path);
		}
	}

	@Override
	public void complete() {
		synchronized (this.lock) {
			if (this.completed || this.pending == Pending.COMPLETE) {
				return;
			}
			cancelTimeout();
			if (this.inDispatch) {
				this.pending = Pending.COMPLETE;
				return;
			}
			this.core.setAsyncStarted(false);
		}
		doComplete();
	}

	@Override
	public void start(Runnable run) {
		this.container.runAsync(run);
	}

	@Override
	public void addListener(AsyncListener listener) {
		addListener(listener, this.request, this.response);
	}

	@Override
	public void addListener(AsyncListener listener, ServletRequest servletRequest, ServletResponse servletResponse) {
		synchronized (this.lock) {
			if (this.completed || !this.core.isAsyncStarted()) {
				throw new IllegalStateException("Listeners can only be added while asynchronous processing is started");
			}
			this.listeners.add(new Registration(listener, servletRequest, servletResponse));
		}
	}

	@Override
	public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
		try {
			return clazz.getDeclaredConstructor().newInstance();
		}
		catch (ReflectiveOperationException ex) {
			throw new ServletException("Cannot instantiate " + clazz.getName(), ex);
		}
	}

	@Override
	public void setTimeout(long timeout) {
		synchronized (this.lock) {
			if (!this.inDispatch) {
				throw new IllegalStateException("setTimeout() may only be called during a dispatch");
			}
			this.timeout = timeout;
		}
	}

	@Override
	public long getTimeout() {
		return this.timeout;
	}

	// Timeout, errors, completion

	private void cancelTimeout() {
		if (this.timeoutTask != null) {
			this.timeoutTask.cancel(false);
			this.timeoutTask = null;
		}
	}

	private void onTimeout() {
		List<Registration> current;
		synchronized (this.lock) {
			this.timeoutTask = null;
			if (this.completed || this.inDispatch || !this.core.isAsyncStarted()) {
				return;
			}
			current = new ArrayList<>(this.listeners);
		}
		for (Registration registration : current) {
			try {
				registration.listener().onTimeout(new AsyncEvent(this, registration.request(),
						registration.response()));
			}
			catch (IOException | RuntimeException ex) {
				this.container.getContext().log("AsyncListener.onTimeout failed", ex);
			}
		}
		boolean unhandled;
		synchronized (this.lock) {
			unhandled = !this.completed && this.core.isAsyncStarted() && !this.inDispatch
					&& this.pending == Pending.NONE;
			if (unhandled) {
				this.inDispatch = true;
				this.core.setAsyncStarted(false);
			}
		}
		if (unhandled) {
			this.container.runAsync(() -> {
				this.container.asyncTimeoutError(this.core);
				doComplete();
			});
		}
	}

	/** The exchange was aborted: listeners get onError, then the request ends unless a dispatch is running. */
	private void onAbort(IOException cause) {
		List<Registration> current;
		synchronized (this.lock) {
			this.aborted = true;
			if (this.completed) {
				return;
			}
			cancelTimeout();
			current = new ArrayList<>(this.listeners);
		}
		fireError(current, cause);
		boolean complete;
		synchronized (this.lock) {
			complete = !this.completed && !this.inDispatch && this.pending == Pending.NONE;
		}
		if (complete) {
			doComplete();
		}
	}

	/** An exception escaped a dispatch while async was started: listeners get onError first. */
	void onDispatchError(Throwable error) {
		List<Registration> current;
		synchronized (this.lock) {
			current = new ArrayList<>(this.listeners);
		}
		fireError(current, error);
	}

	private void fireError(List<Registration> registrations, Throwable error) {
		for (Registration registration : registrations) {
			try {
				registration.listener().onError(new AsyncEvent(this, registration.request(),
						registration.response(), error));
			}
			catch (IOException | RuntimeException ex) {
				this.container.getContext().log("AsyncListener.onError failed", ex);
			}
		}
	}

	/** Whether complete() or dispatch() was requested while a dispatch runs. */
	boolean hasPending() {
		synchronized (this.lock) {
			return this.pending != Pending.NONE;
		}
	}

	private void doComplete() {
		List<Registration> current;
		synchronized (this.lock) {
			if (this.completed) {
				return;
			}
			this.completed = true;
			this.core.setAsyncStarted(false);
			cancelTimeout();
			current = new ArrayList<>(this.listeners);
			this.listeners.clear();
		}
		this.container.completeAsync(this.core, () -> {
			for (Registration registration : current) {
				try {
					registration.listener().onComplete(new AsyncEvent(this, registration.request(),
							registration.response()));
				}
				catch (IOException | RuntimeException ex) {
					this.container.getContext().log("AsyncListener.onComplete failed", ex);
				}
			}
		});
		this.request = null;
		this.response = null;
	}

}
