package dev.fastcgi.server;

import java.util.List;

/**
 * A read-only point-in-time view of the engine, for the actuator endpoint.
 * @param bindAddress what was configured
 * @param boundAddress what was bound (e.g. the real port), as text
 * @param accepting whether the listener accepts connections
 * @param activeConnections open connections
 * @param activeRequests requests in flight
 * @param totalConnections connections accepted since start
 * @param totalRequests requests begun since start
 * @param connections the open connections
 */
public record ServerSnapshot(String bindAddress, String boundAddress, boolean accepting, int activeConnections,
		int activeRequests, long totalConnections, long totalRequests, List<ConnectionSnapshot> connections) {

	/**
	 * One open connection.
	 * @param id connection id
	 * @param remoteAddress peer, or "unix"
	 * @param openedAtEpochMillis when it was accepted
	 * @param activeRequests requests in flight on it
	 * @param completedRequests requests finished on it
	 */
	public record ConnectionSnapshot(long id, String remoteAddress, long openedAtEpochMillis, int activeRequests,
			long completedRequests) {
	}

}
