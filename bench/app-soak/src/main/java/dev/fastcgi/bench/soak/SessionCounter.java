package dev.fastcgi.bench.soak;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

import org.springframework.stereotype.Component;

/**
 * Counts the sessions the container creates and destroys (invalidated or expired), as the application sees them
 * through {@link HttpSessionListener}.
 */
@Component
public class SessionCounter implements HttpSessionListener {

	private final AtomicLong created = new AtomicLong();

	private final AtomicLong destroyed = new AtomicLong();

	@Override
	public void sessionCreated(HttpSessionEvent event) {
		this.created.incrementAndGet();
	}

	@Override
	public void sessionDestroyed(HttpSessionEvent event) {
		this.destroyed.incrementAndGet();
	}

	/**
	 * Return the number of sessions created since start.
	 * @return the count
	 */
	public long getCreated() {
		return this.created.get();
	}

	/**
	 * Return the number of sessions destroyed since start.
	 * @return the count
	 */
	public long getDestroyed() {
		return this.destroyed.get();
	}

	/**
	 * Return the number of sessions created and not yet destroyed.
	 * @return the live count
	 */
	public long getLive() {
		return this.created.get() - this.destroyed.get();
	}

}
