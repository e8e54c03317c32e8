package dev.fastcgi.protocol;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A request's FCGI_PARAMS as an unmodifiable, insertion-ordered map whose values stay bytes until first read.
 * <p>
 * A web server sends twenty-odd params per request and the servlet bridge reads about a dozen of them
 * ({@code DOCUMENT_ROOT}, {@code SERVER_SOFTWARE}, {@code GATEWAY_INTERFACE} and the like usually go unread), so a
 * value is decoded (ISO-8859-1, as {@link NameValuePairs} does) only when asked for, and kept. The names are
 * decoded up front (well-known names as shared strings) into flat arrays with an open-addressed index: no entry
 * object per pair. A later duplicate name replaces the value but keeps the first one's position, as
 * {@link java.util.LinkedHashMap#put} does.
 * <p>
 * Safe to read from several threads once built: a value decoded twice at once yields two equal strings, and a
 * {@link String} is safely published through a data race.
 */
public final class ParamMap extends AbstractMap<String, String> {

	/** Decides whether a decoded pair is kept. */
	public interface PairFilter {

		/**
		 * Called for each pair in order.
		 * @param name the pair's name
		 * @param valueLength its value's length in bytes
		 * @return whether to keep the pair (false leaves it out)
		 * @throws ProtocolException to fail the whole decode
		 */
		boolean accept(String name, int valueLength) throws ProtocolException;

	}

	/** The most pairs the arrays are sized for up front; more make them grow. */
	private static final int SIZED_PAIRS = 128;

	private final byte[] bytes;

	private String[] names;

	/** Decoded values; null until a value left in {@link #bytes} is first read. */
	private String[] values;

	/** Where each value is in {@link #bytes} (offset in the high 32 bits, length in the low 32). */
	private long[] places;

	/** The index: entry number + 1 at a name hash's slot or the next free one after it, 0 for free. */
	private int[] slots;

	private int size;

	private Set<Map.Entry<String, String>> entrySet;

	private ParamMap(byte[] bytes, int capacity) {
		this.bytes = bytes;
		this.names = new String[capacity];
		this.values = new String[capacity];
		this.places = new long[capacity];
		this.slots = new int[capacity * 2];
	}

	/**
	 * Decodes PARAMS content.
	 * @param bytes the content, kept by the map (it must not change afterwards)
	 * @param offset where the pairs start in {@code bytes}
	 * @param length how many bytes of pairs there are
	 * @param filter which pairs to keep
	 * @param extra pairs set over the decoded ones, after them (a name already sent keeps its position)
	 * @return the map
	 * @throws ProtocolException (reason {@code name_value}) if a length runs past the end of the data, or as the
	 * filter throws
	 */
	public static ParamMap decode(byte[] bytes, int offset, int length, PairFilter filter, Map<String, String> extra)
			throws ProtocolException {
		// sized for the pairs there are (a walk over their lengths), so the arrays never grow for a web server's
		// params; past SIZED_PAIRS (a request with hundreds of pairs is refused by fastcgi.max-params) they grow
		int expected = Math.max(NameValuePairs.count(bytes, offset, length, SIZED_PAIRS) + extra.size(), 4);
		ParamMap map = new ParamMap(bytes, Integer.highestOneBit(expected * 2 - 1));
		NameValuePairs.decode(bytes, offset, length, (name, valueOffset, valueLength) -> {
			if (filter.accept(name, valueLength)) {
				map.put(name, null, ((long) valueOffset << 32) | valueLength);
			}
		});
		extra.forEach((name, value) -> map.put(name, value, 0));
		return map;
	}

	private void put(String name, String value, long place) {
		int hash = name.hashCode();
		int index = indexOf(name, hash);
		if (index < 0) {
			if (this.size == this.names.length) {
				grow();
			}
			index = this.size++;
			this.names[index] = name;
			link(index, hash);
		}
		this.values[index] = value;
		this.places[index] = place;
	}

	private void grow() {
		int capacity = this.names.length * 2;
		this.names = Arrays.copyOf(this.names, capacity);
		this.values = Arrays.copyOf(this.values, capacity);
		this.places = Arrays.copyOf(this.places, capacity);
		this.slots = new int[capacity * 2];
		for (int i = 0; i < this.size; i++) {
			link(i, this.names[i].hashCode());
		}
	}

	/** Enters entry {@code index} into the index (the table is at most half full, so a free slot exists). */
	private void link(int index, int hash) {
		int mask = this.slots.length - 1;
		int slot = spread(hash) & mask;
		while (this.slots[slot] != 0) {
			slot = (slot + 1) & mask;
		}
		this.slots[slot] = index + 1;
	}

	private static int spread(int hash) {
		return hash ^ (hash >>> 16);
	}

	private int indexOf(String name, int hash) {
		int[] table = this.slots;
		int mask = table.length - 1;
		for (int slot = spread(hash) & mask;; slot = (slot + 1) & mask) {
			int entry = table[slot];
			if (entry == 0) {
				return -1;
			}
			int index = entry - 1;
			String candidate = this.names[index];
			// a String caches its hash, and well-known names are the same instances as the literals looked up
			if (candidate == name || (candidate.hashCode() == hash && candidate.equals(name))) {
				return index;
			}
		}
	}

	private String valueAt(int index) {
		String value = this.values[index];
		if (value == null) {
			long place = this.places[index];
			int length = (int) place;
			value = (length == 0) ? ""
					: new String(this.bytes, (int) (place >>> 32), length, StandardCharsets.ISO_8859_1);
			this.values[index] = value;
		}
		return value;
	}

	@Override
	public String get(Object key) {
		if (!(key instanceof String name)) {
			return null;
		}
		int index = indexOf(name, name.hashCode());
		return (index >= 0) ? valueAt(index) : null;
	}

	@Override
	public boolean containsKey(Object key) {
		return key instanceof String name && indexOf(name, name.hashCode()) >= 0;
	}

	@Override
	public int size() {
		return this.size;
	}

	@Override
	public void forEach(BiConsumer<? super String, ? super String> action) {
		for (int i = 0; i < this.size; i++) {
			action.accept(this.names[i], valueAt(i));
		}
	}

	@Override
	public Set<Map.Entry<String, String>> entrySet() {
		Set<Map.Entry<String, String>> entries = this.entrySet;
		if (entries == null) {
			entries = new Entries();
			this.entrySet = entries;
		}
		return entries;
	}

	/** The pairs in order, as immutable entries; iterating decodes every value. */
	private final class Entries extends AbstractSet<Map.Entry<String, String>> {

		@Override
		public Iterator<Map.Entry<String, String>> iterator() {
			return new Iterator<>() {

				private int next;

				@Override
				public boolean hasNext() {
					return this.next < ParamMap.this.size;
				}

				@Override
				public Map.Entry<String, String> next() {
					if (this.next >= ParamMap.this.size) {
						throw new NoSuchElementException();
					}
					int index = this.next++;
					return new SimpleImmutableEntry<>(ParamMap.this.names[index], valueAt(index));
				}

			};
		}

		@Override
		public int size() {
			return ParamMap.this.size;
		}

	}

}
