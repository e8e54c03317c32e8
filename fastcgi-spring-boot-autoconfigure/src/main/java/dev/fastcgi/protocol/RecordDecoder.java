package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/**
 * Frames a byte stream into records. Feed it bytes in any fragments ({@link #decode(ByteBuffer)}); for each whole
 * record it calls {@link Listener#onRecord} with the header's fields and a slice of exactly {@code contentLength}
 * bytes. The slice is valid only during the call. A record split across reads is copied once into an internal buffer;
 * a record wholly inside the given buffer is handed out without copying. State: {@code HEADER -> CONTENT -> PADDING}.
 * Padding is skipped as it arrives, so a record is delivered as soon as its content is complete.
 * <p>
 * The decoder validates framing only (version 1; nothing else is impossible at the header level since lengths are
 * 16/8-bit). What a record means is the caller's policy. Not thread-safe. Allocates nothing per record in steady
 * state beyond the content slice it hands out: the header's fields are passed as ints, not as a
 * {@link RecordHeader}, and the straddle buffer is allocated once, on first need.
 */
public final class RecordDecoder {

	/** Receives whole records. */
	public interface Listener {

		/**
		 * A whole record. {@code content} is a slice positioned at 0 with limit {@code contentLength}, sharing the
		 * input's (or the decoder's) memory: read it, never write to it.
		 * @param type the record type code, possibly one FastCGI 1.0 does not know ({@link RecordType#fromCode})
		 * @param requestId 0..65535, 0 for a management record
		 * @param paddingLength the padding that follows the content (0..255), already skipped or to be skipped
		 * @param content the content
		 * @return true to go on decoding, false to pause: {@link #decode} then returns right after this record,
		 * leaving the rest of the input unread in the caller's buffer
		 * @throws ProtocolException to reject the record; it propagates out of {@link #decode}
		 */
		boolean onRecord(int type, int requestId, int paddingLength, ByteBuffer content) throws ProtocolException;

	}

	private enum State {

		HEADER, CONTENT, PADDING, FAILED

	}

	private final Listener listener;

	private final byte[] headerBytes = new byte[FastCgi.HEADER_LENGTH];

	private final ByteBuffer headerBuffer = ByteBuffer.wrap(this.headerBytes);

	private ByteBuffer straddle;

	private State state = State.HEADER;

	/** The type, request id, content and padding lengths of the record being read (valid in CONTENT). */
	private int type;

	private int requestId;

	private int contentLength;

	private int paddingLength;

	private int paddingLeft;

	private boolean pausedAfterRecord;

	private ProtocolException failure;

	public RecordDecoder(Listener listener) {
		this.listener = listener;
	}

	/**
	 * Consumes bytes from {@code in} (advancing its position) and reports every whole record.
	 * @return false if the listener paused, true if all input was consumed
	 * @throws ProtocolException on a wrong version, or as thrown by the listener; the decoder is then failed and
	 * rejects further input with the same exception
	 */
	public boolean decode(ByteBuffer in) throws ProtocolException {
		try {
			while (true) {
				switch (this.state) {
					case HEADER -> {
						if (!readHeader(in)) {
							return true;
						}
					}
					case CONTENT -> {
						if (!readContent(in)) {
							return true;
						}
						if (this.pausedAfterRecord) {
							this.pausedAfterRecord = false;
							return false;
						}
					}
					case PADDING -> {
						int skip = Math.min(this.paddingLeft, in.remaining());
						in.position(in.position() + skip);
						this.paddingLeft -= skip;
						if (this.paddingLeft > 0) {
							return true;
						}
						this.state = State.HEADER;
					}
					case FAILED -> throw this.failure;
				}
			}
		}
		catch (ProtocolException ex) {
			this.state = State.FAILED;
			this.failure = ex;
			throw ex;
		}
	}

	private boolean readHeader(ByteBuffer in) throws ProtocolException {
		if (this.headerBuffer.position() == 0 && in.remaining() >= FastCgi.HEADER_LENGTH) {
			takeHeader(in);
		}
		else {
			while (this.headerBuffer.hasRemaining() && in.hasRemaining()) {
				this.headerBuffer.put(in.get());
			}
			if (this.headerBuffer.hasRemaining()) {
				return false;
			}
			this.headerBuffer.flip();
			takeHeader(this.headerBuffer);
			this.headerBuffer.clear();
		}
		this.paddingLeft = this.paddingLength;
		this.state = State.CONTENT;
		return true;
	}

	/** Reads the 8 header bytes at the buffer's position into the fields; rejects a version other than 1. */
	private void takeHeader(ByteBuffer from) throws ProtocolException {
		int version = from.get() & 0xFF;
		this.type = from.get() & 0xFF;
		this.requestId = from.getShort() & 0xFFFF;
		this.contentLength = from.getShort() & 0xFFFF;
		this.paddingLength = from.get() & 0xFF;
		from.get(); // reserved
		if (version != FastCgi.VERSION_1) {
			throw new ProtocolException("version",
					"record version " + version + " is not FastCGI version 1 (type " + this.type + ", request "
							+ this.requestId + ", content length " + this.contentLength + ")");
		}
	}

	private boolean readContent(ByteBuffer in) throws ProtocolException {
		int length = this.contentLength;
		ByteBuffer content;
		if ((this.straddle == null || this.straddle.position() == 0) && in.remaining() >= length) {
			int start = in.position();
			content = in.slice(start, length);
			in.position(start + length);
		}
		else {
			if (this.straddle == null) {
				this.straddle = ByteBuffer.allocate(FastCgi.MAX_CONTENT_LENGTH);
			}
			int need = length - this.straddle.position();
			int take = Math.min(need, in.remaining());
			int oldLimit = in.limit();
			in.limit(in.position() + take);
			this.straddle.put(in);
			in.limit(oldLimit);
			if (this.straddle.position() < length) {
				return false;
			}
			content = this.straddle.slice(0, length);
			this.straddle.clear();
		}
		this.state = (this.paddingLeft > 0) ? State.PADDING : State.HEADER;
		if (!this.listener.onRecord(this.type, this.requestId, this.paddingLength, content)) {
			this.pausedAfterRecord = true;
		}
		return true;
	}

	/** Whether the decoder is between records (no partial record buffered): a clean place for EOF. */
	public boolean isAtRecordBoundary() {
		return this.state == State.HEADER && this.headerBuffer.position() == 0;
	}

}
