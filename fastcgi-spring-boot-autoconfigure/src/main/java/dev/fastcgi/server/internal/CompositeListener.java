package dev.fastcgi.server.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.ServerListener;

/**
 * Fans engine events out to the registered {@link ServerListener}s. A listener that throws is ignored for that
 * event (listeners must not throw; the engine must not die when one does).
 */
public final class CompositeListener implements ServerListener {

	private final List<ServerListener> listeners = new CopyOnWriteArrayList<>();

	private volatile boolean empty = true;

	/** Adds a listener. */
	public void add(ServerListener listener) {
		this.listeners.add(listener);
		this.empty = false;
	}

	@Override
	public void connectionOpened(long connectionId) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.connectionOpened(connectionId);
				}
				catch (RuntimeException ex) {
					// listeners must not throw; ignore
				}
			}
		}
	}

	@Override
	public void connectionClosed(long connectionId) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.connectionClosed(connectionId);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void connectionRejected(RejectReason reason) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.connectionRejected(reason);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void requestStarted(long connectionId, int requestId, Role role) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.requestStarted(connectionId, requestId, role);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void requestEnded(long connectionId, int requestId, Role role, int appStatus, ProtocolStatus protocolStatus,
			Outcome outcome, long durationNanos) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.requestEnded(connectionId, requestId, role, appStatus, protocolStatus, outcome, durationNanos);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void requestAborted(long connectionId, int requestId) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.requestAborted(connectionId, requestId);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void recordReceived(RecordType type, int contentLength) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.recordReceived(type, contentLength);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void recordSent(RecordType type, int contentLength) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.recordSent(type, contentLength);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void bytesReceived(long bytes) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.bytesReceived(bytes);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void bytesSent(long bytes) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.bytesSent(bytes);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void inputSpilled(long connectionId, int requestId, java.nio.file.Path file) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.inputSpilled(connectionId, requestId, file);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void eventLoopHandedOff(HandOffReason reason) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.eventLoopHandedOff(reason);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

	@Override
	public void protocolError(long connectionId, String reason) {
		if (!this.empty) {
			for (ServerListener l : this.listeners) {
				try {
					l.protocolError(connectionId, reason);
				}
				catch (RuntimeException ex) {
					// ignore
				}
			}
		}
	}

}
