package dev.fastcgi.servlet.session;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EventListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

/**
 * In-memory {@link HttpSession} store of one servlet context.
 * <p>
 * Ids are {@value #ID_BYTES} bytes (256 bits) from {@link SecureRandom}, encoded as unpadded base64url (43 characters
 * of {@code [A-Za-z0-9_-]}, safe in a cookie and a URL). A session expires when no request has accessed it for its
 * max inactive interval; expiry is checked lazily by {@link #find(String)} and by a background reaper started with
 * {@link #start()}. All methods are thread-safe.
 * <p>
 * Use by the container, per request: {@link #find(String)} for the id the client sent (this is the client
 * <em>joining</em> the session, so {@link HttpSession#isNew()} becomes false and the access time moves), or
 * {@link #create()} for a new one; optionally {@link #requestEnded(HttpSession)} when the request completes, so that
 * a long request counts as activity until its end.
 */
public class SessionManager {

	/** Number of random bytes in a session id. */
	public static final int ID_BYTES = 32;

	private static final long MAX_REAPER_INTERVAL_MILLIS = TimeUnit.SECONDS.toMillis(30);

	private static final long MIN_REAPER_INTERVAL_MILLIS = TimeUnit.SECONDS.toMillis(1);

	private static final String REAPER_THREAD_NAME = "fastcgi-session-reaper";

	private final ServletContext context;

	private final LongSupplier clock;

	private final SecureRandom random = new SecureRandom();

	private final Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();

	private final Map<String, InMemorySession> sessions = new ConcurrentHashMap<>();

	private final List<HttpSessionListener> sessionListeners = new CopyOnWriteArrayList<>();

	private final List<HttpSessionAttributeListener> attributeListeners = new CopyOnWriteArrayList<>();

	private final List<HttpSessionIdListener> idListeners = new CopyOnWriteArrayList<>();

	private final Object monitor = new Object();

	private volatile int defaultMaxInactiveInterval;

	private ScheduledExecutorService reaper;

	/**
	 * Create a manager.
	 * @param context the servlet context returned by {@link HttpSession#getServletContext()}, also used to log
	 * listener failures
	 * @param timeout the default max inactive interval of new sessions (second precision); zero, negative or null
	 * means sessions never expire
	 */
	public SessionManager(ServletContext context, Duration timeout) {
		this(context, timeout, System::currentTimeMillis);
	}

	/**
	 * Create a manager with the given clock (for tests).
	 * @param context the servlet context
	 * @param timeout the default timeout
	 * @param clock current time in milliseconds since the epoch
	 */
	SessionManager(ServletContext context, Duration timeout, LongSupplier clock) {
		this.context = context;
		this.clock = clock;
		setTimeout(timeout);
	}

	/**
	 * Set the max inactive interval given to sessions created from now on.
	 * @param timeout the timeout (second precision); zero, negative or null means never
	 */
	public void setTimeout(Duration timeout) {
		this.defaultMaxInactiveInterval = toSeconds(timeout);
	}

	/**
	 * Return the max inactive interval, in seconds, given to new sessions ({@code <= 0} means never expire).
	 * @return the default max inactive interval
	 */
	public int getDefaultMaxInactiveInterval() {
		return this.defaultMaxInactiveInterval;
	}

	private static int toSeconds(Duration timeout) {
		if (timeout == null || timeout.isZero() || timeout.isNegative()) {
			return 0;
		}
		long seconds = Math.max(1, timeout.getSeconds() + ((timeout.getNano() > 0) ? 1 : 0));
		return (int) Math.min(Integer.MAX_VALUE, seconds);
	}

	/**
	 * Register a session listener. Accepts {@link HttpSessionListener}, {@link HttpSessionAttributeListener} and
	 * {@link HttpSessionIdListener} (a listener may implement several); other types are ignored.
	 * @param listener the listener
	 * @return whether the listener implements at least one of the supported types
	 */
	public boolean addListener(EventListener listener) {
		boolean accepted = false;
		if (listener instanceof HttpSessionListener sessionListener) {
			this.sessionListeners.add(sessionListener);
			accepted = true;
		}
		if (listener instanceof HttpSessionAttributeListener attributeListener) {
			this.attributeListeners.add(attributeListener);
			accepted = true;
		}
		if (listener instanceof HttpSessionIdListener idListener) {
			this.idListeners.add(idListener);
			accepted = true;
		}
		return accepted;
	}

