package dev.fastcgi.server.internal;

import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The requests active on one connection, by request id. A non-multiplexed connection (what nginx, Apache and
 * lighttpd open) never has more than one, so the first request goes in a slot of its own and only the others of a
 * multiplexed connection go in a {@link ConcurrentHashMap}, made when first needed: a request then costs a
 * compare-and-set to enter and one to leave, not a hash map's boxing, bin lock and size counter.
 * <p>
 * Requests are added by the thread decoding the connection's records (one at a time) and removed, looked up and
 * iterated by any thread. A request stays where it was added until removed, so each is in one place only. As with
 * a concurrent map, {@link #size}, {@link #isEmpty} and iteration are weakly consistent.
 */
final class ActiveRequests implements Iterable<Request> {

	private final AtomicReference<Request> first = new AtomicReference<>();

	/** The others (multiplexed connections only); null until first needed. */
	private volatile Map<Integer, Request> more;

	/** The active request with this id, or null. */
	Request get(int requestId) {
		Request request = this.first.get();
		if (request != null && request.requestId() == requestId) {
			return request;
		}
		Map<Integer, Request> others = this.more;
		return (others != null) ? others.get(requestId) : null;
	}

	boolean contains(int requestId) {
		return get(requestId) != null;
	}

	/** Adds a request whose id is not active (the caller checked). */
	void add(Request request) {
		if (!this.first.compareAndSet(null, request)) {
			others().put(request.requestId(), request);
		}
	}

	/** Removes this request if it is still active; true if it was. */
	boolean remove(Request request) {
		if (this.first.get() == request) {
			return this.first.compareAndSet(request, null);
		}
		Map<Integer, Request> others = this.more;
		return others != null && others.remove(request.requestId(), request);
	}

	boolean isEmpty() {
		Map<Integer, Request> others = this.more;
		return this.first.get() == null && (others == null || others.isEmpty());
	}

	int size() {
		Map<Integer, Request> others = this.more;
		return ((this.first.get() != null) ? 1 : 0) + ((others != null) ? others.size() : 0);
	}

	/** Forgets every request (the connection closed). */
	void clear() {
		this.first.set(null);
		Map<Integer, Request> others = this.more;
		if (others != null) {
			others.clear();
		}
	}

	/** The active requests: the first slot's, then the others (weakly consistent, like a concurrent map's). */
	@Override
	public Iterator<Request> iterator() {
		Request head = this.first.get();
		Map<Integer, Request> others = this.more;
		Iterator<Request> rest = (others != null) ? others.values().iterator() : Collections.emptyIterator();
		if (head == null) {
			return rest;
		}
		return new Iterator<>() {

			private boolean headDone;

			@Override
			public boolean hasNext() {
				return !this.headDone || rest.hasNext();
			}

			@Override
			public Request next() {
				if (!this.headDone) {
					this.headDone = true;
					return head;
				}
				if (!rest.hasNext()) {
					throw new NoSuchElementException();
				}
				return rest.next();
			}

		};
	}

	/** The map of the others, made on first need (only the adding thread gets here, so no lock). */
	private Map<Integer, Request> others() {
		Map<Integer, Request> others = this.more;
		if (others == null) {
			others = new ConcurrentHashMap<>();
			this.more = others;
		}
		return others;
	}

}
