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
		checkLength(length);
		int padding = FastCgi.paddingFor(length);
		RecordHeader.encode(out, FastCgi.VERSION_1, type.code(), requestId, length, padding);
		out.put(content, offset, length);
		pad(out, padding);
	}

	/** Writes one record whose content is {@code content}'s remaining bytes (position advanced). */
	public static void writeRecord(ByteBuffer out, RecordType type, int requestId, ByteBuffer content) {
		int length = content.remaining();
		checkLength(length);
		int padding = FastCgi.paddingFor(length);
		RecordHeader.encode(out, FastCgi.VERSION_1, type.code(), requestId, length, padding);
		out.put(content);
		pad(out, padding);
	}

	/** Writes a record with no content: the end of a stream (STDOUT, STDERR, STDIN, PARAMS, DATA). */
	public static void writeEmpty(ByteBuffer out, RecordType type, int requestId) {
		RecordHeader.encode(out, FastCgi.VERSION_1, type.code(), requestId, 0, 0);
	}

	/**
	 * Writes {@code content[offset, offset+length)} as a stream of records of at most {@code maxContent} bytes each
	 * (no end-of-stream record).
	 */
	public static void writeStream(ByteBuffer out, RecordType type, int requestId, byte[] content, int offset,
			int length, int maxContent) {
		if (maxContent < 1 || maxContent > FastCgi.MAX_CONTENT_LENGTH) {
			throw new IllegalArgumentException("maxContent " + maxContent + " is outside 1.." + FastCgi.MAX_CONTENT_LENGTH);
		}
		int end = offset + length;
		for (int pos = offset; pos < end; pos += maxContent) {
			writeRecord(out, type, requestId, content, pos, Math.min(maxContent, end - pos));
		}
	}

	/** Bytes {@link #writeStream} will write. */
	public static int streamLength(int length, int maxContent) {
		int full = length / maxContent;
		int rest = length % maxContent;
		return full * recordLength(maxContent) + ((rest > 0) ? recordLength(rest) : 0);
	}

	/** FCGI_BEGIN_REQUEST: role (2 bytes), flags, 5 reserved. */
	public static void writeBeginRequest(ByteBuffer out, int requestId, int role, int flags) {
		RecordHeader.encode(out, FastCgi.VERSION_1, RecordType.BEGIN_REQUEST.code(), requestId,
				BeginRequestBody.LENGTH, 0);
		out.putShort((short) role);
		out.put((byte) flags);
		pad(out, 5);
	}

	/** FCGI_END_REQUEST: appStatus (4 bytes, big-endian), protocolStatus, 3 reserved. */
	public static void writeEndRequest(ByteBuffer out, int requestId, int appStatus, int protocolStatus) {
		RecordHeader.encode(out, FastCgi.VERSION_1, RecordType.END_REQUEST.code(), requestId, EndRequestBody.LENGTH,
				0);
		out.putInt(appStatus);
		out.put((byte) protocolStatus);
		pad(out, 3);
	}

	/** FCGI_UNKNOWN_TYPE with request id 0: the unknown type, 7 reserved. */
	public static void writeUnknownType(ByteBuffer out, int unknownType) {
		RecordHeader.encode(out, FastCgi.VERSION_1, RecordType.UNKNOWN_TYPE.code(), FastCgi.NULL_REQUEST_ID,
				UnknownTypeBody.LENGTH, 0);
		out.put((byte) unknownType);
		pad(out, 7);
	}

	private static void checkLength(int length) {
		if (length < 0 || length > FastCgi.MAX_CONTENT_LENGTH) {
			throw new IllegalArgumentException(
					"record content length " + length + " is outside 0.." + FastCgi.MAX_CONTENT_LENGTH);
		}
	}

	private static void pad(ByteBuffer out, int padding) {
		for (int i = 0; i < padding; i++) {
			out.put((byte) 0);
		}
	}

}
