package dev.fastcgi.client;

import java.nio.charset.StandardCharsets;

import dev.fastcgi.protocol.RecordHeader;
import dev.fastcgi.protocol.RecordType;

/**
 * A record read by {@link RawConnection}: its header and a copy of its content (padding dropped).
 *
 * @param header the 8-byte header as decoded
 * @param content the content bytes
 */
public record ReceivedRecord(RecordHeader header, byte[] content) {

	/** The type code. */
	public int type() {
		return this.header.type();
	}

	/** The known type, or null. */
	public RecordType recordType() {
		return this.header.recordType();
	}

	/** The request id. */
	public int requestId() {
		return this.header.requestId();
	}

	/** The content as ISO-8859-1 text (one char per byte). */
	public String contentAsString() {
		return new String(this.content, StandardCharsets.ISO_8859_1);
	}

	@Override
	public String toString() {
		return "ReceivedRecord[" + ResponseCollector.describe(this.header.type()) + ", requestId="
				+ this.header.requestId() + ", contentLength=" + this.header.contentLength() + ", paddingLength="
				+ this.header.paddingLength() + "]";
	}

}
