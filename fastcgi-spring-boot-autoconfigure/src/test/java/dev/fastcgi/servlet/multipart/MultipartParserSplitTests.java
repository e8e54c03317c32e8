package dev.fastcgi.servlet.multipart;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser gives the same parts however the body is split into reads: at every byte boundary of a body full of
 * edge cases, one byte at a time, and (jqwik) for generated bodies fed in random chunk sizes.
 */
class MultipartParserSplitTests {

	private static final String BOUNDARY = "xYz-42";

	private static final String CONTENT_TYPE = "multipart/form-data; boundary=\"" + BOUNDARY + "\"";

	private static final byte[] DELIMITER = ("\r\n--" + BOUNDARY).getBytes(StandardCharsets.US_ASCII);

	/** A body exercising preamble, padding, folding, boundary-like content, dashes, empty parts and epilogue. */
	private static final byte[] EDGE_CASES = new MultipartBody(BOUNDARY)
		.raw("preamble --" + BOUNDARY + "\r\n\r\n--" + BOUNDARY + "  \r\n")
		.raw("Content-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--" + BOUNDARY.substring(0, 3) + "\r\r\n-")
		.next()
		.raw("content-disposition:form-data;\r\n name=b; filename*=UTF-8''%E2%82%AC.txt\r\nX: y\r\n\r\nend--")
		.next()
		.raw("Content-Disposition: form-data; name=\"empty\"\r\n\r\n")
		.next()
		.raw("Content-Disposition: form-data; name=\"c\"; filename=\"c.bin\"\r\n\r\n")
		.raw(MultipartParserTests.bytes(300))
		.close()
		.raw("\r\nepilogue\r\n--" + BOUNDARY + "--\r\n")
		.build();

	@Test
	void everySplitPointGivesTheSameParts() throws IOException {
		List<Snapshot> expected = parse(new ByteArrayInputStream(EDGE_CASES), 16);
		assertThat(expected).extracting(Snapshot::name).containsExactly("a", "b", "empty", "c");
		assertThat(expected.get(1).fileName()).isEqualTo("€.txt");
		for (int split = 0; split <= EDGE_CASES.length; split++) {
			int first = split;
			Iterator<Integer> sizes = Stream.iterate(first, (size) -> Integer.MAX_VALUE).iterator();
			assertThat(parse(MultipartBody.chunked(EDGE_CASES, sizes::next), 16)).as("split at %d", split)
				.isEqualTo(expected);
		}
	}

	@Test
	void oneByteAtATimeGivesTheSameParts() throws IOException {
		List<Snapshot> expected = parse(new ByteArrayInputStream(EDGE_CASES), 0);
		assertThat(parse(MultipartBody.chunked(EDGE_CASES, () -> 1), 0)).isEqualTo(expected);
	}

	@Property(tries = 300)
	void anyChunkingGivesTheGeneratedParts(@ForAll("bodies") Body body,
			@ForAll @Size(min = 1, max = 16) List<@IntRange(min = 1, max = 97) Integer> chunkSizes,
			@ForAll @IntRange(min = 0, max = 48) int threshold) throws IOException {
		int[] next = { 0 };
		InputStream in = MultipartBody.chunked(body.bytes(), () -> chunkSizes.get(next[0]++ % chunkSizes.size()));
		assertThat(parse(in, threshold)).isEqualTo(body.parts());
	}

