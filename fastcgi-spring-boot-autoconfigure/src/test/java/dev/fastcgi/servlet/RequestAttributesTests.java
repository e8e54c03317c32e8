package dev.fastcgi.servlet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@link RequestAttributes}: a map in the order names were first set, with holes and tombstones that the
 * arrays' compaction and growth clear.
 */
class RequestAttributesTests {

	private static List<String> names(RequestAttributes attributes) {
		List<String> names = new ArrayList<>();
		attributes.addNamesTo(names);
		return names;
	}

	@Test
	void emptyAnswersEveryLookupWithNull() {
		RequestAttributes attributes = new RequestAttributes();
		assertThat(attributes.get("a")).isNull();
		assertThat(attributes.get(null)).isNull();
		assertThat(attributes.remove("a")).isNull();
		assertThat(attributes.remove(null)).isNull();
		assertThat(attributes.size()).isZero();
		assertThat(names(attributes)).isEmpty();
	}

	@Test
	void keepsTheOrderNamesWereFirstSet() {
		RequestAttributes attributes = new RequestAttributes();
		assertThat(attributes.put("b", 1)).isNull();
		assertThat(attributes.put("a", 2)).isNull();
		assertThat(attributes.put("c", 3)).isNull();
		assertThat(attributes.put("b", 4)).isEqualTo(1);
		assertThat(names(attributes)).containsExactly("b", "a", "c");
		assertThat(attributes.remove("a")).isEqualTo(2);
		assertThat(attributes.remove("a")).isNull();
		assertThat(attributes.put("a", 5)).isNull();
		assertThat(names(attributes)).containsExactly("b", "c", "a");
		assertThat(attributes.get("b")).isEqualTo(4);
		assertThat(attributes.size()).isEqualTo(3);
	}

	@Test
	void findsNamesByEqualityAndTellsCollidingHashesApart() {
		RequestAttributes attributes = new RequestAttributes();
		assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
		attributes.put("Aa", "first");
		attributes.put("BB", "second");
		assertThat(attributes.get(new String("Aa".toCharArray()))).isEqualTo("first");
		assertThat(attributes.get("BB")).isEqualTo("second");
		assertThat(attributes.remove("Aa")).isEqualTo("first");
		// the tombstone left by "Aa" does not end the probe for "BB"
		assertThat(attributes.get("BB")).isEqualTo("second");
		assertThat(attributes.get("Aa")).isNull();
		assertThat(attributes.get("AaAa")).isNull();
	}

	@Test
	void aTombstoneIsNotTakenForANameWhoseHashIsAllOnes() {
		// a removed index slot is all ones, high half included, so its hash half matches this name's hash
		String allOnes = "fekymca\u0c3d";
		assertThat(allOnes.hashCode()).isEqualTo(-1);
		RequestAttributes attributes = new RequestAttributes();
		attributes.put(allOnes, "first");
		attributes.put("other", "kept");
		assertThat(attributes.remove(allOnes)).isEqualTo("first");
		assertThat(attributes.get(allOnes)).isNull();
		assertThat(attributes.remove(allOnes)).isNull();
		assertThat(attributes.put(allOnes, "again")).isNull();
		assertThat(attributes.get(allOnes)).isEqualTo("again");
		assertThat(attributes.get("other")).isEqualTo("kept");
		assertThat(names(attributes)).containsExactly("other", allOnes);
	}

	@Test
	void setAndRemovedAgainAndAgainStaysInItsArrays() {
		// what Spring's OncePerRequestFilter does on every request: set a name, remove it, next filter the same
		RequestAttributes attributes = new RequestAttributes();
		for (int i = 0; i < 20; i++) {
			attributes.put("kept" + i, i);
		}
		for (int round = 0; round < 1000; round++) {
			String name = "filter" + (round % 3) + ".FILTERED";
			assertThat(attributes.get(name)).isNull();
			attributes.put(name, Boolean.TRUE);
			assertThat(attributes.remove(name)).isEqualTo(Boolean.TRUE);
		}
		assertThat(attributes.size()).isEqualTo(20);
		assertThat(names(attributes)).hasSize(20).startsWith("kept0", "kept1").endsWith("kept19");
		assertThat(attributes.get("kept7")).isEqualTo(7);
	}

	@Test
	void growsPastItsFirstArraysInOrder() {
		RequestAttributes attributes = new RequestAttributes();
		int count = RequestAttributes.INITIAL_CAPACITY * 5 + 3;
		List<String> expected = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			attributes.put("n" + i, i);
			expected.add("n" + i);
		}
		assertThat(names(attributes)).isEqualTo(expected);
		for (int i = 0; i < count; i++) {
			assertThat(attributes.get("n" + i)).isEqualTo(i);
		}
	}

	@Test
	void behavesAsALinkedHashMapUnderRandomOperations() {
		Random random = new Random(42);
		for (int trial = 0; trial < 200; trial++) {
			RequestAttributes attributes = new RequestAttributes();
			Map<String, Object> model = new LinkedHashMap<>();
			int keys = 1 + random.nextInt(100);
			for (int op = 0; op < 2000; op++) {
				// "Aa"/"BB"-style pairs collide: names built from them share hashes in groups
				String name = collidingName(random.nextInt(keys));
				switch (random.nextInt(3)) {
					case 0 -> {
						Integer value = op;
						assertThat(attributes.put(name, value)).isEqualTo(model.put(name, value));
					}
					case 1 -> assertThat(attributes.remove(name)).isEqualTo(model.remove(name));
					default -> assertThat(attributes.get(name)).isEqualTo(model.get(name));
				}
				assertThat(attributes.size()).isEqualTo(model.size());
			}
			assertThat(names(attributes)).isEqualTo(new ArrayList<>(model.keySet()));
		}
	}

	/** Names made of "Aa" and "BB" blocks: all of one length have the same hash. */
	private static String collidingName(int n) {
		StringBuilder name = new StringBuilder();
		for (int bit = 0; bit < 7; bit++) {
			name.append(((n >> bit) & 1) == 0 ? "Aa" : "BB");
		}
		return name.append(n % 5).toString();
	}

}