	/**
	 * Return whether the given listener type is one this manager notifies.
	 * @param type a listener type
	 * @return whether {@link #addListener(EventListener)} would accept an instance of it
	 */
	public static boolean isSessionListener(Class<?> type) {
		return HttpSessionListener.class.isAssignableFrom(type)
				|| HttpSessionAttributeListener.class.isAssignableFrom(type)
				|| HttpSessionIdListener.class.isAssignableFrom(type);
	}

	/**
	 * Start the background reaper (a daemon thread named {@value #REAPER_THREAD_NAME}) that invalidates expired
	 * sessions every {@code min(30s, timeout / 4)}, at least every second. Idempotent.
	 */
	public void start() {
		synchronized (this.monitor) {
			if (this.reaper != null) {
				return;
			}
			ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
				Thread thread = new Thread(runnable, REAPER_THREAD_NAME);
				thread.setDaemon(true);
				return thread;
			});
			long interval = reaperIntervalMillis();
			executor.scheduleWithFixedDelay(this::reapSafely, interval, interval, TimeUnit.MILLISECONDS);
			this.reaper = executor;
		}
	}

	private long reaperIntervalMillis() {
		int timeout = this.defaultMaxInactiveInterval;
		long interval = (timeout > 0) ? TimeUnit.SECONDS.toMillis(timeout) / 4 : MAX_REAPER_INTERVAL_MILLIS;
		return Math.max(MIN_REAPER_INTERVAL_MILLIS, Math.min(MAX_REAPER_INTERVAL_MILLIS, interval));
	}

	/**
	 * Stop the reaper (waiting for it to end) and invalidate every session, notifying the listeners. Idempotent; the
	 * manager may be started again.
	 */
	public void stop() {
		ScheduledExecutorService executor;
		synchronized (this.monitor) {
			executor = this.reaper;
			this.reaper = null;
		}
		if (executor != null) {
			executor.shutdownNow();
			try {
				executor.awaitTermination(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		for (InMemorySession session : new ArrayList<>(this.sessions.values())) {
			if (session.beginInvalidation()) {
				destroy(session);
			}
		}
	}

	/**
	 * Return the number of sessions that are neither invalidated nor reaped (expired sessions not yet seen by the
	 * reaper or a lookup count).
	 * @return the number of live sessions
	 */
	public int activeSessions() {
		return this.sessions.size();
	}

	/**
	 * Return the live session with the given id, marking it accessed by a request: its last accessed time moves
	 * and it is no longer {@linkplain HttpSession#isNew() new}. Call this for an id the client sent.
	 * @param id the requested session id (may be null)
	 * @return the session, or null if there is none with that id or it expired or was invalidated
	 */
	public HttpSession find(String id) {
		if (id == null) {
			return null;
		}
		InMemorySession session = this.sessions.get(id);
		if (session == null) {
			return null;
		}
		return switch (session.access(this.clock.getAsLong())) {
			case ACCESSED -> session;
			case EXPIRED -> {
				destroy(session);
				yield null;
			}
			case INVALID -> null;
		};
	}

	/**
	 * Note the end of a request that used the session: the end counts as activity, so a session does not expire
	 * sooner because a request was long. Optional; invalid sessions and foreign objects are ignored.
	 * @param session the session the request used (may be null)
	 */
	public void requestEnded(HttpSession session) {
		if (session instanceof InMemorySession ours && ours.manager() == this) {
			ours.touch(this.clock.getAsLong());
		}
	}

	/**
	 * Create a session with a fresh id and the default timeout, and notify the {@link HttpSessionListener}s.
	 * @return the new session
	 */
	public HttpSession create() {
		long now = this.clock.getAsLong();
		InMemorySession session;
		do {
			session = new InMemorySession(this, generateId(), now, this.defaultMaxInactiveInterval);
		}
		while (this.sessions.putIfAbsent(session.getId(), session) != null);
		HttpSessionEvent event = new HttpSessionEvent(session);
		for (HttpSessionListener listener : this.sessionListeners) {
			notify(listener, HttpSessionListener::sessionCreated, event, "sessionCreated");
		}
		return session;
	}

	/**
	 * Give the session a fresh id, keeping its attributes, and notify the {@link HttpSessionIdListener}s.
	 * @param session a live session of this manager
	 * @return the new id
	 * @throws IllegalStateException if the session was invalidated
	 * @throws IllegalArgumentException if the session does not belong to this manager
	 */
	public String changeSessionId(HttpSession session) {
		if (!(session instanceof InMemorySession ours) || ours.manager() != this) {
			throw new IllegalArgumentException("Not a session of this manager: " + session);
		}
		String oldId;
		String newId;
		synchronized (ours) {
			if (ours.state() != InMemorySession.State.VALID) {
				throw new IllegalStateException("changeSessionId: session already invalidated");
			}
			oldId = ours.getId();
			do {
				newId = generateId();
			}
			while (this.sessions.putIfAbsent(newId, ours) != null);
			ours.setId(newId);
			this.sessions.remove(oldId, ours);
		}
		HttpSessionEvent event = new HttpSessionEvent(ours);
		for (HttpSessionIdListener listener : this.idListeners) {
			String previous = oldId;
			notify(listener, (l, e) -> l.sessionIdChanged(e, previous), event, "sessionIdChanged");
		}
		return newId;
	}

	/**
	 * Invalidate the sessions that are idle for longer than their max inactive interval. The reaper calls this.
	 * @return the number of sessions invalidated
	 */
	int reap() {
		long now = this.clock.getAsLong();
		int reaped = 0;
		for (InMemorySession session : this.sessions.values()) {
			if (session.beginExpiry(now)) {
				destroy(session);
				reaped++;
			}
		}
		return reaped;
	}

	private void reapSafely() {
		try {
			reap();
		}
		catch (RuntimeException ex) {
			log("Session reaper failed", ex);
		}
	}

	private String generateId() {
		byte[] bytes = new byte[ID_BYTES];
		this.random.nextBytes(bytes);
		return this.encoder.encodeToString(bytes);
	}

	/**
	 * Finish the invalidation of a session whose state is already {@code INVALIDATING}: remove it, notify the
	 * session listeners in reverse order, unbind its attributes, mark it invalid.
	 */
	void destroy(InMemorySession session) {
		try {
			this.sessions.remove(session.getId(), session);
			HttpSessionEvent event = new HttpSessionEvent(session);
			List<HttpSessionListener> listeners = new ArrayList<>(this.sessionListeners);
			for (int i = listeners.size() - 1; i >= 0; i--) {
				notify(listeners.get(i), HttpSessionListener::sessionDestroyed, event, "sessionDestroyed");
			}
			session.unbindAll();
		}
		finally {
			session.endInvalidation();
		}
	}

	ServletContext context() {
		return this.context;
	}

	long now() {
		return this.clock.getAsLong();
	}

	void attributeAdded(HttpSessionBindingEvent event) {
		for (HttpSessionAttributeListener listener : this.attributeListeners) {
			notify(listener, HttpSessionAttributeListener::attributeAdded, event, "attributeAdded");
		}
	}

	void attributeReplaced(HttpSessionBindingEvent event) {
		for (HttpSessionAttributeListener listener : this.attributeListeners) {
			notify(listener, HttpSessionAttributeListener::attributeReplaced, event, "attributeReplaced");
		}
	}

	void attributeRemoved(HttpSessionBindingEvent event) {
		for (HttpSessionAttributeListener listener : this.attributeListeners) {
			notify(listener, HttpSessionAttributeListener::attributeRemoved, event, "attributeRemoved");
		}
	}

	/** Call a listener; a failure is logged and does not stop the operation or the other listeners. */
	<L, E> void notify(L listener, BiConsumer<L, E> method, E event, String what) {
		try {
			method.accept(listener, event);
		}
		catch (RuntimeException ex) {
			log("Session listener " + listener.getClass().getName() + "." + what + " failed", ex);
		}
	}

	void log(String message, Throwable ex) {
		if (this.context != null) {
			this.context.log(message, ex);
		}
		else {
			System.getLogger(SessionManager.class.getName()).log(System.Logger.Level.ERROR, message, ex);
		}
	}

	/** Run an action against a live session on behalf of an {@link HttpSession.Accessor}. */
	void access(InMemorySession session, Consumer<HttpSession> action) {
		switch (session.access(this.clock.getAsLong())) {
			case ACCESSED -> {
				try {
					action.accept(session);
				}
				finally {
					requestEnded(session);
				}
			}
			case EXPIRED -> {
				destroy(session);
				throw new IllegalStateException("Session expired");
			}
			case INVALID -> throw new IllegalStateException("Session invalidated");
		}
	}

}