	@Provide
	Arbitrary<Body> bodies() {
		Arbitrary<Snapshot> part = Combinators
			.combine(Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8),
					Arbitraries.strings().alpha().ofMaxLength(6).map((name) -> name + ".txt").injectNull(0.5),
					content())
			.as(Snapshot::new);
		return Combinators.combine(content(), part.list().ofMinSize(0).ofMaxSize(6), content())
			.as(MultipartParserSplitTests::body);
	}

	/** Content mixing bytes that look like framing: CR, LF, dashes and prefixes of the delimiter. */
	private Arbitrary<byte[]> content() {
		Arbitrary<String> fragment = Arbitraries.oneOf(Arbitraries.of("\r", "\n", "\r\n", "-", "--", "\r\n--", "a",
				"xyz", "\r\n\r\n", BOUNDARY, "--" + BOUNDARY),
				Arbitraries.integers().between(1, DELIMITER.length - 1)
					.map((length) -> new String(DELIMITER, 0, length, StandardCharsets.US_ASCII)),
				Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(5));
		return fragment.list()
			.ofMaxSize(12)
			.map((fragments) -> String.join("", fragments).getBytes(StandardCharsets.ISO_8859_1))
			.filter((bytes) -> indexOf(bytes, DELIMITER) < 0
					&& indexOf(concat(bytes, DELIMITER), DELIMITER) == bytes.length);
	}

	private static Body body(byte[] preamble, List<Snapshot> parts, byte[] epilogue) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		boolean hasPreamble = preamble.length > 0
				&& indexOf(concat(new byte[] { '\r', '\n' }, preamble), DELIMITER) < 0;
		if (hasPreamble) {
			out.writeBytes(preamble);
			out.writeBytes(DELIMITER);
		}
		else {
			out.writeBytes(Arrays.copyOfRange(DELIMITER, 2, DELIMITER.length));
		}
		for (Snapshot part : parts) {
			out.writeBytes("\r\nContent-Disposition: form-data; name=\"".getBytes(StandardCharsets.US_ASCII));
			out.writeBytes(part.name().getBytes(StandardCharsets.US_ASCII));
			out.writeBytes("\"".getBytes(StandardCharsets.US_ASCII));
			if (part.fileName() != null) {
				out.writeBytes(("; filename=\"" + part.fileName() + "\"").getBytes(StandardCharsets.US_ASCII));
			}
			out.writeBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.writeBytes(part.content());
			out.writeBytes(DELIMITER);
		}
		out.writeBytes("--".getBytes(StandardCharsets.US_ASCII));
		out.writeBytes(epilogue);
		return new Body(out.toByteArray(), parts);
	}

	private static List<Snapshot> parse(InputStream in, int threshold) throws IOException {
		Path directory = Files.createTempDirectory("multipart-split");
		try {
			MultipartConfigElement config = new MultipartConfigElement("", -1, -1, threshold);
			List<Part> parts = MultipartParser.parse(in, CONTENT_TYPE, StandardCharsets.UTF_8, config, directory);
			List<Snapshot> snapshots = new ArrayList<>();
			for (Part part : parts) {
				try (InputStream content = part.getInputStream()) {
					snapshots.add(new Snapshot(part.getName(), part.getSubmittedFileName(), content.readAllBytes()));
				}
				part.delete();
			}
			return snapshots;
		}
		finally {
			try (Stream<Path> files = Files.walk(directory)) {
				List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
				assertThat(all).as("temp files left").containsExactly(directory);
				for (Path path : all) {
					Files.delete(path);
				}
			}
		}
	}

	private static int indexOf(byte[] data, byte[] pattern) {
		outer: for (int i = 0; i <= data.length - pattern.length; i++) {
			for (int j = 0; j < pattern.length; j++) {
				if (data[i + j] != pattern[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] result = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, result, a.length, b.length);
		return result;
	}

	/** What a parsed part is, compared by value. */
	record Snapshot(String name, String fileName, byte[] content) {

		@Override
		public boolean equals(Object other) {
			return other instanceof Snapshot that && this.name.equals(that.name)
					&& Objects.equals(this.fileName, that.fileName) && Arrays.equals(this.content, that.content);
		}

		@Override
		public int hashCode() {
			return Objects.hash(this.name, this.fileName, Arrays.hashCode(this.content));
		}

		@Override
		public String toString() {
			return this.name + "/" + this.fileName + "/" + new String(this.content, StandardCharsets.ISO_8859_1)
				.replace("\r", "\\r")
				.replace("\n", "\\n");
		}

	}

	/** A generated body and the parts it must give. */
	record Body(byte[] bytes, List<Snapshot> parts) {

		@Override
		public String toString() {
			return new String(this.bytes, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
		}

	}

}
