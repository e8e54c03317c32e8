package dev.fastcgi.servlet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.MappingMatch;

/**
 * Servlet mapping per Servlet 6.1 section 12.2: exact match, then the longest {@code /path/*} prefix, then
 * {@code *.ext} extension, then the default servlet {@code /}; {@code ""} maps the context root only. Immutable;
 * rebuilt when mappings change.
 */
final class ServletMapper {

	/**
	 * The servlet a path maps to, with servlet path and path info.
	 *
	 * @param holder the servlet
	 * @param servletPath the servlet path
	 * @param pathInfo the path info, or null
	 * @param mappingMatch how the path matched
	 * @param pattern the matching URL pattern
	 * @param matchValue the part of the path that matched, per {@link HttpServletMapping#getMatchValue()}
	 */
	record Match(ServletHolder holder, String servletPath, String pathInfo, MappingMatch mappingMatch,
			String pattern, String matchValue) implements HttpServletMapping {

		@Override
		public String getMatchValue() {
			return this.matchValue;
		}

		@Override
		public String getPattern() {
			return this.pattern;
		}

		@Override
		public String getServletName() {
			return this.holder.getName();
		}

		@Override
		public MappingMatch getMappingMatch() {
			return this.mappingMatch;
		}

		/** The context-relative path this match was made for. */
		String path() {
			return (this.pathInfo != null) ? this.servletPath + this.pathInfo : this.servletPath;
		}

	}

	private record Prefix(String prefix, String pattern, ServletHolder holder) {
	}

	private final Map<String, ServletHolder> exact = new HashMap<>();

	private final List<Prefix> prefixes = new ArrayList<>();

	private final Map<String, ServletHolder> extensions = new HashMap<>();

	private ServletHolder contextRoot;

	private ServletHolder defaultServlet;

	ServletMapper(Collection<ServletHolder> servlets) {
		for (ServletHolder holder : servlets) {
			for (String pattern : holder.mappingSet()) {
				add(pattern, holder);
			}
		}
		this.prefixes.sort(Comparator.comparingInt((Prefix p) -> p.prefix().length()).reversed());
	}

	private void add(String pattern, ServletHolder holder) {
		if (pattern.isEmpty()) {
			this.contextRoot = holder;
		}
		else if (pattern.equals("/")) {
			this.defaultServlet = holder;
		}
		else if (pattern.startsWith("*.")) {
			this.extensions.put(pattern.substring(2), holder);
		}
		else if (pattern.endsWith("/*")) {
			this.prefixes.add(new Prefix(pattern.substring(0, pattern.length() - 2), pattern, holder));
		}
		else {
			this.exact.put(pattern, holder);
		}
	}

	/**
	 * Maps a context-relative, normalized path.
	 * @param path the path, starting with {@code /}
	 * @return the match, or null if no servlet (and no default servlet) matches
	 */
	Match match(String path) {
		if (path.equals("/") && this.contextRoot != null) {
			return new Match(this.contextRoot, "", "/", MappingMatch.CONTEXT_ROOT, "", "");
		}
		ServletHolder holder = this.exact.get(path);
		if (holder != null) {
			return new Match(holder, path, null, MappingMatch.EXACT, path, path.substring(1));
		}
		for (Prefix prefix : this.prefixes) {
			String p = prefix.prefix();
			if (path.startsWith(p) && (path.length() == p.length() || path.charAt(p.length()) == '/')) {
				String pathInfo = (path.length() == p.length()) ? null : path.substring(p.length());
				String matchValue = (pathInfo != null) ? pathInfo.substring(1) : "";
				return new Match(prefix.holder(), p, pathInfo, MappingMatch.PATH, prefix.pattern(), matchValue);
			}
		}
		if (!this.extensions.isEmpty()) {
			int slash = path.lastIndexOf('/');
			int dot = path.lastIndexOf('.');
			if (dot > slash) {
				String extension = path.substring(dot + 1);
				holder = this.extensions.get(extension);
				if (holder != null) {
					return new Match(holder, path, null, MappingMatch.EXTENSION, "*." + extension,
							path.substring(1, dot));
				}
			}
		}
		if (this.defaultServlet != null) {
			return new Match(this.defaultServlet, path, null, MappingMatch.DEFAULT, "/", "");
		}
		return null;
	}

	/**
	 * Whether a filter URL pattern matches a context-relative path.
	 * @param pattern the URL pattern
	 * @param path the path
	 * @return whether it matches
	 */
	static boolean matches(String pattern, String path) {
		if (pattern.equals("/*") || pattern.equals("/")) {
			return true;
		}
		if (pattern.endsWith("/*")) {
			int length = pattern.length() - 2;
			return path.startsWith(pattern.substring(0, length))
					&& (path.length() == length || path.charAt(length) == '/');
		}
		if (pattern.startsWith("*.")) {
			int slash = path.lastIndexOf('/');
			int dot = path.lastIndexOf('.');
			return dot > slash && path.regionMatches(dot + 1, pattern, 2, pattern.length() - 2)
					&& path.length() - dot - 1 == pattern.length() - 2;
		}
		if (pattern.isEmpty()) {
			return path.equals("/");
		}
		return pattern.equals(path);
	}

	/**
	 * Checks a URL pattern is valid per section 12.2.
	 * @param pattern the pattern
	 * @throws IllegalArgumentException if it is not
	 */
	static void checkPattern(String pattern) {
		if (pattern == null) {
			throw new IllegalArgumentException("URL pattern must not be null");
		}
		boolean valid = pattern.isEmpty() || pattern.startsWith("/")
				|| (pattern.startsWith("*.") && pattern.indexOf('/') < 0 && pattern.length() > 2);
		if (!valid || (pattern.indexOf('*') >= 0 && !pattern.startsWith("*.") && !pattern.endsWith("/*"))
				|| pattern.indexOf('*') != pattern.lastIndexOf('*')) {
			throw new IllegalArgumentException("Invalid URL pattern '" + pattern + "'");
		}
	}

}
