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
		throw new UnsupportedOperationException("TODO");
	}

	/** Writes the 8 bytes at the buffer's position (advancing it); reserved byte 0. */
	public void encode(ByteBuffer out) {
		throw new UnsupportedOperationException("TODO");
	}

}
