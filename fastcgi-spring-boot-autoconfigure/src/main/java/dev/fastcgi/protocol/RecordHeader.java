package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/**
 * The 8-byte header that starts every record.
 *
 * <pre>
 * typedef struct {
 *     unsigned char version;
 *     unsigned char type;
 *     unsigned char requestIdB1;
 *     unsigned char requestIdB0;
 *     unsigned char contentLengthB1;
 *     unsigned char contentLengthB0;
 *     unsigned char paddingLength;
 *     unsigned char reserved;
 * } FCGI_Header;
 * </pre>
 *
 * @param version protocol version (1)
 * @param type record type code (may be one FastCGI 1.0 does not know; see {@link RecordType#fromCode})
 * @param requestId 0..65535
 * @param contentLength 0..65535
 * @param paddingLength 0..255
 */
public record RecordHeader(int version, int type, int requestId, int contentLength, int paddingLength) {

	/** The known type, or null. */
	public RecordType recordType() {
		return RecordType.fromCode(this.type);
	}

	/** Reads 8 bytes at the buffer's position (advancing it); no validation. */
	public static RecordHeader decode(ByteBuffer in) {
		int version = in.get() & 0xFF;
		int type = in.get() & 0xFF;
		int requestId = in.getShort() & 0xFFFF;
		int contentLength = in.getShort() & 0xFFFF;
		int paddingLength = in.get() & 0xFF;
		in.get(); // reserved
		return new RecordHeader(version, type, requestId, contentLength, paddingLength);
	}

	/** Writes the 8 bytes at the buffer's position (advancing it); reserved byte 0. */
	public void encode(ByteBuffer out) {
		encode(out, this.version, this.type, this.requestId, this.contentLength, this.paddingLength);
	}

	/** Writes a header without creating a {@code RecordHeader}: the encoder's hot path. */
	static void encode(ByteBuffer out, int version, int type, int requestId, int contentLength, int paddingLength) {
		out.put((byte) version);
		out.put((byte) type);
		out.putShort((short) requestId);
		out.putShort((short) contentLength);
		out.put((byte) paddingLength);
		out.put((byte) 0);
	}

}
