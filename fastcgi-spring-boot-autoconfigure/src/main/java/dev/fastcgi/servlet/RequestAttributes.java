package dev.fastcgi.servlet;

import java.util.Arrays;
import java.util.Collection;

/**
 * A request's attributes: a map from name to value that keeps the order names were first set, for one thread at a
 * time (a request is used by one thread at a time, as the servlet specification allows).
 * <p>
 * A GET through a Spring Boot MVC app sets 20 attributes, reads 28 (17 of them not set: is this filter applied already,
 * is there an async manager, a parsed path, ...) and removes 7, some of them set and removed by each filter in turn. So
 * the entries sit in arrays in the order they were set (what {@link #addNamesTo} returns), and an open-addressing index
 * over the names' hashes finds one, or its absence, in a probe or two (1.1 on average for those 48 lookups, where a
 * scan of the arrays passed every attribute set for each name not set). A removed entry leaves a hole in the arrays and
 * a tombstone in the index, both cleared when the arrays fill: they are compacted, or grow when more than half of them
 * are in use. Each index slot keeps its name's hash beside the entry number, so a probe compares ints and reads a
 * name only when the hashes match: a lookup of a name not set touches no other name. Nothing is allocated until the
 * first attribute is set, and nothing per lookup.
 */
final class RequestAttributes {

	/** Room the arrays start with: a plain GET through Spring MVC never needs more. */
	static final int INITIAL_CAPACITY = 32;

	private static final int FREE = 0;

	private static final int REMOVED = -1;

	/** Names in the order first set; null where an entry was removed. */
	private String[] names;

	private Object[] values;

	/**
	 * The index, twice the arrays' length: at a name's hash slot or the next one not taken, the name's hash in the
	 * high 32 bits and entry number + 1 in the low 32; else {@link #FREE} (all zeros) or {@link #REMOVED} (all ones,
	 * so only its low 32 bits tell it from a name whose hash is -1). It holds at most one entry per array position, so
	 * it is never more than half taken and a probe always ends at a free slot.
	 */
	private long[] slots;

	/** Array positions used, removed entries included. */
	private int end;

	private int size;

	int size() {
		return this.size;
	}

	Object get(String name) {
		int slot = (this.size == 0 || name == null) ? -1 : slotOf(name, name.hashCode());
		return (slot >= 0) ? this.values[entryAt(slot)] : null;
	}

	/**
	 * Sets {@code name} to {@code value}, keeping its position if it is already set.
	 * @return the value it replaced, or null if the name was not set
	 */
	Object put(String name, Object value) {
		int hash = name.hashCode();
		int slot = slotOf(name, hash);
		if (slot >= 0) {
			int index = entryAt(slot);
			Object old = this.values[index];
			this.values[index] = value;
			return old;
		}
		if (this.names == null) {
			allocate(INITIAL_CAPACITY);
		}
		else if (this.end == this.names.length) {
			rebuild((this.size * 2 > this.names.length) ? this.names.length * 2 : this.names.length);
		}
		int index = this.end++;
		this.names[index] = name;
		this.values[index] = value;
		this.size++;
		link(index, hash);
		return null;
	}

	/**
	 * Removes {@code name}.
	 * @return the value it had, or null if it was not set
	 */
	Object remove(String name) {
		if (this.size == 0 || name == null) {
			return null;
		}
		int slot = slotOf(name, name.hashCode());
		if (slot < 0) {
			return null;
		}
		int index = entryAt(slot);
		Object old = this.values[index];
		this.slots[slot] = REMOVED;
		this.names[index] = null;
		this.values[index] = null;
		this.size--;
		return old;
	}

	/** Adds the names set, in the order they were first set, to {@code target}. */
	void addNamesTo(Collection<String> target) {
		for (int i = 0; i < this.end; i++) {
			if (this.names[i] != null) {
				target.add(this.names[i]);
			}
		}
	}

	/** The index slot that holds {@code name}, or -1 if it is not set. */
	private int slotOf(String name, int hash) {
		long[] table = this.slots;
		if (table == null) {
			return -1;
		}
		int mask = table.length - 1;
		for (int slot = spread(hash) & mask;; slot = (slot + 1) & mask) {
			long entry = table[slot];
			int number = (int) entry;
			if (number == FREE) {
				return -1;
			}
			// the number of a removed slot names no entry, whatever its high bits
			if ((int) (entry >>> 32) == hash && number != REMOVED) {
				// Spring's names are constants, so mostly the very instances set
				String candidate = this.names[number - 1];
				if (candidate == name || candidate.equals(name)) {
					return slot;
				}
			}
		}
	}

	/** The array position of the entry at index slot {@code slot}. */
	private int entryAt(int slot) {
		return (int) this.slots[slot] - 1;
	}

	private void allocate(int capacity) {
		this.names = new String[capacity];
		this.values = new Object[capacity];
		this.slots = new long[capacity * 2];
	}

	/** Moves the live entries, in order, to the front of arrays of {@code capacity}, and indexes them afresh. */
	private void rebuild(int capacity) {
		String[] oldNames = this.names;
		Object[] oldValues = this.values;
		int oldEnd = this.end;
		boolean inPlace = capacity == oldNames.length;
		if (inPlace) {
			Arrays.fill(this.slots, FREE);
		}
		else {
			allocate(capacity);
		}
		int to = 0;
		for (int from = 0; from < oldEnd; from++) {
			String name = oldNames[from];
			if (name != null) {
				this.names[to] = name;
				this.values[to] = oldValues[from];
				link(to, name.hashCode());
				to++;
			}
		}
		if (inPlace) {
			// what is past the live entries was moved or removed
			Arrays.fill(this.names, to, oldEnd, null);
			Arrays.fill(this.values, to, oldEnd, null);
		}
		this.end = to;
	}

	private void link(int index, int hash) {
		int mask = this.slots.length - 1;
		int slot = spread(hash) & mask;
		while ((int) this.slots[slot] != FREE) {
			slot = (slot + 1) & mask;
		}
		this.slots[slot] = ((long) hash << 32) | (index + 1);
	}

	private static int spread(int hash) {
		return hash ^ (hash >>> 16);
	}

}
