package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/**
 * Writes records into buffers: header, content, padding to a multiple of 8 ({@code -len & 7}). Pure: no I/O.
 */
public final class RecordEncoder {

	private RecordEncoder() {
	}

	/** Bytes a record with {@code contentLength} content takes on the wire, padding included. */
	public static int recordLength(int contentLength) {
		return FastCgi.HEADER_LENGTH + contentLength + FastCgi.paddingFor(contentLength);
	}

	/**
	 * Writes one record with content {@code content[offset, offset+length)} ({@code length <= 65535}).
	 * @throws java.nio.BufferOverflowException if {@code out} has less than {@link #recordLength(int)} remaining
	 */
	public static void writeRecord(ByteBuffer out, RecordType type, int requestId, byte[] content, int offset,
			int length) {
		throw new UnsupportedOperationException("TODO");
	}

	/** Writes one record whose content is {@code content}'s remaining bytes (position advanced). */
	public static void writeRecord(ByteBuffer out, RecordType type, int requestId, ByteBuffer content) {
		throw new UnsupportedOperationException("TODO");
	}

	/** Writes a record with no content: the end of a stream (STDOUT, STDERR, STDIN, PARAMS, DATA). */
	public static void writeEmpty(ByteBuffer out, RecordType type, int requestId) {
		throw new UnsupportedOperationException("TODO");
	}

	/**
	 * Writes {@code content[offset, offset+length)} as a stream of records of at most {@code maxContent} bytes each
	 * (no end-of-stream record).
	 */
	public static void writeStream(ByteBuffer out, RecordType type, int requestId, byte[] content, int offset,
			int length, int maxContent) {
		throw new UnsupportedOperationException("TODO");
	}

	/** Bytes {@link #writeStream} will write. */
	public static int streamLength(int length, int maxContent) {
		throw new UnsupportedOperationException("TODO");
	}

	/** FCGI_BEGIN_REQUEST: role (2 bytes), flags, 5 reserved. */
	public static void writeBeginRequest(ByteBuffer out, int requestId, int role, int flags) {
		throw new UnsupportedOperationException("TODO");
	}

	/** FCGI_END_REQUEST: appStatus (4 bytes, big-endian), protocolStatus, 3 reserved. */
	public static void writeEndRequest(ByteBuffer out, int requestId, int appStatus, int protocolStatus) {
		throw new UnsupportedOperationException("TODO");
	}

	/** FCGI_UNKNOWN_TYPE with request id 0: the unknown type, 7 reserved. */
	public static void writeUnknownType(ByteBuffer out, int unknownType) {
		throw new UnsupportedOperationException("TODO");
	}

}
