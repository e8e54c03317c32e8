package dev.fastcgi.protocol;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the shared strings {@link NameValuePairs} returns for well-known param names.
 */
class NameValuePairsKnownNamesTests {

	@Test
	void knownNamesDecodeToSharedStringsAndOthersAsSent() throws ProtocolException {
		Map<String, String> sent = new LinkedHashMap<>();
		sent.put("REQUEST_METHOD", "GET");
		sent.put("HTTP_HOST", "localhost");
		sent.put("REQUEST_METHOX", "near miss");
		sent.put("HTTP_X_CUSTOM", "custom");
		sent.put("HTTPS", "");
		sent.put("A", "short");
		sent.put("HTTP_\u00e9T\u00e9", "latin-1 name");
		byte[] encoded = NameValuePairs.encode(sent);
		for (ByteBuffer in : new ByteBuffer[] { ByteBuffer.wrap(encoded), direct(encoded), offset(encoded) }) {
			Map<String, String> decoded = NameValuePairs.decode(in);
			assertThat(decoded).containsExactlyEntriesOf(sent);
			String method = decoded.keySet().iterator().next();
			assertThat(method).isSameAs(NameValuePairs.decode(ByteBuffer.wrap(encoded)).keySet().iterator().next());
			assertThat(in.hasRemaining()).isFalse();
		}
	}

	/** A heap buffer whose content starts 3 bytes into its array (a slice), after bytes that spell nothing. */
	private static ByteBuffer offset(byte[] bytes) {
		byte[] padded = new byte[bytes.length + 3];
		padded[0] = 'H';
		System.arraycopy(bytes, 0, padded, 3, bytes.length);
		return ByteBuffer.wrap(padded, 3, bytes.length).slice();
	}

	private static ByteBuffer direct(byte[] bytes) {
		ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
		buffer.put(bytes).flip();
		return buffer;
	}

}
