package dev.fastcgi.boot.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ServerListener;

/**
 * Micrometer meters for a FastCGI server, fed by its {@link ServerListener} events (the engine knows nothing of
 * Micrometer):
 * <ul>
 * <li>{@code fastcgi.requests.active}, {@code fastcgi.connections.active}: gauges over the live counts;</li>
 * <li>{@code fastcgi.requests}: timer from BEGIN_REQUEST to END_REQUEST, tagged {@code role}, {@code status} (the
 * FastCGI protocol status) and {@code outcome};</li>
 * <li>{@code fastcgi.records}: records by {@code type} and {@code direction} ({@code in}/{@code out});</li>
 * <li>{@code fastcgi.bytes}: bytes by {@code direction};</li>
 * <li>{@code fastcgi.requests.aborted}: FCGI_ABORT_REQUESTs received for active requests;</li>
 * <li>{@code fastcgi.protocol.errors}: connections closed for malformed input or limits, by {@code reason};</li>
 * <li>{@code fastcgi.connections.rejected}: connections refused, by {@code reason} ({@code address},
 * {@code limit}).</li>
 * </ul>
 * Every meter on the hot path is created once; an event costs one {@code increment()} or {@code record()}. Events
 * before {@link #bindTo(MeterRegistry)} are ignored. {@link #close()} removes the meters.
 */
public class FastCgiMetrics implements ServerListener, MeterBinder, AutoCloseable {

	/** Tag value for a record type or role the protocol does not define. */
	static final String UNKNOWN = "UNKNOWN";

	private static final int MAX_ERROR_REASONS = 64;

	private final IntSupplier activeRequests;

	private final IntSupplier activeConnections;

	private final Tags tags;

	private volatile @Nullable Meters meters;

	/**
	 * Create a new instance.
	 * @param activeRequests the number of requests in flight
	 * @param activeConnections the number of open connections
	 * @param tags tags added to every meter
	 */
	public FastCgiMetrics(IntSupplier activeRequests, IntSupplier activeConnections, Iterable<Tag> tags) {
		this.activeRequests = activeRequests;
		this.activeConnections = activeConnections;
		this.tags = Tags.of(tags);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.meters = new Meters(registry, this.tags, this.activeRequests, this.activeConnections);
	}

	@Override
	public void close() {
		Meters meters = this.meters;
		this.meters = null;
		if (meters != null) {
			meters.remove();
		}
	}

