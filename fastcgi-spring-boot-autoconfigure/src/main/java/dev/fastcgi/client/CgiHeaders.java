package dev.fastcgi.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The header lines of a CGI response: names compared case-insensitively, each with its values in arrival order.
 * Immutable.
 */
public final class CgiHeaders {

	private final Map<String, List<String>> values;

	private final Map<String, String> names;

	CgiHeaders(List<Map.Entry<String, String>> lines) {
		Map<String, List<String>> values = new LinkedHashMap<>();
		Map<String, String> names = new LinkedHashMap<>();
		for (Map.Entry<String, String> line : lines) {
			String key = line.getKey().toLowerCase(Locale.ROOT);
			names.putIfAbsent(key, line.getKey());
			values.computeIfAbsent(key, (k) -> new ArrayList<>()).add(line.getValue());
		}
		values.replaceAll((key, list) -> List.copyOf(list));
		this.values = Collections.unmodifiableMap(values);
		this.names = names;
	}

	/** The first value of {@code name}, or null. */
	public String get(String name) {
		List<String> list = this.values.get(name.toLowerCase(Locale.ROOT));
		return (list != null) ? list.get(0) : null;
	}

	/** Every value of {@code name} (empty if absent). */
	public List<String> getAll(String name) {
		return this.values.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
	}

	/** Whether a header named {@code name} is present. */
	public boolean contains(String name) {
		return this.values.containsKey(name.toLowerCase(Locale.ROOT));
	}

	/** The header names as first written by the server. */
	public Set<String> names() {
		return Set.copyOf(this.names.values());
	}

	/** Number of distinct header names. */
	public int size() {
		return this.values.size();
	}

	/** All headers as lower-cased name to values. */
	public Map<String, List<String>> asMap() {
		return this.values;
	}

	@Override
	public String toString() {
		return this.values.toString();
	}

}
