package dev.fastcgi.servlet.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;

/**
 * The {@link HttpSession} of a {@link SessionManager}. Attributes live in a concurrent map; times, the new flag and
 * the lifecycle state are guarded by the session's monitor. Listeners are always called outside that monitor.
 * <p>
 * While it is being invalidated (state {@link State#INVALIDATING}) the session still answers, so that
 * {@code sessionDestroyed} listeners can read its attributes; afterwards ({@link State#INVALID}) the methods that
 * the Servlet specification says so throw {@link IllegalStateException}.
 */
final class InMemorySession implements HttpSession {

	/** Lifecycle of a session. */
	enum State {

		/** Usable and findable. */
		VALID,

		/** Removed from the manager, listeners being notified and attributes unbound. */
		INVALIDATING,

		/** Gone: most methods throw {@link IllegalStateException}. */
		INVALID

	}

	/** Outcome of an access by a request. */
	enum Access {

		/** The session is live and now marked accessed. */
		ACCESSED,

		/** The session was idle too long; the caller must finish its invalidation. */
		EXPIRED,

		/** The session is (being) invalidated. */
		INVALID

	}

	private static final int MAX_UNBIND_ROUNDS = 8;

	private final SessionManager manager;

	private final long creationTime;

	private final Map<String, Object> attributes = new ConcurrentHashMap<>();

	private volatile String id;

	private long accessedTime;

	private long lastAccessedTime;

	private int maxInactiveInterval;

	private boolean isNew = true;

	private State state = State.VALID;

	InMemorySession(SessionManager manager, String id, long now, int maxInactiveInterval) {
		this.manager = manager;
		this.id = id;
		this.creationTime = now;
		this.accessedTime = now;
		this.lastAccessedTime = now;
		this.maxInactiveInterval = maxInactiveInterval;
	}

	SessionManager manager() {
		return this.manager;
	}

	void setId(String id) {
		this.id = id;
	}

	synchronized State state() {
		return this.state;
	}

	/** Mark the session accessed by a request now, unless it is invalid or has expired. */
	synchronized Access access(long now) {
		if (this.state != State.VALID) {
			return Access.INVALID;
		}
		if (isIdle(now)) {
			this.state = State.INVALIDATING;
			return Access.EXPIRED;
		}
		this.lastAccessedTime = this.accessedTime;
		this.accessedTime = Math.max(this.accessedTime, now);
		this.isNew = false;
		return Access.ACCESSED;
	}

	/** Count the end of a request as activity. */
	synchronized void touch(long now) {
		if (this.state == State.VALID) {
			this.accessedTime = Math.max(this.accessedTime, now);
		}
	}

	/** Start invalidating the session if it is valid and idle; true if the caller must finish it. */
	synchronized boolean beginExpiry(long now) {
		if (this.state == State.VALID && isIdle(now)) {
			this.state = State.INVALIDATING;
			return true;
		}
		return false;
	}

	/** Start invalidating the session if it is valid; true if the caller must finish it. */
	synchronized boolean beginInvalidation() {
		if (this.state == State.VALID) {
			this.state = State.INVALIDATING;
			return true;
		}
		return false;
	}

	synchronized void endInvalidation() {
		this.state = State.INVALID;
	}

	private boolean isIdle(long now) {
		return this.maxInactiveInterval > 0 && now - this.accessedTime >= this.maxInactiveInterval * 1000L;
	}

	synchronized void checkValid(String method) {
		if (this.state == State.INVALID) {
			throw new IllegalStateException(method + ": session already invalidated");
		}
	}

	@Override
	public long getCreationTime() {
		checkValid("getCreationTime");
		return this.creationTime;
	}

	/** The current id; still answers after invalidation (containers log it). */
	@Override
	public String getId() {
		return this.id;
	}

	@Override
	public synchronized long getLastAccessedTime() {
		checkValid("getLastAccessedTime");
		return this.lastAccessedTime;
	}

	@Override
	public ServletContext getServletContext() {
		return this.manager.context();
	}

	@Override
	public synchronized void setMaxInactiveInterval(int interval) {
		this.maxInactiveInterval = interval;
	}

	@Override
	public synchronized int getMaxInactiveInterval() {
		return this.maxInactiveInterval;
	}

	@Override
	public Object getAttribute(String name) {
		checkValid("getAttribute");
		return (name != null) ? this.attributes.get(name) : null;
	}

	@Override
	public Enumeration<String> getAttributeNames() {
		checkValid("getAttributeNames");
		return Collections.enumeration(new ArrayList<>(this.attributes.keySet()));
	}

	@Override
	public void setAttribute(String name, Object value) {
		checkValid("setAttribute");
		if (name == null) {
			throw new IllegalArgumentException("Session attribute name must not be null");
		}
		if (value == null) {
			removeAttribute(name);
			return;
		}
		Object current = this.attributes.get(name);
		if (value != current && value instanceof HttpSessionBindingListener listener) {
			this.manager.notify(listener, HttpSessionBindingListener::valueBound,
					new HttpSessionBindingEvent(this, name, value), "valueBound");
		}
		Object old = this.attributes.put(name, value);
		if (old != null && old != value && old instanceof HttpSessionBindingListener listener) {
			this.manager.notify(listener, HttpSessionBindingListener::valueUnbound,
					new HttpSessionBindingEvent(this, name, old), "valueUnbound");
		}
		if (old == null) {
			this.manager.attributeAdded(new HttpSessionBindingEvent(this, name, value));
		}
		else {
			this.manager.attributeReplaced(new HttpSessionBindingEvent(this, name, old));
		}
	}

	@Override
	public void removeAttribute(String name) {
		checkValid("removeAttribute");
		if (name != null) {
			removeAndNotify(name);
		}
	}

	private void removeAndNotify(String name) {
		Object old = this.attributes.remove(name);
		if (old == null) {
			return;
		}
		if (old instanceof HttpSessionBindingListener listener) {
			this.manager.notify(listener, HttpSessionBindingListener::valueUnbound,
					new HttpSessionBindingEvent(this, name, old), "valueUnbound");
		}
		this.manager.attributeRemoved(new HttpSessionBindingEvent(this, name, old));
	}

	/** Remove every attribute with notifications, including ones listeners add meanwhile (bounded rounds). */
	void unbindAll() {
		for (int round = 0; round < MAX_UNBIND_ROUNDS && !this.attributes.isEmpty(); round++) {
			for (String name : new ArrayList<>(this.attributes.keySet())) {
				removeAndNotify(name);
			}
		}
		this.attributes.clear();
	}

	@Override
	public void invalidate() {
		synchronized (this) {
			checkValid("invalidate");
			if (this.state == State.INVALIDATING) {
				return;
			}
			this.state = State.INVALIDATING;
		}
		this.manager.destroy(this);
	}

	@Override
	public synchronized boolean isNew() {
		checkValid("isNew");
		return this.isNew;
	}

	/**
	 * An accessor bound to this session object (so it follows {@code changeSessionId}); each access counts as
	 * activity and throws {@link IllegalStateException} once the session is invalid or expired.
	 */
	@Override
	public Accessor getAccessor() {
		return (action) -> {
			if (action == null) {
				throw new IllegalArgumentException("Session consumer must not be null");
			}
			this.manager.access(this, action);
		};
	}

	@Override
	public String toString() {
		String current = this.id;
		return "InMemorySession[" + current.substring(0, Math.min(6, current.length())) + "…, " + state() + "]";
	}

}
