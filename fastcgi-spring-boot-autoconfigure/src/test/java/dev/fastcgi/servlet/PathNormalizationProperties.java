package dev.fastcgi.servlet;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link CgiRequestMapping#normalizePath}: whatever a client sends, the path used for servlet and
 * filter mapping has no dot or empty segments, stays under the root, and normalizing it again changes nothing.
 */
class PathNormalizationProperties {

	@Provide
	Arbitrary<String> rawPaths() {
		Arbitrary<String> segment = Arbitraries.oneOf(Arbitraries.of("", ".", "..", "%2e", "%2E%2e", ".%2e", "a", "b",
				"admin", ";x=1", "..;", "%2f", "%5c", "%25", "%41", "caf%C3%A9", "%", "%zz", "a;jsessionid=1"),
				Arbitraries.strings().withChars("ab.;%/").ofMaxLength(4));
		return segment.list().ofMaxSize(8).map((segments) -> "/" + String.join("/", segments));
	}

	@Property(tries = 2000)
	void normalizedPathsHaveNoDotOrEmptySegments(@ForAll("rawPaths") String raw) {
		String path = CgiRequestMapping.normalizePath(raw);
		if (path == null) {
			return;
		}
		assertThat(path).startsWith("/");
		String inner = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
		for (String segment : inner.substring(Math.min(1, inner.length())).split("/", -1)) {
			if (!inner.isEmpty()) {
				assertThat(segment).as(raw + " -> " + path).isNotEmpty().isNotEqualTo(".").isNotEqualTo("..");
			}
		}
		assertThat(path).doesNotContain(";");
	}

	@Property(tries = 2000)
	void normalizingTwiceIsStableForAsciiPaths(@ForAll("rawPaths") String raw) {
		String path = CgiRequestMapping.normalizePath(raw);
		// a normalized path is decoded text; only plain ASCII without escapes is also valid raw input
		if (path != null && path.chars().allMatch((c) -> c < 0x80 && c != '%' && c != ';')) {
			assertThat(CgiRequestMapping.normalizePath(path)).isEqualTo(path);
		}
	}

}
