package dev.fastcgi.protocol;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The name-value pair codec shared by FCGI_PARAMS, FCGI_GET_VALUES and FCGI_GET_VALUES_RESULT (specification
 * section 3.4): each length is one byte (0..127) or four bytes with the high bit set (31 bits). Names and values
 * are decoded and encoded as ISO-8859-1, so any byte sequence survives a round trip.
 *
 * <pre>
 * typedef struct {
 *     unsigned char nameLengthB0;  // nameLengthB0  >> 7 == 0
 *     unsigned char valueLengthB0; // valueLengthB0 >> 7 == 0
 *     unsigned char nameData[nameLength];
 *     unsigned char valueData[valueLength];
 * } FCGI_NameValuePair11;   // and 14, 41, 44 with four-byte lengths B3..B0, B3 >> 7 == 1
 * </pre>
 */
public final class NameValuePairs {

	/** Receives decoded pairs. */
	public interface Sink {

		void pair(String name, String value) throws ProtocolException;

	}

	private NameValuePairs() {
	}

	/**
	 * Decodes every pair in {@code in} (from position to limit).
	 * @throws ProtocolException (reason {@code name_value}) if a length runs past the end of the data
	 */
	public static void decode(ByteBuffer in, Sink sink) throws ProtocolException {
		throw new UnsupportedOperationException("TODO");
	}

	/** Decodes into a new insertion-ordered map (a later duplicate name wins). */
	public static Map<String, String> decode(ByteBuffer in) throws ProtocolException {
		throw new UnsupportedOperationException("TODO");
	}

	/** Bytes one pair takes encoded. */
	public static int encodedLength(String name, String value) {
		throw new UnsupportedOperationException("TODO");
	}

	/** Encodes one pair at the buffer's position. */
	public static void encode(String name, String value, ByteBuffer out) {
		throw new UnsupportedOperationException("TODO");
	}

	/** Encodes all pairs into a new byte array (may exceed one record: split it with {@link RecordEncoder}). */
	public static byte[] encode(Map<String, String> pairs) {
		throw new UnsupportedOperationException("TODO");
	}

}
