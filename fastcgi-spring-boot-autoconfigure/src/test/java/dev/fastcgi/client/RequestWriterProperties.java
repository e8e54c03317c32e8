package dev.fastcgi.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.RecordDecoder;
import dev.fastcgi.protocol.RecordType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever the params, body and record size, the records a request turns into decode back to the same params and
 * body, every record stays within the size asked for, and with pair boundaries on, a record ends inside a pair only
 * when that pair is longer than a record.
 */
class RequestWriterProperties {

	@Provide
	Arbitrary<Map<String, String>> params() {
		Arbitrary<String> names = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(200);
		Arbitrary<String> values = Arbitraries.strings().withCharRange(' ', '\u00ff').ofMaxLength(400);
		return Arbitraries.maps(names, values).ofMaxSize(20).map(LinkedHashMap::new);
	}

	@Property(tries = 200)
	void recordsDecodeToTheRequest(@ForAll("params") Map<String, String> params,
			@ForAll @IntRange(min = 1, max = 700) int maxContent, @ForAll @IntRange(max = 3000) int bodyLength,
			@ForAll boolean atPairBoundaries) throws IOException {
		byte[] body = new GeneratedInputStream(bodyLength).readAllBytes();
		FastCgiRequest request = FastCgiRequest.post("/", null, body).defaultParams(false).params(params)
			.param("CONTENT_LENGTH", null).param("HTTP_CONTENT_LENGTH", null);
		List<byte[]> paramsRecords = new ArrayList<>();
		ByteArrayOutputStream stdin = new ByteArrayOutputStream();
		int[] stdinEnds = new int[1];
		RecordDecoder decoder = new RecordDecoder((type, requestId, padding, content) -> {
			if (type != RecordType.BEGIN_REQUEST.code()) {
				assertThat(content.remaining()).isLessThanOrEqualTo(maxContent);
			}
			assertThat(requestId).isEqualTo(3);
			byte[] bytes = new byte[content.remaining()];
			content.get(bytes);
			if (type == RecordType.PARAMS.code()) {
				paramsRecords.add(bytes);
			}
			else if (type == RecordType.STDIN.code()) {
				stdin.writeBytes(bytes);
				stdinEnds[0] += (bytes.length == 0) ? 1 : 0;
			}
			return true;
		});
		try (RequestWriter writer = new RequestWriter(request, 3, false, maxContent, atPairBoundaries)) {
			ByteBuffer out = ByteBuffer.allocate(FastCgi.MAX_RECORD_LENGTH);
			while (writer.writeNext(out)) {
				out.flip();
				decoder.decode(out);
				out.clear();
			}
		}
		ByteArrayOutputStream allParams = new ByteArrayOutputStream();
		paramsRecords.forEach(allParams::writeBytes);
		Map<String, String> expected = new LinkedHashMap<>();
		request.params().forEach((name, value) -> expected.put(latin1(name), latin1(value)));
		assertThat(NameValuePairs.decode(ByteBuffer.wrap(allParams.toByteArray()))).isEqualTo(expected);
		assertThat(paramsRecords.get(paramsRecords.size() - 1)).isEmpty();
		assertThat(stdin.toByteArray()).isEqualTo(body);
		assertThat(stdinEnds[0]).isOne();
		if (atPairBoundaries) {
			assertPairsStraddleOnlyWhenLongerThanARecord(paramsRecords, maxContent);
		}
	}

	private static void assertPairsStraddleOnlyWhenLongerThanARecord(List<byte[]> records, int maxContent)
			throws ProtocolException {
		// decode each record's pairs from a running buffer: a record that ends mid-pair must be full, and the pair
		// it cuts must be longer than a record
		ByteArrayOutputStream pending = new ByteArrayOutputStream();
		for (byte[] record : records) {
			pending.writeBytes(record);
			byte[] bytes = pending.toByteArray();
			int consumed = wholePairsLength(bytes);
			if (consumed < bytes.length) {
				assertThat(record.length).as("a record ending inside a pair is full").isEqualTo(maxContent);
			}
			pending.reset();
			pending.write(bytes, consumed, bytes.length - consumed);
		}
	}

	private static int wholePairsLength(byte[] bytes) {
		int position = 0;
		while (true) {
			int[] lengths = new int[2];
			int p = position;
			for (int i = 0; i < 2; i++) {
				if (p >= bytes.length) {
					return position;
				}
				if ((bytes[p] & 0x80) == 0) {
					lengths[i] = bytes[p] & 0x7F;
					p += 1;
				}
				else {
					if (p + 4 > bytes.length) {
						return position;
					}
					lengths[i] = ((bytes[p] & 0x7F) << 24) | ((bytes[p + 1] & 0xFF) << 16) | ((bytes[p + 2] & 0xFF) << 8)
							| (bytes[p + 3] & 0xFF);
					p += 4;
				}
			}
			if (p + lengths[0] + lengths[1] > bytes.length) {
				return position;
			}
			position = p + lengths[0] + lengths[1];
		}
	}

	private static String latin1(String text) {
		return new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
				java.nio.charset.StandardCharsets.ISO_8859_1);
	}

}
