package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/**
 * The content of FCGI_END_REQUEST.
 *
 * <pre>
 * typedef struct {
 *     unsigned char appStatusB3;
 *     unsigned char appStatusB2;
 *     unsigned char appStatusB1;
 *     unsigned char appStatusB0;
 *     unsigned char protocolStatus;
 *     unsigned char reserved[3];
 * } FCGI_EndRequestBody;
 * </pre>
 *
 * @param appStatus the application's exit status (32 bits)
 * @param protocolStatus see {@link ProtocolStatus#fromCode}
 */
public record EndRequestBody(int appStatus, int protocolStatus) {

	public static final int LENGTH = 8;

	/** @throws ProtocolException (reason {@code length}) if the content is not 8 bytes */
	public static EndRequestBody decode(ByteBuffer content) throws ProtocolException {
		Bodies.requireLength("FCGI_END_REQUEST", content, LENGTH);
		int p = content.position();
		return new EndRequestBody(content.getInt(p), content.get(p + 4) & 0xFF);
	}

}
