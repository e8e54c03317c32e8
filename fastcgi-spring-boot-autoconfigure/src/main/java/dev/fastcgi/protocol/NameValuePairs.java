package dev.fastcgi.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The name-value pair codec shared by FCGI_PARAMS, FCGI_GET_VALUES and FCGI_GET_VALUES_RESULT (specification
 * section 3.4): each length is one byte (0..127) or four bytes with the high bit set (31 bits). Names and values
 * are decoded and encoded as ISO-8859-1, so any byte sequence survives a round trip (a char above 0xFF cannot be
 * encoded and is refused).
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

	/** The largest length a one-byte length field holds. */
	public static final int MAX_SHORT_LENGTH = 0x7F;

	/** Receives decoded pairs. */
	public interface Sink {

		void pair(String name, String value) throws ProtocolException;

	}

	private NameValuePairs() {
	}

	/**
	 * Decodes every pair in {@code in} (from position to limit), advancing the position to the limit.
	 * @throws ProtocolException (reason {@code name_value}) if a length runs past the end of the data
	 */
	public static void decode(ByteBuffer in, Sink sink) throws ProtocolException {
		while (in.hasRemaining()) {
			long lengths = readLengths(in);
			String name = readName(in, (int) (lengths >>> 32));
			String value = readString(in, (int) lengths);
			sink.pair(name, value);
		}
	}

	/**
	 * Decodes every pair in {@code length} bytes of {@code bytes} at {@code offset}, handing each value on as its
	 * place in {@code bytes} (for {@link ParamMap}, which decodes a value when it is first read).
	 * @throws ProtocolException (reason {@code name_value}) if a length runs past the end of the data
	 */
	static void decode(byte[] bytes, int offset, int length, RawSink sink) throws ProtocolException {
		ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
		while (in.hasRemaining()) {
			long lengths = readLengths(in);
			String name = readName(in, (int) (lengths >>> 32));
			int valueOffset = in.position();
			int valueLength = (int) lengths;
			in.position(valueOffset + valueLength);
			sink.pair(name, valueOffset, valueLength);
		}
	}

	/**
	 * How many pairs {@code length} bytes of {@code bytes} at {@code offset} hold, at most {@code limit}: a walk over
	 * the lengths only. Where a length runs past the end the count stops there ({@link #decode} reports it).
	 */
	static int count(byte[] bytes, int offset, int length, int limit) {
		ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
		int pairs = 0;
		try {
			while (in.hasRemaining() && pairs < limit) {
				long lengths = readLengths(in);
				in.position(in.position() + (int) (lengths >>> 32) + (int) lengths);
				pairs++;
			}
		}
		catch (ProtocolException ex) {
			// a pair cut off: decoding reports it
		}
		return pairs;
	}

	/** Receives pairs whose values are left in the bytes they were decoded from. */
	interface RawSink {

		void pair(String name, int valueOffset, int valueLength) throws ProtocolException;

	}

	/** A pair's name length (high 32 bits) and value length (low 32), checked against the bytes that remain. */
	private static long readLengths(ByteBuffer in) throws ProtocolException {
		int nameLength = readLength(in, "name");
		int valueLength = readLength(in, "value");
		if ((long) nameLength + valueLength > in.remaining()) {
			throw new ProtocolException("name_value", "name-value pair declares " + nameLength + "+" + valueLength
					+ " bytes but only " + in.remaining() + " remain");
		}
		return ((long) nameLength << 32) | valueLength;
	}

	/** Decodes into a new insertion-ordered map (a later duplicate name wins). */
	public static Map<String, String> decode(ByteBuffer in) throws ProtocolException {
		Map<String, String> pairs = new LinkedHashMap<>();
		decode(in, pairs::put);
		return pairs;
	}

	private static int readLength(ByteBuffer in, String what) throws ProtocolException {
		if (!in.hasRemaining()) {
			throw new ProtocolException("name_value", "name-value pair is cut off before its " + what + " length");
		}
		int b = in.get() & 0xFF;
		if ((b & 0x80) == 0) {
			return b;
		}
		if (in.remaining() < 3) {
			throw new ProtocolException("name_value",
					"name-value pair is cut off inside its four-byte " + what + " length");
		}
		return ((b & 0x7F) << 24) | ((in.get() & 0xFF) << 16) | ((in.get() & 0xFF) << 8) | (in.get() & 0xFF);
	}

	/** A name: a shared string when it is a well-known CGI param name, else a new one. */
	private static String readName(ByteBuffer in, int length) {
		String known = KnownNames.lookup(in, length);
		if (known != null) {
			in.position(in.position() + length);
			return known;
		}
		return readString(in, length);
	}

	private static String readString(ByteBuffer in, int length) {
		if (length == 0) {
			return "";
		}
		String s;
		if (in.hasArray()) {
			s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.ISO_8859_1);
			in.position(in.position() + length);
		}
		else {
			byte[] bytes = new byte[length];
			in.get(bytes);
			s = new String(bytes, StandardCharsets.ISO_8859_1);
		}
		return s;
	}

	/** Bytes one pair takes encoded. */
	public static int encodedLength(String name, String value) {
		return lengthSize(name.length()) + lengthSize(value.length()) + name.length() + value.length();
	}

	private static int lengthSize(int length) {
		return (length > MAX_SHORT_LENGTH) ? 4 : 1;
	}

	/**
	 * Encodes one pair at the buffer's position.
	 * @throws IllegalArgumentException if a char is above 0xFF (not a byte)
	 */
	public static void encode(String name, String value, ByteBuffer out) {
		writeLength(name.length(), out);
		writeLength(value.length(), out);
		writeChars(name, out);
		writeChars(value, out);
	}

	private static void writeLength(int length, ByteBuffer out) {
		if (length > MAX_SHORT_LENGTH) {
			out.putInt(length | 0x8000_0000);
		}
		else {
			out.put((byte) length);
		}
	}

	private static void writeChars(String s, ByteBuffer out) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c > 0xFF) {
				throw new IllegalArgumentException("name-value pairs carry bytes: char U+"
						+ Integer.toHexString(c).toUpperCase() + " at index " + i
						+ " is not ISO-8859-1 (encode the text to bytes first)");
			}
			out.put((byte) c);
		}
	}

	/** Encodes all pairs into a new byte array (may exceed one record: split it with {@link RecordEncoder}). */
	public static byte[] encode(Map<String, String> pairs) {
		int length = 0;
		for (Map.Entry<String, String> e : pairs.entrySet()) {
			length += encodedLength(e.getKey(), e.getValue());
		}
		ByteBuffer out = ByteBuffer.allocate(length);
		pairs.forEach((name, value) -> encode(name, value, out));
		return out.array();
	}

}
