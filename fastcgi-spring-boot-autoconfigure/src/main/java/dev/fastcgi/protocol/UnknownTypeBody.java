package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/**
 * The content of FCGI_UNKNOWN_TYPE.
 *
 * <pre>
 * typedef struct {
 *     unsigned char type;
 *     unsigned char reserved[7];
 * } FCGI_UnknownTypeBody;
 * </pre>
 *
 * @param type the record type the application did not understand
 */
public record UnknownTypeBody(int type) {

	public static final int LENGTH = 8;

	/** @throws ProtocolException (reason {@code length}) if the content is not 8 bytes */
	public static UnknownTypeBody decode(ByteBuffer content) throws ProtocolException {
		Bodies.requireLength("FCGI_UNKNOWN_TYPE", content, LENGTH);
		return new UnknownTypeBody(content.get(content.position()) & 0xFF);
	}

}
