package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/**
 * Frames a byte stream into records. Feed it bytes in any fragments ({@link #decode(ByteBuffer)}); for each whole
 * record it calls {@link Listener#onRecord} with a read-only slice of exactly {@code contentLength} bytes. The slice
 * is valid only during the call. A record split across reads is copied once into an internal buffer; a record wholly
 * inside the given buffer is handed out without copying. State: {@code HEADER -> CONTENT -> PADDING}.
 * <p>
 * The decoder validates framing only (version 1; nothing else is impossible at the header level since lengths are
 * 16/8-bit). What a record means is the caller's policy. Not thread-safe. Allocates nothing per record in steady
 * state beyond the straddle buffer (allocated once).
 */
public final class RecordDecoder {

	/** Receives whole records. */
	public interface Listener {

		/**
		 * A whole record. {@code content} is a read-only slice positioned at 0 with limit {@code contentLength}.
		 * @return true to go on decoding, false to pause: {@link #decode} then returns right after this record,
		 * leaving the rest of the input unread in the caller's buffer
		 * @throws ProtocolException to reject the record; it propagates out of {@link #decode}
		 */
		boolean onRecord(RecordHeader header, ByteBuffer content) throws ProtocolException;

	}

	public RecordDecoder(Listener listener) {
		throw new UnsupportedOperationException("TODO");
	}

	/**
	 * Consumes bytes from {@code in} (advancing its position) and reports every whole record.
	 * @return false if the listener paused, true if all input was consumed
	 * @throws ProtocolException on a wrong version; the decoder is then failed and rejects further input
	 */
	public boolean decode(ByteBuffer in) throws ProtocolException {
		throw new UnsupportedOperationException("TODO");
	}

	/** Whether the decoder is between records (no partial record buffered): a clean place for EOF. */
	public boolean isAtRecordBoundary() {
		throw new UnsupportedOperationException("TODO");
	}

}
