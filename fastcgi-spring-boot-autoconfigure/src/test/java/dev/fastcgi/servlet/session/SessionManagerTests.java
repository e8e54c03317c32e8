package dev.fastcgi.servlet.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EventListener;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link SessionManager} and its {@link HttpSession}.
 */
class SessionManagerTests {

	private static final String REAPER = "fastcgi-session-reaper";

	private final ServletContext context = mock(ServletContext.class);

	private final AtomicLong clock = new AtomicLong(1_000_000L);

	private final List<String> events = Collections.synchronizedList(new ArrayList<>());

	private final SessionManager manager = new SessionManager(this.context, Duration.ofSeconds(10), this.clock::get);

	@AfterEach
	void stopManager() {
		this.manager.stop();
		// the pool has terminated when stop() returns; its thread may take a moment more to die
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(reaperThreads()).isEmpty());
	}

	@Test
	void idsAreUniqueUrlSafeAndCarry256RandomBits() {
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < 2000; i++) {
			String id = this.manager.create().getId();
			assertThat(id).matches("[A-Za-z0-9_-]{43}");
			assertThat(Base64.getUrlDecoder().decode(id)).hasSize(SessionManager.ID_BYTES);
			ids.add(id);
		}
		assertThat(ids).hasSize(2000);
		assertThat(SessionManager.ID_BYTES * 8).isGreaterThanOrEqualTo(128);
		assertThat(this.manager.activeSessions()).isEqualTo(2000);
	}

	@Test
	void newSessionHasDefaultsAndIsNewUntilAClientJoins() {
		HttpSession session = this.manager.create();
		assertThat(session.isNew()).isTrue();
		assertThat(session.getCreationTime()).isEqualTo(1_000_000L);
		assertThat(session.getLastAccessedTime()).isEqualTo(1_000_000L);
		assertThat(session.getMaxInactiveInterval()).isEqualTo(10);
		assertThat(session.getServletContext()).isSameAs(this.context);
		assertThat(this.manager.find(session.getId())).isSameAs(session);
		assertThat(session.isNew()).isFalse();
	}

	@Test
	void lastAccessedTimeIsThePreviousRequest() {
		HttpSession session = this.manager.create();
		this.clock.addAndGet(1000);
		this.manager.find(session.getId());
		assertThat(session.getLastAccessedTime()).isEqualTo(1_000_000L);
		this.clock.addAndGet(500);
		this.manager.requestEnded(session);
		this.clock.addAndGet(2000);
		this.manager.find(session.getId());
		assertThat(session.getLastAccessedTime()).isEqualTo(1_001_500L);
		assertThat(session.getCreationTime()).isEqualTo(1_000_000L);
	}

	@Test
	void findUnknownOrNullIdReturnsNull() {
		assertThat(this.manager.find(null)).isNull();
		assertThat(this.manager.find("nope")).isNull();
	}

	@Test
	void sessionListenersAreCalledInOrderAndDestroyedInReverse() {
		this.manager.addListener(new RecordingSessionListener("a"));
		this.manager.addListener(new RecordingSessionListener("b"));
		HttpSession session = this.manager.create();
		session.setAttribute("x", 1);
		session.invalidate();
		assertThat(this.events).containsExactly("a.created", "b.created", "b.destroyed(x=1)", "a.destroyed(x=1)");
	}

	@Test
	void addListenerAcceptsSessionListenerTypesOnly() {
		assertThat(this.manager.addListener(new RecordingSessionListener("a"))).isTrue();
		assertThat(this.manager.addListener(new RecordingIdListener())).isTrue();
		assertThat(this.manager.addListener(new RecordingAttributeListener())).isTrue();
		assertThat(this.manager.addListener(mock(ServletContextListener.class))).isFalse();
		assertThat(this.manager.addListener(new EventListener() {
		})).isFalse();
		assertThat(SessionManager.isSessionListener(HttpSessionIdListener.class)).isTrue();
		assertThat(SessionManager.isSessionListener(ServletContextListener.class)).isFalse();
	}

	@Test
	void attributeEventsFollowTheSpecificationOrder() {
		this.manager.addListener(new RecordingAttributeListener());
		HttpSession session = this.manager.create();
		Bindable first = new Bindable("first");
		Bindable second = new Bindable("second");
		session.setAttribute("k", first);
		session.setAttribute("k", first);
		session.setAttribute("k", second);
		session.removeAttribute("k");
		session.removeAttribute("k");
		session.setAttribute("plain", "v");
		session.setAttribute("plain", null);
		assertThat(this.events).containsExactly("first.bound(k)", "added(k=first)", "replaced(k=first)",
				"second.bound(k)", "first.unbound(k)", "replaced(k=first)", "second.unbound(k)", "removed(k=second)",
				"added(plain=v)", "removed(plain=v)");
		assertThat(session.getAttribute("k")).isNull();
		assertThat(Collections.list(session.getAttributeNames())).isEmpty();
	}

	@Test
	void valueBoundRunsBeforeTheValueIsVisibleAndUnboundAfterItIsGone() {
		HttpSession session = this.manager.create();
		List<Object> seen = new ArrayList<>();
		session.setAttribute("k", new HttpSessionBindingListener() {

			@Override
			public void valueBound(HttpSessionBindingEvent event) {
				seen.add(event.getSession().getAttribute("k"));
			}

			@Override
			public void valueUnbound(HttpSessionBindingEvent event) {
				seen.add(event.getSession().getAttribute("k"));
			}

		});
		session.removeAttribute("k");
		assertThat(seen).containsExactly(null, null);
	}

	@Test
	void setAttributeWithNullNameIsRejected() {
		HttpSession session = this.manager.create();
		assertThatIllegalArgumentException().isThrownBy(() -> session.setAttribute(null, "v"));
		assertThat(session.getAttribute(null)).isNull();
	}

	@Test
	void invalidateUnbindsAttributesAndMakesTheSessionUnusable() {
		this.manager.addListener(new RecordingSessionListener("s"));
		this.manager.addListener(new RecordingAttributeListener());
		HttpSession session = this.manager.create();
		session.setAttribute("b", new Bindable("value"));
		this.events.clear();
		String id = session.getId();
		session.invalidate();
		assertThat(this.events).containsExactly("s.destroyed(b=value)", "value.unbound(b)", "removed(b=value)");
		assertThat(this.manager.find(id)).isNull();
		assertThat(this.manager.activeSessions()).isZero();
		assertThat(session.getId()).isEqualTo(id);
		assertThat(session.getServletContext()).isSameAs(this.context);
		assertThatIllegalStateException().isThrownBy(session::invalidate);
		assertThatIllegalStateException().isThrownBy(() -> session.getAttribute("b"));
		assertThatIllegalStateException().isThrownBy(session::getAttributeNames);
		assertThatIllegalStateException().isThrownBy(() -> session.setAttribute("b", 1));
		assertThatIllegalStateException().isThrownBy(() -> session.removeAttribute("b"));
		assertThatIllegalStateException().isThrownBy(session::getCreationTime);
		assertThatIllegalStateException().isThrownBy(session::getLastAccessedTime);
		assertThatIllegalStateException().isThrownBy(session::isNew);
		assertThatIllegalStateException().isThrownBy(() -> this.manager.changeSessionId(session));
	}

	@Test
	void invalidateFromADestroyListenerDoesNotRecurse() {
		this.manager.addListener(new HttpSessionListener() {

			@Override
			public void sessionDestroyed(HttpSessionEvent event) {
				SessionManagerTests.this.events.add("destroyed");
				event.getSession().invalidate();
			}

		});
		this.manager.create().invalidate();
		assertThat(this.events).containsExactly("destroyed");
	}

	@Test
	void sessionExpiresLazilyOnFind() {
		this.manager.addListener(new RecordingSessionListener("s"));
		HttpSession session = this.manager.create();
		this.clock.addAndGet(9_999);
		assertThat(this.manager.find(session.getId())).isSameAs(session);
		this.clock.addAndGet(9_999);
		assertThat(this.manager.find(session.getId())).isSameAs(session);
		this.clock.addAndGet(10_000);
		assertThat(this.manager.find(session.getId())).isNull();
		assertThat(this.events).containsExactly("s.created", "s.destroyed()");
		assertThat(this.manager.activeSessions()).isZero();
	}

	@Test
	void requestEndCountsAsActivity() {
		HttpSession session = this.manager.create();
		this.clock.addAndGet(8_000);
		this.manager.requestEnded(session);
		this.clock.addAndGet(8_000);
		assertThat(this.manager.find(session.getId())).isSameAs(session);
		this.manager.requestEnded(null);
		this.manager.requestEnded(mock(HttpSession.class));
	}

	@Test
	void toStringDoesNotRevealTheWholeId() {
		HttpSession session = this.manager.create();
		assertThat(session.toString()).doesNotContain(session.getId()).contains(session.getId().substring(0, 6));
		session.invalidate();
		this.manager.requestEnded(session);
		assertThat(session.toString()).contains("INVALID");
	}

	@Test
	void perSessionIntervalOverridesTheDefault() {
		HttpSession forever = this.manager.create();
		forever.setMaxInactiveInterval(0);
		HttpSession shortLived = this.manager.create();
		shortLived.setMaxInactiveInterval(1);
		HttpSession normal = this.manager.create();
		this.clock.addAndGet(1_000);
		assertThat(this.manager.reap()).isEqualTo(1);
		assertThat(this.manager.find(shortLived.getId())).isNull();
		this.clock.addAndGet(1_000_000);
		assertThat(this.manager.reap()).isEqualTo(1);
		assertThat(this.manager.find(normal.getId())).isNull();
		assertThat(this.manager.find(forever.getId())).isSameAs(forever);
	}

	@Test
	void timeoutConversion() {
		SessionManager never = new SessionManager(this.context, Duration.ZERO);
		assertThat(never.getDefaultMaxInactiveInterval()).isZero();
		never.setTimeout(Duration.ofMillis(1500));
		assertThat(never.getDefaultMaxInactiveInterval()).isEqualTo(2);
		never.setTimeout(Duration.ofMinutes(30));
		assertThat(never.getDefaultMaxInactiveInterval()).isEqualTo(1800);
		never.setTimeout(null);
		assertThat(never.getDefaultMaxInactiveInterval()).isZero();
		never.setTimeout(Duration.ofSeconds(-5));
		HttpSession session = never.create();
		assertThat(session.getMaxInactiveInterval()).isZero();
		never.stop();
	}

	@Test
	void backgroundReaperInvalidatesExpiredSessions() {
		this.manager.addListener(new RecordingSessionListener("s"));
		this.manager.create();
		this.manager.create();
		this.manager.start();
		this.manager.start();
		assertThat(reaperThreads()).hasSize(1).allMatch(Thread::isDaemon);
		this.clock.addAndGet(10_000);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.manager.activeSessions() == 0);
		assertThat(this.events).containsExactly("s.created", "s.created", "s.destroyed()", "s.destroyed()");
	}

	@Test
	void stopInvalidatesEverySessionAndEndsTheReaper() {
		this.manager.addListener(new RecordingSessionListener("s"));
		this.manager.start();
		HttpSession session = this.manager.create();
		session.setAttribute("a", "1");
		this.manager.stop();
		// the pool has terminated when stop() returns; its thread may take a moment more to die
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(reaperThreads()).isEmpty());
		assertThat(this.manager.activeSessions()).isZero();
		assertThat(this.events).containsExactly("s.created", "s.destroyed(a=1)");
		assertThatIllegalStateException().isThrownBy(session::isNew);
		this.manager.stop();
		this.manager.start();
		assertThat(reaperThreads()).hasSize(1);
	}

	@Test
	void changeSessionIdKeepsAttributesAndNotifiesIdListeners() {
		this.manager.addListener(new RecordingIdListener());
		HttpSession session = this.manager.create();
		session.setAttribute("user", "alice");
		String oldId = session.getId();
		String newId = this.manager.changeSessionId(session);
		assertThat(newId).isNotEqualTo(oldId).matches("[A-Za-z0-9_-]{43}");
		assertThat(session.getId()).isEqualTo(newId);
		assertThat(session.getAttribute("user")).isEqualTo("alice");
		assertThat(this.manager.find(oldId)).isNull();
		assertThat(this.manager.find(newId)).isSameAs(session);
		assertThat(this.manager.activeSessions()).isOne();
		assertThat(this.events).containsExactly("idChanged(" + oldId + "->" + newId + ")");
	}

	@Test
	void changeSessionIdOfAForeignSessionIsRejected() {
		SessionManager other = new SessionManager(this.context, Duration.ofMinutes(1));
		HttpSession foreign = other.create();
		assertThatIllegalArgumentException().isThrownBy(() -> this.manager.changeSessionId(foreign));
		assertThatIllegalArgumentException().isThrownBy(() -> this.manager.changeSessionId(null));
		other.stop();
	}

	@Test
	void accessorRunsAgainstTheLiveSessionAndFollowsIdChanges() {
		HttpSession session = this.manager.create();
		HttpSession.Accessor accessor = session.getAccessor();
		this.manager.changeSessionId(session);
		this.clock.addAndGet(5_000);
		List<HttpSession> seen = new ArrayList<>();
		accessor.access(seen::add);
		assertThat(seen).containsExactly(session);
		this.clock.addAndGet(9_000);
		assertThat(this.manager.reap()).isZero();
		session.invalidate();
		assertThatIllegalStateException().isThrownBy(() -> accessor.access(seen::add));
		assertThat(seen).hasSize(1);
	}

	@Test
	void accessorOfAnExpiredSessionThrows() {
		this.manager.addListener(new RecordingSessionListener("s"));
		HttpSession.Accessor accessor = this.manager.create().getAccessor();
		this.clock.addAndGet(10_000);
		assertThatIllegalStateException().isThrownBy(() -> accessor.access((session) -> {
		}));
		assertThat(this.events).containsExactly("s.created", "s.destroyed()");
	}

	@Test
	void failingListenerIsLoggedAndDoesNotBreakTheSession() {
		this.manager.addListener(new HttpSessionListener() {

			@Override
			public void sessionCreated(HttpSessionEvent event) {
				throw new IllegalStateException("boom");
			}

		});
		this.manager.addListener(new RecordingSessionListener("ok"));
		HttpSession session = this.manager.create();
		assertThat(this.manager.find(session.getId())).isSameAs(session);
		assertThat(this.events).containsExactly("ok.created");
		verify(this.context).log(contains("sessionCreated failed"), any(IllegalStateException.class));
	}

	@Test
	void concurrentRequestsKeepTheBookkeepingConsistent() throws Exception {
		AtomicInteger created = new AtomicInteger();
		AtomicInteger destroyed = new AtomicInteger();
		this.manager.addListener(new HttpSessionListener() {

			@Override
			public void sessionCreated(HttpSessionEvent event) {
				created.incrementAndGet();
			}

			@Override
			public void sessionDestroyed(HttpSessionEvent event) {
				destroyed.incrementAndGet();
			}

		});
		List<HttpSession> shared = new ArrayList<>();
		for (int i = 0; i < 16; i++) {
			shared.add(this.manager.create());
		}
		ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
		int threads = 8;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				futures.add(executor.submit(() -> {
					start.await();
					for (int i = 0; i < 2000; i++) {
						runRandomOperation(shared, failures);
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
			assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(failures).isEmpty();
		this.manager.stop();
		assertThat(this.manager.activeSessions()).isZero();
		assertThat(destroyed.get()).isEqualTo(created.get());
	}

	private void runRandomOperation(List<HttpSession> shared, ConcurrentLinkedQueue<Throwable> failures) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		HttpSession session = shared.get(random.nextInt(shared.size()));
		try {
			switch (random.nextInt(7)) {
				case 0 -> this.manager.create().setAttribute("a", random.nextInt());
				case 1 -> {
					HttpSession found = this.manager.find(session.getId());
					if (found != null && found != session) {
						failures.add(new AssertionError("found another session"));
					}
				}
				case 2 -> session.setAttribute("k" + random.nextInt(4), random.nextInt());
				case 3 -> session.removeAttribute("k" + random.nextInt(4));
				case 4 -> this.manager.changeSessionId(session);
				case 5 -> {
					if (random.nextInt(50) == 0) {
						session.invalidate();
					}
				}
				default -> {
					this.clock.addAndGet(random.nextInt(3));
					this.manager.reap();
				}
			}
		}
		catch (IllegalStateException ex) {
			// the session was invalidated by another thread: allowed
		}
		catch (Throwable ex) {
			failures.add(ex);
		}
	}

	private static List<Thread> reaperThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals(REAPER) && thread.isAlive())
			.toList();
	}

	private String describe(HttpSession session) {
		List<String> pairs = new ArrayList<>();
		for (String name : Collections.list(session.getAttributeNames())) {
			pairs.add(name + "=" + session.getAttribute(name));
		}
		return String.join(",", pairs);
	}

	private final class RecordingSessionListener implements HttpSessionListener {

		private final String name;

		RecordingSessionListener(String name) {
			this.name = name;
		}

		@Override
		public void sessionCreated(HttpSessionEvent event) {
			SessionManagerTests.this.events.add(this.name + ".created");
		}

		@Override
		public void sessionDestroyed(HttpSessionEvent event) {
			SessionManagerTests.this.events.add(this.name + ".destroyed(" + describe(event.getSession()) + ")");
		}

	}

	private final class RecordingAttributeListener implements HttpSessionAttributeListener {

		@Override
		public void attributeAdded(HttpSessionBindingEvent event) {
			SessionManagerTests.this.events.add("added(" + event.getName() + "=" + event.getValue() + ")");
		}

		@Override
		public void attributeRemoved(HttpSessionBindingEvent event) {
			SessionManagerTests.this.events.add("removed(" + event.getName() + "=" + event.getValue() + ")");
		}

		@Override
		public void attributeReplaced(HttpSessionBindingEvent event) {
			SessionManagerTests.this.events.add("replaced(" + event.getName() + "=" + event.getValue() + ")");
		}

	}

	private final class RecordingIdListener implements HttpSessionIdListener {

		@Override
		public void sessionIdChanged(HttpSessionEvent event, String oldSessionId) {
			SessionManagerTests.this.events
				.add("idChanged(" + oldSessionId + "->" + event.getSession().getId() + ")");
		}

	}

	private final class Bindable implements HttpSessionBindingListener {

		private final String name;

		Bindable(String name) {
			this.name = name;
		}

		@Override
		public void valueBound(HttpSessionBindingEvent event) {
			SessionManagerTests.this.events.add(this.name + ".bound(" + event.getName() + ")");
		}

		@Override
		public void valueUnbound(HttpSessionBindingEvent event) {
			SessionManagerTests.this.events.add(this.name + ".unbound(" + event.getName() + ")");
		}

		@Override
		public String toString() {
			return this.name;
		}

	}

}
