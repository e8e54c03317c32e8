package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/**
 * The content of FCGI_BEGIN_REQUEST.
 *
 * <pre>
 * typedef struct {
 *     unsigned char roleB1;
 *     unsigned char roleB0;
 *     unsigned char flags;
 *     unsigned char reserved[5];
 * } FCGI_BeginRequestBody;
 * </pre>
 *
 * @param role the role number (may be unknown; see {@link Role#fromCode})
 * @param flags {@link FastCgi#KEEP_CONN} or 0
 */
public record BeginRequestBody(int role, int flags) {

	public static final int LENGTH = 8;

	public boolean keepConn() {
		return (this.flags & FastCgi.KEEP_CONN) != 0;
	}

	/**
	 * Decodes the content of a BEGIN_REQUEST record.
	 * @throws ProtocolException (reason {@code length}) if the content is not 8 bytes
	 */
	public static BeginRequestBody decode(ByteBuffer content) throws ProtocolException {
		Bodies.requireLength("FCGI_BEGIN_REQUEST", content, LENGTH);
		int p = content.position();
		return new BeginRequestBody(content.getShort(p) & 0xFFFF, content.get(p + 2) & 0xFF);
	}

}
