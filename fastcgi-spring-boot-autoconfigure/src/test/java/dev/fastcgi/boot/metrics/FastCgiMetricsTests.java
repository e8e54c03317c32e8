package dev.fastcgi.boot.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ServerListener;
import dev.fastcgi.server.ServerListener.Outcome;
import dev.fastcgi.server.ServerListener.RejectReason;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link FastCgiMetrics}, driven by listener events without a server.
 */
class FastCgiMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, new MockClock());

	private final AtomicInteger activeRequests = new AtomicInteger();

	private final AtomicInteger activeConnections = new AtomicInteger();

	private final FastCgiMetrics metrics = new FastCgiMetrics(this.activeRequests::get, this.activeConnections::get,
			Tags.of("app", "test"));

	@Test
	void gaugesFollowTheServersLiveCounts() {
		this.metrics.bindTo(this.registry);
		this.activeRequests.set(3);
		this.activeConnections.set(2);
		assertThat(this.registry.get("fastcgi.requests.active").tag("app", "test").gauge().value()).isEqualTo(3);
		assertThat(this.registry.get("fastcgi.connections.active").gauge().value()).isEqualTo(2);
		this.activeRequests.set(0);
		assertThat(this.registry.get("fastcgi.requests.active").gauge().value()).isZero();
	}

	@Test
	void recordCountersArePreRegisteredForEveryTypeAndDirection() {
		this.metrics.bindTo(this.registry);
		for (RecordType type : RecordType.values()) {
			for (String direction : new String[] { "in", "out" }) {
				assertThat(this.registry.get("fastcgi.records")
					.tags("type", type.name(), "direction", direction)
					.counter()
					.count()).isZero();
			}
		}
	}

	@Test
	void recordsAreCountedByTypeAndDirection() {
		this.metrics.bindTo(this.registry);
		this.metrics.recordReceived(RecordType.BEGIN_REQUEST, 8);
		this.metrics.recordReceived(RecordType.PARAMS, 100);
		this.metrics.recordReceived(RecordType.PARAMS, 0);
		this.metrics.recordReceived(null, 3);
		this.metrics.recordSent(RecordType.STDOUT, 10);
		this.metrics.recordSent(RecordType.END_REQUEST, 8);
		assertThat(count("fastcgi.records", "type", "PARAMS", "direction", "in")).isEqualTo(2);
		assertThat(count("fastcgi.records", "type", "BEGIN_REQUEST", "direction", "in")).isEqualTo(1);
		assertThat(count("fastcgi.records", "type", "UNKNOWN", "direction", "in")).isEqualTo(1);
		assertThat(count("fastcgi.records", "type", "STDOUT", "direction", "out")).isEqualTo(1);
		assertThat(count("fastcgi.records", "type", "STDOUT", "direction", "in")).isZero();
	}

	@Test
	void bytesAreCountedByDirectionInBaseUnitBytes() {
		this.metrics.bindTo(this.registry);
		this.metrics.bytesReceived(100);
		this.metrics.bytesReceived(28);
		this.metrics.bytesSent(64);
		assertThat(count("fastcgi.bytes", "direction", "in")).isEqualTo(128);
		assertThat(count("fastcgi.bytes", "direction", "out")).isEqualTo(64);
		assertThat(this.registry.get("fastcgi.bytes").counter().getId().getBaseUnit()).isEqualTo("bytes");
	}

	@Test
	void requestsAreTimedWithRoleStatusAndOutcome() {
		this.metrics.bindTo(this.registry);
		this.metrics.requestEnded(1, 1, Role.RESPONDER, 0, ProtocolStatus.REQUEST_COMPLETE, Outcome.SUCCESS,
				TimeUnit.MILLISECONDS.toNanos(5));
		this.metrics.requestEnded(1, 3, Role.RESPONDER, 0, ProtocolStatus.REQUEST_COMPLETE, Outcome.SUCCESS,
				TimeUnit.MILLISECONDS.toNanos(7));
		this.metrics.requestEnded(1, 5, null, 0, ProtocolStatus.UNKNOWN_ROLE, Outcome.REJECTED, 0);
		Timer ok = this.registry.get("fastcgi.requests")
			.tags("role", "RESPONDER", "status", "REQUEST_COMPLETE", "outcome", "SUCCESS")
			.timer();
		assertThat(ok.count()).isEqualTo(2);
		assertThat(ok.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(12);
		assertThat(this.registry.get("fastcgi.requests")
			.tags("role", "UNKNOWN", "status", "UNKNOWN_ROLE", "outcome", "REJECTED")
			.timer()
			.count()).isEqualTo(1);
	}

	@Test
	void abortsRejectionsAndProtocolErrorsAreCounted() {
		this.metrics.bindTo(this.registry);
		this.metrics.requestAborted(1, 1);
		this.metrics.connectionRejected(RejectReason.ADDRESS);
		this.metrics.connectionRejected(RejectReason.LIMIT);
		this.metrics.connectionRejected(RejectReason.LIMIT);
		this.metrics.protocolError(1, "version");
		this.metrics.protocolError(2, "version");
		this.metrics.protocolError(3, "params_too_large");
		assertThat(this.registry.get("fastcgi.requests.aborted").counter().count()).isEqualTo(1);
		assertThat(count("fastcgi.connections.rejected", "reason", "address")).isEqualTo(1);
		assertThat(count("fastcgi.connections.rejected", "reason", "limit")).isEqualTo(2);
		assertThat(count("fastcgi.protocol.errors", "reason", "version")).isEqualTo(2);
		assertThat(count("fastcgi.protocol.errors", "reason", "params_too_large")).isEqualTo(1);
	}

	@Test
	void eventLoopHandOffsAreCountedByReason() {
		this.metrics.bindTo(this.registry);
		this.metrics.eventLoopHandedOff(ServerListener.HandOffReason.BLOCKED);
		this.metrics.eventLoopHandedOff(ServerListener.HandOffReason.BLOCKED);
		this.metrics.eventLoopHandedOff(ServerListener.HandOffReason.SOCKET_FULL);
		assertThat(count("fastcgi.event.loop.handoffs", "reason", "blocked")).isEqualTo(2);
		assertThat(count("fastcgi.event.loop.handoffs", "reason", "busy")).isZero();
		assertThat(count("fastcgi.event.loop.handoffs", "reason", "socket_full")).isEqualTo(1);
	}

	@Test
	void protocolErrorReasonsHaveBoundedCardinality() {
		this.metrics.bindTo(this.registry);
		for (int i = 0; i < 200; i++) {
			this.metrics.protocolError(1, "reason" + i);
		}
		assertThat(this.registry.find("fastcgi.protocol.errors").counters()).hasSizeLessThanOrEqualTo(65);
		assertThat(count("fastcgi.protocol.errors", "reason", "other")).isPositive();
	}

	@Test
	void eventsBeforeBindingAreIgnored() {
		this.metrics.bytesReceived(10);
		this.metrics.recordReceived(RecordType.STDIN, 10);
		this.metrics.bindTo(this.registry);
		assertThat(count("fastcgi.bytes", "direction", "in")).isZero();
	}

	@Test
	void closeRemovesEveryMeter() {
		this.metrics.bindTo(this.registry);
		this.metrics.requestEnded(1, 1, Role.RESPONDER, 0, ProtocolStatus.REQUEST_COMPLETE, Outcome.SUCCESS, 1);
		this.metrics.protocolError(1, "version");
		assertThat(this.registry.getMeters()).isNotEmpty();
		this.metrics.close();
		assertThat(this.registry.getMeters()).isEmpty();
		this.metrics.bytesSent(1);
		assertThat(this.registry.getMeters()).isEmpty();
	}

	@Test
	void metersHaveDescriptions() {
		this.metrics.bindTo(this.registry);
		this.metrics.requestEnded(1, 1, Role.RESPONDER, 0, ProtocolStatus.REQUEST_COMPLETE, Outcome.SUCCESS, 1);
		this.metrics.protocolError(1, "version");
		assertThat(this.registry.getMeters()).allSatisfy((meter) -> assertThat(meter.getId().getDescription())
			.as(meter.getId().getName())
			.isNotBlank());
	}

	private double count(String name, String... tags) {
		return this.registry.get(name).tags(tags).counter().count();
	}

}
