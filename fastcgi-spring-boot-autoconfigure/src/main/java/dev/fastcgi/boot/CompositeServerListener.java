package dev.fastcgi.boot;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ServerListener;

/**
 * The one {@link ServerListener} handed to the engine before it starts; listeners can be added and removed at any
 * time, also after start (the metrics binder adds itself once the application has started). A listener that
 * throws is logged and skipped, never allowed to break a request.
 */
final class CompositeServerListener implements ServerListener {

	private static final Log logger = LogFactory.getLog(CompositeServerListener.class);

	private final List<ServerListener> listeners = new CopyOnWriteArrayList<>();

	void add(ServerListener listener) {
		this.listeners.add(listener);
	}

	void remove(ServerListener listener) {
		this.listeners.remove(listener);
	}

	List<ServerListener> getListeners() {
		return List.copyOf(this.listeners);
	}

	@Override
	public void connectionOpened(long connectionId) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.connectionOpened(connectionId);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void connectionClosed(long connectionId) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.connectionClosed(connectionId);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void connectionRejected(RejectReason reason) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.connectionRejected(reason);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void requestStarted(long connectionId, int requestId, Role role) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.requestStarted(connectionId, requestId, role);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void requestEnded(long connectionId, int requestId, Role role, int appStatus,
			ProtocolStatus protocolStatus, Outcome outcome, long durationNanos) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.requestEnded(connectionId, requestId, role, appStatus, protocolStatus, outcome,
						durationNanos);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void requestAborted(long connectionId, int requestId) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.requestAborted(connectionId, requestId);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void recordReceived(RecordType type, int contentLength) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.recordReceived(type, contentLength);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void recordSent(RecordType type, int contentLength) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.recordSent(type, contentLength);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void bytesReceived(long bytes) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.bytesReceived(bytes);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void bytesSent(long bytes) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.bytesSent(bytes);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void eventLoopHandedOff(HandOffReason reason) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.eventLoopHandedOff(reason);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	@Override
	public void protocolError(long connectionId, String reason) {
		for (ServerListener listener : this.listeners) {
			try {
				listener.protocolError(connectionId, reason);
			}
			catch (RuntimeException ex) {
				failed(listener, ex);
			}
		}
	}

	private void failed(ServerListener listener, RuntimeException ex) {
		if (logger.isDebugEnabled()) {
			logger.debug("FastCGI server listener " + listener + " failed", ex);
		}
	}

}
