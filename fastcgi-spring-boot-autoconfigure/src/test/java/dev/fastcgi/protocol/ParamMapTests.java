package dev.fastcgi.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ParamMap}: the same map {@link java.util.LinkedHashMap} would give, with values decoded on
 * first read.
 */
class ParamMapTests {

	private static final ParamMap.PairFilter ALL = (name, valueLength) -> true;

	@Test
	void decodesToTheSameEntriesInTheSameOrderAsALinkedHashMap() throws ProtocolException {
		Map<String, String> sent = new LinkedHashMap<>();
		sent.put("REQUEST_METHOD", "GET");
		sent.put("REQUEST_URI", "/caf\u00c3\u00a9?x=1");
		sent.put("HTTPS", "");
		sent.put("HTTP_X_CUSTOM", "custom");
		sent.put("HTTP_\u00e9T\u00e9", "latin-1 name");
		sent.put("LONG", "v".repeat(300));
		byte[] bytes = NameValuePairs.encode(sent);
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		assertThat(map).containsExactlyEntriesOf(sent);
		assertThat(map).isEqualTo(sent).hasSameHashCodeAs(sent);
		assertThat(map.size()).isEqualTo(6);
		assertThat(map.get("LONG")).hasSize(300);
		assertThat(map.get("HTTPS")).isEmpty();
		assertThat(map.containsKey("HTTPS")).isTrue();
		assertThat(map.get("MISSING")).isNull();
		assertThat(map.containsKey("MISSING")).isFalse();
		assertThat(map.get(42)).isNull();
		assertThat(map.containsKey(null)).isFalse();
		List<String> order = new ArrayList<>();
		map.forEach((name, value) -> order.add(name + "=" + value));
		assertThat(order).containsExactlyElementsOf(sent.entrySet().stream().map(Object::toString).toList());
	}

	@Test
	void aValueIsDecodedOnceAndKept() throws ProtocolException {
		byte[] bytes = NameValuePairs.encode(Map.of("DOCUMENT_ROOT", "/var/www"));
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		String first = map.get("DOCUMENT_ROOT");
		assertThat(first).isEqualTo("/var/www");
		assertThat(map.get("DOCUMENT_ROOT")).isSameAs(first);
		assertThat(map.entrySet().iterator().next().getValue()).isSameAs(first);
	}

	@Test
	void decodesFromTheGivenRangeOnly() throws ProtocolException {
		byte[] pairs = NameValuePairs.encode(Map.of("A", "1"));
		byte[] bytes = new byte[pairs.length + 10];
		System.arraycopy(pairs, 0, bytes, 5, pairs.length);
		ParamMap map = ParamMap.decode(bytes, 5, pairs.length, ALL, Map.of());
		assertThat(map).containsExactly(Map.entry("A", "1"));
	}

	@Test
	void aLaterDuplicateReplacesTheValueAndKeepsThePosition() throws ProtocolException {
		byte[] bytes = concat(NameValuePairs.encode(Map.of("A", "first")), NameValuePairs.encode(Map.of("B", "b")),
				NameValuePairs.encode(Map.of("A", "second")));
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		assertThat(map).containsExactly(Map.entry("A", "second"), Map.entry("B", "b"));
	}