	@Override
	public void connectionRejected(RejectReason reason) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.rejected.get(reason).increment();
		}
	}

	@Override
	public void requestEnded(long connectionId, int requestId, @Nullable Role role, int appStatus,
			@Nullable ProtocolStatus protocolStatus, Outcome outcome, long durationNanos) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.requestTimer(role, protocolStatus, outcome).record(durationNanos, TimeUnit.NANOSECONDS);
		}
	}

	@Override
	public void requestAborted(long connectionId, int requestId) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.aborted.increment();
		}
	}

	@Override
	public void recordReceived(@Nullable RecordType type, int contentLength) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.record(meters.recordsIn, meters.otherRecordsIn, type).increment();
		}
	}

	@Override
	public void recordSent(@Nullable RecordType type, int contentLength) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.record(meters.recordsOut, meters.otherRecordsOut, type).increment();
		}
	}

	@Override
	public void bytesReceived(long bytes) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.bytesIn.increment(bytes);
		}
	}

	@Override
	public void bytesSent(long bytes) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.bytesOut.increment(bytes);
		}
	}

	@Override
	public void eventLoopHandedOff(HandOffReason reason) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.handOffs.get(reason).increment();
		}
	}

	@Override
	public void protocolError(long connectionId, String reason) {
		Meters meters = this.meters;
		if (meters != null) {
			meters.protocolError(reason).increment();
		}
	}

	/** The meters of one registry; created in {@link #bindTo}. */
	private static final class Meters {

		private static final Role[] ROLES = Role.values();

		private static final ProtocolStatus[] STATUSES = ProtocolStatus.values();

		private static final ServerListener.Outcome[] OUTCOMES = ServerListener.Outcome.values();

		private final MeterRegistry registry;

		private final Tags tags;

		private final List<Meter> registered = Collections.synchronizedList(new ArrayList<>());

		private final Map<RecordType, Counter> recordsIn = new EnumMap<>(RecordType.class);

		private final Map<RecordType, Counter> recordsOut = new EnumMap<>(RecordType.class);

		private final Counter otherRecordsIn;

		private final Counter otherRecordsOut;

		private final Counter bytesIn;

		private final Counter bytesOut;

		private final Counter aborted;

		private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);

		private final Map<HandOffReason, Counter> handOffs = new EnumMap<>(HandOffReason.class);

		private final Map<String, Counter> protocolErrors = new ConcurrentHashMap<>();

		/** Indexed by (role, status, outcome), each with one extra slot for "unknown"; filled on first use. */
		private final AtomicReferenceArray<Timer> requestTimers = new AtomicReferenceArray<>(
				(ROLES.length + 1) * (STATUSES.length + 1) * OUTCOMES.length);

		Meters(MeterRegistry registry, Tags tags, IntSupplier activeRequests, IntSupplier activeConnections) {
			this.registry = registry;
			this.tags = tags;
			add(Gauge.builder("fastcgi.requests.active", activeRequests, IntSupplier::getAsInt)
				.description("FastCGI requests in flight")
				.baseUnit("requests")
				.tags(tags)
				.strongReference(true)
				.register(registry));
			add(Gauge.builder("fastcgi.connections.active", activeConnections, IntSupplier::getAsInt)
				.description("FastCGI connections open")
				.baseUnit(BaseUnits.CONNECTIONS)
				.tags(tags)
				.strongReference(true)
				.register(registry));
			for (RecordType type : RecordType.values()) {
				this.recordsIn.put(type, recordCounter(type.name(), "in"));
				this.recordsOut.put(type, recordCounter(type.name(), "out"));
			}
			this.otherRecordsIn = recordCounter(UNKNOWN, "in");
			this.otherRecordsOut = recordCounter(UNKNOWN, "out");
			this.bytesIn = bytesCounter("in");
			this.bytesOut = bytesCounter("out");
			this.aborted = add(Counter.builder("fastcgi.requests.aborted")
				.description("FCGI_ABORT_REQUEST records received for requests in flight")
				.baseUnit("requests")
				.tags(tags)
				.register(registry));
			for (RejectReason reason : RejectReason.values()) {
				this.rejected.put(reason, add(Counter.builder("fastcgi.connections.rejected")
					.description("Connections refused at accept time")
					.baseUnit(BaseUnits.CONNECTIONS)
					.tags(tags)
					.tag("reason", reason.name().toLowerCase())
					.register(registry)));
			}
			for (HandOffReason reason : HandOffReason.values()) {
				this.handOffs.put(reason, add(Counter.builder("fastcgi.event.loop.handoffs")
					.description("Event loop selectors handed to another thread while a request ran on the leader "
							+ "(it blocked, ran past 10 ms, or filled the socket's send buffer)")
					.tags(tags)
					.tag("reason", reason.name().toLowerCase())
					.register(registry)));
			}
		}

		private Counter recordCounter(String type, String direction) {
			return add(Counter.builder("fastcgi.records")
				.description("FastCGI records received (in) or sent (out)")
				.baseUnit("records")
				.tags(this.tags)
				.tag("type", type)
				.tag("direction", direction)
				.register(this.registry));
		}

		private Counter bytesCounter(String direction) {
			return add(Counter.builder("fastcgi.bytes")
				.description("Bytes read from (in) or written to (out) FastCGI connections")
				.baseUnit(BaseUnits.BYTES)
				.tags(this.tags)
				.tag("direction", direction)
				.register(this.registry));
		}

		private <M extends Meter> M add(M meter) {
			this.registered.add(meter);
			return meter;
		}

		Counter record(Map<RecordType, Counter> counters, Counter other, @Nullable RecordType type) {
			return (type != null) ? counters.get(type) : other;
		}

		Timer requestTimer(@Nullable Role role, @Nullable ProtocolStatus status, ServerListener.Outcome outcome) {
			int roleIndex = (role != null) ? role.ordinal() : ROLES.length;
			int statusIndex = (status != null) ? status.ordinal() : STATUSES.length;
			int index = (roleIndex * (STATUSES.length + 1) + statusIndex) * OUTCOMES.length + outcome.ordinal();
			Timer timer = this.requestTimers.get(index);
			if (timer == null) {
				timer = add(Timer.builder("fastcgi.requests")
					.description("FastCGI requests, from FCGI_BEGIN_REQUEST to FCGI_END_REQUEST")
					.tags(this.tags)
					.tag("role", (role != null) ? role.name() : UNKNOWN)
					.tag("status", (status != null) ? status.name() : UNKNOWN)
					.tag("outcome", outcome.name())
					.register(this.registry));
				if (!this.requestTimers.compareAndSet(index, null, timer)) {
					timer = this.requestTimers.get(index);
				}
			}
			return timer;
		}

		Counter protocolError(String reason) {
			Counter counter = this.protocolErrors.get(reason);
			if (counter == null) {
				String tagValue = (this.protocolErrors.size() < MAX_ERROR_REASONS) ? reason : "other";
				counter = this.protocolErrors.computeIfAbsent(tagValue, (key) -> add(Counter
					.builder("fastcgi.protocol.errors")
					.description("FastCGI connections closed for malformed input or an exceeded limit")
					.tags(this.tags)
					.tag("reason", key)
					.register(this.registry)));
			}
			return counter;
		}

		void remove() {
			synchronized (this.registered) {
				for (Meter meter : this.registered) {
					this.registry.remove(meter);
				}
				this.registered.clear();
			}
		}

	}

}
