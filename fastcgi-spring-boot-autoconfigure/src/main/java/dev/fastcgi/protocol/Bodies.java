package dev.fastcgi.protocol;

import java.nio.ByteBuffer;

/** Checks shared by the fixed-size record bodies. */
final class Bodies {

	private Bodies() {
	}

	static void requireLength(String what, ByteBuffer content, int length) throws ProtocolException {
		if (content.remaining() != length) {
			throw new ProtocolException("length",
					what + " body is " + content.remaining() + " bytes; the specification says " + length);
		}
	}

}
