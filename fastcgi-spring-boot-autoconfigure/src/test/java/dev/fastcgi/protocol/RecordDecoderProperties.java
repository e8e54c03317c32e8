package dev.fastcgi.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encoder to decoder round trips, and the same byte stream decoded when cut at every boundary or in random
 * fragments: framing must not depend on how the bytes arrive.
 */
class RecordDecoderProperties {

	record Rec(int type, int requestId, byte[] content) {

		@Override
		public String toString() {
			return "Rec[type=" + this.type + ", id=" + this.requestId + ", len=" + this.content.length + "]";
		}
	}

	@Provide
	Arbitrary<List<Rec>> records() {
		Arbitrary<Rec> rec = Combinators.combine(Arbitraries.of(RecordType.values()),
				Arbitraries.integers().between(0, 65535),
				Arbitraries.bytes().array(byte[].class).ofMaxSize(600))
			.as((t, id, c) -> new Rec(t.code(), id, c));
		return rec.list().ofMaxSize(12);
	}

	private static byte[] encode(List<Rec> records) {
		int total = 0;
		for (Rec r : records) {
			total += RecordEncoder.recordLength(r.content().length);
		}
		ByteBuffer out = ByteBuffer.allocate(total);
		for (Rec r : records) {
			RecordEncoder.writeRecord(out, RecordType.fromCode(r.type()), r.requestId(), r.content(), 0,
					r.content().length);
		}
		return out.array();
	}

	private static List<String> decodeInPieces(byte[] stream, List<Integer> cuts) throws ProtocolException {
		List<String> seen = new ArrayList<>();
		RecordDecoder decoder = new RecordDecoder((type, requestId, padding, c) -> {
			byte[] b = new byte[c.remaining()];
			c.get(b);
			seen.add(type + "/" + requestId + "/" + java.util.HexFormat.of().formatHex(b));
			return true;
		});
		int pos = 0;
		for (int cut : cuts) {
			int end = Math.min(stream.length, Math.max(pos, cut));
			decoder.decode(ByteBuffer.wrap(stream, pos, end - pos));
			pos = end;
		}
		decoder.decode(ByteBuffer.wrap(stream, pos, stream.length - pos));
		assertThat(decoder.isAtRecordBoundary()).isTrue();
		return seen;
	}

	private static List<String> expected(List<Rec> records) {
		List<String> out = new ArrayList<>();
		for (Rec r : records) {
			out.add(r.type() + "/" + r.requestId() + "/" + java.util.HexFormat.of().formatHex(r.content()));
		}
		return out;
	}

	@Property(tries = 200)
	void roundTripInRandomFragments(@ForAll("records") List<Rec> records,
			@ForAll @Size(max = 20) List<@IntRange(min = 0, max = 8000) Integer> cuts) throws ProtocolException {
		byte[] stream = encode(records);
		List<Integer> sorted = new ArrayList<>(cuts);
		sorted.sort(null);
		assertThat(decodeInPieces(stream, sorted)).isEqualTo(expected(records));
	}

	@Property(tries = 30)
	void splitAtEveryByteBoundaryDecodesIdentically(@ForAll("records") @Size(max = 4) List<Rec> records)
			throws ProtocolException {
		byte[] stream = encode(records);
		List<String> whole = decodeInPieces(stream, List.of());
		assertThat(whole).isEqualTo(expected(records));
		for (int cut = 0; cut <= stream.length; cut++) {
			assertThat(decodeInPieces(stream, List.of(cut))).isEqualTo(whole);
		}
		// and one byte at a time
		List<Integer> everyByte = new ArrayList<>();
		for (int i = 0; i <= stream.length; i++) {
			everyByte.add(i);
		}
		assertThat(decodeInPieces(stream, everyByte)).isEqualTo(whole);
	}

	@Property(tries = 100)
	void nameValuePairsRoundTrip(@ForAll @Size(max = 30) Map<@net.jqwik.api.constraints.StringLength(max = 300) String,
			@net.jqwik.api.constraints.StringLength(max = 300) String> raw) throws ProtocolException {
		Map<String, String> pairs = new LinkedHashMap<>();
		raw.forEach((k, v) -> pairs.put(latin1(k), latin1(v)));
		byte[] encoded = NameValuePairs.encode(pairs);
		int expectedLength = 0;
		for (Map.Entry<String, String> e : pairs.entrySet()) {
			expectedLength += NameValuePairs.encodedLength(e.getKey(), e.getValue());
		}
		assertThat(encoded).hasSize(expectedLength);
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(encoded))).isEqualTo(pairs);
	}

	@Property(tries = 100)
	void paramsStreamSplitIntoRecordsAnywhereDecodesIdentically(
			@ForAll @Size(max = 10) Map<@net.jqwik.api.constraints.StringLength(min = 1, max = 200) String,
					@net.jqwik.api.constraints.StringLength(max = 400) String> raw,
			@ForAll @IntRange(min = 1, max = 700) int recordSize) throws ProtocolException {
		// PARAMS is a stream: a pair may straddle records; the receiver appends contents, then decodes once
		Map<String, String> pairs = new LinkedHashMap<>();
		raw.forEach((k, v) -> pairs.put(latin1(k), latin1(v)));
		byte[] encoded = NameValuePairs.encode(pairs);
		ByteBuffer wire = ByteBuffer.allocate(RecordEncoder.streamLength(encoded.length, recordSize) + 8);
		RecordEncoder.writeStream(wire, RecordType.PARAMS, 1, encoded, 0, encoded.length, recordSize);
		RecordEncoder.writeEmpty(wire, RecordType.PARAMS, 1);
		wire.flip();
		ByteBuffer collected = ByteBuffer.allocate(encoded.length);
		new RecordDecoder((type, requestId, padding, c) -> {
			collected.put(c);
			return true;
		}).decode(wire);
		collected.flip();
		assertThat(NameValuePairs.decode(collected)).isEqualTo(pairs);
	}

	private static String latin1(String s) {
		StringBuilder b = new StringBuilder(s.length());
		for (int i = 0; i < s.length(); i++) {
			b.append((char) (s.charAt(i) & 0xFF));
		}
		return b.toString();
	}

}