	@Test
	void extraPairsAreSetOverTheDecodedOnesAfterThem() throws ProtocolException {
		byte[] bytes = NameValuePairs.encode(linked("A", "sent", "B", "b"));
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, linked("A", "extra", "C", "c"));
		assertThat(map).containsExactly(Map.entry("A", "extra"), Map.entry("B", "b"), Map.entry("C", "c"));
		ParamMap none = ParamMap.decode(new byte[0], 0, 0, ALL, linked("C", "c"));
		assertThat(none).containsExactly(Map.entry("C", "c"));
		assertThat(ParamMap.decode(new byte[0], 0, 0, ALL, Map.of())).isEmpty();
	}

	@Test
	void theFilterSeesEveryPairAndLeavesOutThoseItRefuses() throws ProtocolException {
		byte[] bytes = NameValuePairs.encode(linked("KEEP", "1", "DROP", "22", "ALSO", "333"));
		List<String> seen = new ArrayList<>();
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, (name, valueLength) -> {
			seen.add(name + ":" + valueLength);
			return !name.equals("DROP");
		}, Map.of());
		assertThat(seen).containsExactly("KEEP:1", "DROP:2", "ALSO:3");
		assertThat(map).containsExactly(Map.entry("KEEP", "1"), Map.entry("ALSO", "333"));
		assertThatExceptionOfType(ProtocolException.class).isThrownBy(() -> ParamMap.decode(bytes, 0, bytes.length,
				(name, valueLength) -> {
					throw new ProtocolException("params_too_many", "no");
				}, Map.of())).satisfies((ex) -> assertThat(ex.reason()).isEqualTo("params_too_many"));
	}

	@Test
	void aPairCutOffIsAProtocolError() {
		byte[] bytes = NameValuePairs.encode(Map.of("NAME", "value"));
		assertThatExceptionOfType(ProtocolException.class)
			.isThrownBy(() -> ParamMap.decode(bytes, 0, bytes.length - 1, ALL, Map.of()))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo("name_value"));
	}

	@Test
	void manyParamsAndCollidingNamesAreAllFound() throws ProtocolException {
		Map<String, String> sent = new LinkedHashMap<>();
		for (int i = 0; i < 2000; i++) {
			sent.put("HTTP_X_" + i, "v" + i);
		}
		// "Aa" and "BB" have the same String hash
		sent.put("Aa", "one");
		sent.put("BB", "two");
		byte[] bytes = NameValuePairs.encode(sent);
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		assertThat(map).hasSize(2002).containsExactlyEntriesOf(sent);
		assertThat(map.get("Aa")).isEqualTo("one");
		assertThat(map.get("BB")).isEqualTo("two");
		assertThat(map.get("HTTP_X_1999")).isEqualTo("v1999");
		assertThat(map.get(new String("HTTP_X_7"))).isEqualTo("v7");
	}

	@Test
	void aHugeValueAmongFewPairsDecodes() throws ProtocolException {
		String big = "x".repeat(200_000);
		byte[] bytes = NameValuePairs.encode(linked("HTTP_COOKIE", big, "REQUEST_METHOD", "GET"));
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		assertThat(map).hasSize(2);
		assertThat(map.get("HTTP_COOKIE")).isEqualTo(big);
		assertThat(map.get("REQUEST_METHOD")).isEqualTo("GET");
	}

	@Test
	void isUnmodifiable() throws ProtocolException {
		byte[] bytes = NameValuePairs.encode(Map.of("A", "1"));
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> map.put("B", "2"));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> map.remove("A"));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(map::clear);
		Iterator<Map.Entry<String, String>> entries = map.entrySet().iterator();
		Map.Entry<String, String> entry = entries.next();
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> entry.setValue("x"));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(entries::remove);
		assertThat(entries.hasNext()).isFalse();
		assertThatExceptionOfType(java.util.NoSuchElementException.class).isThrownBy(entries::next);
		assertThat(map).containsExactly(Map.entry("A", "1"));
	}

	@Test
	void agreesWithTheStringDecoderOnNginxParams() throws ProtocolException {
		Map<String, String> sent = new LinkedHashMap<>();
		for (String name : new String[] { "QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE", "CONTENT_LENGTH",
				"SCRIPT_NAME", "REQUEST_URI", "DOCUMENT_URI", "DOCUMENT_ROOT", "SERVER_PROTOCOL", "REQUEST_SCHEME",
				"GATEWAY_INTERFACE", "SERVER_SOFTWARE", "REMOTE_ADDR", "REMOTE_PORT", "SERVER_ADDR", "SERVER_PORT",
				"SERVER_NAME", "REDIRECT_STATUS", "HTTP_HOST" }) {
			sent.put(name, name.toLowerCase());
		}
		byte[] bytes = NameValuePairs.encode(sent);
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		assertThat(map).containsExactlyEntriesOf(NameValuePairs.decode(ByteBuffer.wrap(bytes)));
		// well-known names are the shared strings the decoder hands out
		assertThat(map.keySet().iterator().next()).isSameAs("QUERY_STRING");
	}

	@Test
	void theArraysAreSizedByCountingThePairs() throws ProtocolException {
		byte[] pair = NameValuePairs.encode(Map.of("A", "1"));
		byte[] longValue = NameValuePairs.encode(Map.of("HTTP_COOKIE", "c".repeat(300)));
		byte[] longName = NameValuePairs.encode(Map.of("N".repeat(200), ""));
		byte[] bytes = concat(pair, longValue, longName, pair);
		assertThat(NameValuePairs.count(bytes, 0, bytes.length, 128)).isEqualTo(4);
		assertThat(NameValuePairs.count(bytes, pair.length, bytes.length - 2 * pair.length, 128)).isEqualTo(2);
		assertThat(NameValuePairs.count(bytes, 0, bytes.length, 3)).isEqualTo(3);
		assertThat(NameValuePairs.count(bytes, 0, 0, 128)).isZero();
		// a pair cut off anywhere is not counted (decoding reports it): inside a one-byte length, a four-byte
		// length, or the name and value
		for (int cut = 0; cut < bytes.length; cut++) {
			int whole = (cut < pair.length) ? 0 : (cut < pair.length + longValue.length) ? 1
					: (cut < pair.length + longValue.length + longName.length) ? 2 : 3;
			assertThat(NameValuePairs.count(bytes, 0, cut, 128)).as("cut at %d", cut).isEqualTo(whole);
		}
		// the map holds what the string decoder gives, counted or not
		ParamMap map = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of("EXTRA", "x"));
		Map<String, String> expected = new LinkedHashMap<>(NameValuePairs.decode(ByteBuffer.wrap(bytes)));
		expected.put("EXTRA", "x");
		assertThat(map).containsExactlyEntriesOf(expected);
	}

	private static Map<String, String> linked(String... namesAndValues) {
		Map<String, String> map = new LinkedHashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			map.put(namesAndValues[i], namesAndValues[i + 1]);
		}
		return map;
	}

	private static byte[] concat(byte[]... parts) {
		ByteBuffer out = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt((p) -> p.length).sum());
		for (byte[] part : parts) {
			out.put(part);
		}
		return out.array();
	}

}
