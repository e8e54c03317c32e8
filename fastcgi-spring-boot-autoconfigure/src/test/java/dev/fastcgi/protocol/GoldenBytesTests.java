package dev.fastcgi.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Byte-exact encodings from the FastCGI 1.0 specification, one comment per byte, and their decoding.
 */
class GoldenBytesTests {

	private static byte[] bytes(int... values) {
		byte[] b = new byte[values.length];
		for (int i = 0; i < values.length; i++) {
			b[i] = (byte) values[i];
		}
		return b;
	}

	private static byte[] written(java.util.function.Consumer<ByteBuffer> writer) {
		ByteBuffer out = ByteBuffer.allocate(70_000);
		writer.accept(out);
		out.flip();
		byte[] b = new byte[out.remaining()];
		out.get(b);
		return b;
	}

	@Test
	void beginRequest() throws ProtocolException {
		byte[] expected = bytes(
				1, // version
				1, // FCGI_BEGIN_REQUEST
				0, 7, // requestId 7
				0, 8, // contentLength 8
				0, // paddingLength
				0, // reserved
				0, 1, // role FCGI_RESPONDER
				1, // flags FCGI_KEEP_CONN
				0, 0, 0, 0, 0); // reserved[5]
		assertThat(written((out) -> RecordEncoder.writeBeginRequest(out, 7, 1, FastCgi.KEEP_CONN))).isEqualTo(expected);
		BeginRequestBody body = BeginRequestBody.decode(ByteBuffer.wrap(expected, 8, 8).slice());
		assertThat(body.role()).isEqualTo(1);
		assertThat(body.keepConn()).isTrue();
	}

	@Test
	void beginRequestAuthorizerWithoutKeepConn() throws ProtocolException {
		BeginRequestBody body = BeginRequestBody.decode(ByteBuffer.wrap(bytes(0, 2, 0, 0, 0, 0, 0, 0)));
		assertThat(Role.fromCode(body.role())).isEqualTo(Role.AUTHORIZER);
		assertThat(body.keepConn()).isFalse();
	}

	@Test
	void abortRequest() {
		byte[] expected = bytes(1, // version
				2, // FCGI_ABORT_REQUEST
				0x01, 0x02, // requestId 258
				0, 0, // contentLength 0
				0, 0); // padding, reserved
		assertThat(written((out) -> RecordEncoder.writeEmpty(out, RecordType.ABORT_REQUEST, 258))).isEqualTo(expected);
	}

	@Test
	void endRequest() throws ProtocolException {
		byte[] expected = bytes(1, // version
				3, // FCGI_END_REQUEST
				0, 1, // requestId 1
				0, 8, // contentLength 8
				0, 0, // padding, reserved
				0x12, 0x34, 0x56, 0x78, // appStatus 0x12345678
				2, // protocolStatus FCGI_OVERLOADED
				0, 0, 0); // reserved[3]
		assertThat(written((out) -> RecordEncoder.writeEndRequest(out, 1, 0x12345678, 2))).isEqualTo(expected);
		EndRequestBody body = EndRequestBody.decode(ByteBuffer.wrap(expected, 8, 8).slice());
		assertThat(body.appStatus()).isEqualTo(0x12345678);
		assertThat(ProtocolStatus.fromCode(body.protocolStatus())).isEqualTo(ProtocolStatus.OVERLOADED);
	}

	@Test
	void endRequestNegativeAppStatusKeepsAll32Bits() throws ProtocolException {
		byte[] b = written((out) -> RecordEncoder.writeEndRequest(out, 1, -1, 0));
		assertThat(EndRequestBody.decode(ByteBuffer.wrap(b, 8, 8).slice()).appStatus()).isEqualTo(-1);
	}

	@Test
	void paramsWithOneByteLengths() {
		byte[] content = NameValuePairs.encode(Map.of("REQUEST_METHOD", "GET"));
		assertThat(content).isEqualTo(bytes(14, // nameLength (1 byte)
				3, // valueLength (1 byte)
				'R', 'E', 'Q', 'U', 'E', 'S', 'T', '_', 'M', 'E', 'T', 'H', 'O', 'D', 'G', 'E', 'T'));
		byte[] record = written((out) -> RecordEncoder.writeRecord(out, RecordType.PARAMS, 1, content, 0,
				content.length));
		assertThat(record).startsWith(bytes(1, // version
				4, // FCGI_PARAMS
				0, 1, // requestId
				0, 19, // contentLength 19
				5, // paddingLength: 19 + 5 = 24
				0)); // reserved
		assertThat(record).hasSize(8 + 19 + 5).endsWith(0, 0, 0, 0, 0);
	}

	@Test
	void nameValueLengthBoundaries() throws ProtocolException {
		// 127 fits one byte, 128 takes four with the high bit set
		String v127 = "v".repeat(127);
		String v128 = "v".repeat(128);
		assertThat(NameValuePairs.encode(Map.of("A", v127))).startsWith(bytes(1, 127, 'A'));
		assertThat(NameValuePairs.encode(Map.of("A", v128))).startsWith(bytes(1, // nameLength
				0x80, 0x00, 0x00, 0x80, // valueLength 128 as B3..B0, B3 >> 7 == 1
				'A'));
		Map<String, String> big = new LinkedHashMap<>();
		big.put("N".repeat(200), "x".repeat(70_000));
		byte[] encoded = NameValuePairs.encode(big);
		assertThat(encoded).startsWith(bytes(0x80, 0, 0, 200, // nameLength 200
				0x80, 0x01, 0x11, 0x70)); // valueLength 70000 = 0x011170
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(encoded))).isEqualTo(big);
	}

	@Test
	void fourByteLengthUsesAll31Bits() {
		// a declared length of 0x7FFFFFFF must be read as such (and then rejected as running past the data),
		// not masked to 15 bits
		byte[] content = bytes(0xFF, 0xFF, 0xFF, 0xFF, 0, 'x');
		assertThatExceptionOfType(ProtocolException.class)
			.isThrownBy(() -> NameValuePairs.decode(ByteBuffer.wrap(content)))
			.withMessageContaining("2147483647")
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo("name_value"));
	}

	@Test
	void nameValueTruncatedLength() {
		assertThatExceptionOfType(ProtocolException.class)
			.isThrownBy(() -> NameValuePairs.decode(ByteBuffer.wrap(bytes(0x80, 0))))
			.withMessageContaining("four-byte name length");
		assertThatExceptionOfType(ProtocolException.class)
			.isThrownBy(() -> NameValuePairs.decode(ByteBuffer.wrap(bytes(3))))
			.withMessageContaining("value length");
	}

	@Test
	void emptyValueAndAllBytesSurvive() throws ProtocolException {
		StringBuilder all = new StringBuilder();
		for (int c = 0; c < 256; c++) {
			all.append((char) c);
		}
		Map<String, String> pairs = new LinkedHashMap<>();
		pairs.put("EMPTY", "");
		pairs.put("BYTES", all.toString());
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(NameValuePairs.encode(pairs)))).isEqualTo(pairs);
	}

	@Test
	void nonByteCharIsRefused() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> NameValuePairs.encode(Map.of("X", "\u20ac")))
			.withMessageContaining("U+20AC");
	}

	@Test
	void stdinStdoutStderrData() {
		byte[] hello = "hello".getBytes();
		for (RecordType type : List.of(RecordType.STDIN, RecordType.STDOUT, RecordType.STDERR, RecordType.DATA)) {
			byte[] record = written((out) -> RecordEncoder.writeRecord(out, type, 3, hello, 0, 5));
			assertThat(record).isEqualTo(bytes(1, // version
					type.code(), // type
					0, 3, // requestId
					0, 5, // contentLength
					3, // padding to 8
					0, // reserved
					'h', 'e', 'l', 'l', 'o', 0, 0, 0));
			assertThat(written((out) -> RecordEncoder.writeEmpty(out, type, 3))).isEqualTo(bytes(1, type.code(), 0, 3,
					0, 0, 0, 0));
		}
	}

	@Test
	void getValuesAndResult() throws ProtocolException {
		Map<String, String> query = new LinkedHashMap<>();
		query.put(FastCgi.MAX_CONNS, "");
		byte[] content = NameValuePairs.encode(query);
		byte[] record = written((out) -> RecordEncoder.writeRecord(out, RecordType.GET_VALUES, 0, content, 0,
				content.length));
		assertThat(record).isEqualTo(bytes(1, // version
				9, // FCGI_GET_VALUES
				0, 0, // requestId 0 (management)
				0, 16, // contentLength
				0, 0, // no padding needed, reserved
				14, 0, // name length 14, value length 0
				'F', 'C', 'G', 'I', '_', 'M', 'A', 'X', '_', 'C', 'O', 'N', 'N', 'S'));
		byte[] result = NameValuePairs.encode(Map.of(FastCgi.MAX_CONNS, "10"));
		byte[] resultRecord = written((out) -> RecordEncoder.writeRecord(out, RecordType.GET_VALUES_RESULT, 0,
				result, 0, result.length));
		assertThat(resultRecord).startsWith(bytes(1, 10, 0, 0, 0, 18, 6, 0, 14, 2));
	}

	@Test
	void unknownType() throws ProtocolException {
		byte[] expected = bytes(1, // version
				11, // FCGI_UNKNOWN_TYPE
				0, 0, // requestId 0
				0, 8, // contentLength
				0, 0, // padding, reserved
				42, // the unknown type
				0, 0, 0, 0, 0, 0, 0); // reserved[7]
		assertThat(written((out) -> RecordEncoder.writeUnknownType(out, 42))).isEqualTo(expected);
		assertThat(UnknownTypeBody.decode(ByteBuffer.wrap(expected, 8, 8).slice()).type()).isEqualTo(42);
	}

	@Test
	void fixedBodiesRejectWrongLength() {
		assertThatExceptionOfType(ProtocolException.class)
			.isThrownBy(() -> BeginRequestBody.decode(ByteBuffer.allocate(7)))
			.withMessage("FCGI_BEGIN_REQUEST body is 7 bytes; the specification says 8");
	}

	@Test
	void streamIsCutAtMaxContentAndPadded() {
		byte[] body = new byte[20_000];
		byte[] out = written((o) -> RecordEncoder.writeStream(o, RecordType.STDOUT, 1, body, 0, body.length, 8192));
		// 8192 + 8192 + 3616: no padding for the first two, 3616 % 8 == 0
		assertThat(out).hasSize(RecordEncoder.streamLength(body.length, 8192)).hasSize(8 + 8192 + 8 + 8192 + 8 + 3616);
		List<Integer> lengths = new ArrayList<>();
		RecordDecoder decoder = new RecordDecoder((type, requestId, padding, c) -> lengths.add(c.remaining()) || true);
		try {
			decoder.decode(ByteBuffer.wrap(out));
		}
		catch (ProtocolException ex) {
			throw new AssertionError(ex);
		}
		assertThat(lengths).containsExactly(8192, 8192, 3616);
		byte[] odd = written((o) -> RecordEncoder.writeStream(o, RecordType.STDOUT, 1, body, 0, 10, 3));
		assertThat(odd).hasSize(3 * (8 + 3 + 5) + (8 + 1 + 7));
	}

	@Test
	void decoderRejectsWrongVersionAndStaysFailed() {
		RecordDecoder decoder = new RecordDecoder((type, requestId, padding, c) -> true);
		byte[] bad = bytes(2, 1, 0, 1, 0, 0, 0, 0);
		assertThatExceptionOfType(ProtocolException.class).isThrownBy(() -> decoder.decode(ByteBuffer.wrap(bad)))
			.withMessageStartingWith("record version 2 is not FastCGI version 1")
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo("version"));
		byte[] good = written((out) -> RecordEncoder.writeEmpty(out, RecordType.STDIN, 1));
		assertThatExceptionOfType(ProtocolException.class).isThrownBy(() -> decoder.decode(ByteBuffer.wrap(good)));
	}

	@Test
	void decoderPausesAfterRecordAndResumes() throws ProtocolException {
		ByteBuffer in = ByteBuffer.allocate(100);
		RecordEncoder.writeRecord(in, RecordType.STDIN, 1, "ab".getBytes(), 0, 2);
		RecordEncoder.writeRecord(in, RecordType.STDIN, 1, "cd".getBytes(), 0, 2);
		in.flip();
		List<String> seen = new ArrayList<>();
		RecordDecoder decoder = new RecordDecoder((type, requestId, padding, c) -> {
			byte[] b = new byte[c.remaining()];
			c.get(b);
			seen.add(new String(b));
			return false;
		});
		assertThat(decoder.decode(in)).isFalse();
		assertThat(seen).containsExactly("ab");
		assertThat(decoder.decode(in)).isFalse();
		assertThat(seen).containsExactly("ab", "cd");
		assertThat(decoder.decode(in)).isTrue();
		assertThat(decoder.isAtRecordBoundary()).isTrue();
	}

	@Test
	void unknownTypeCodeIsReportedNotRejected() throws ProtocolException {
		List<String> seen = new ArrayList<>();
		RecordDecoder decoder = new RecordDecoder((type, requestId, padding, c) -> seen
			.add(type + " " + RecordType.fromCode(type) + " " + requestId + " " + c.remaining() + " " + padding));
		decoder.decode(ByteBuffer.wrap(bytes(1, 0x7F, 0, 0, 0, 1, 7, 0, 9, 0, 0, 0, 0, 0, 0, 0)));
		assertThat(seen).containsExactly("127 null 0 1 7");
		assertThat(decoder.isAtRecordBoundary()).isTrue();
	}

}
