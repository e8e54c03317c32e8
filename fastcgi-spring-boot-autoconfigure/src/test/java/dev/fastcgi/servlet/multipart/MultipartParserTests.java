package dev.fastcgi.servlet.multipart;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.fastcgi.servlet.multipart.MultipartBody.BOUNDARY;
import static dev.fastcgi.servlet.multipart.MultipartBody.CONTENT_TYPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link MultipartParser}: RFC 7578 / RFC 2046 edge cases, limits, thresholds and clean-up.
 */
class MultipartParserTests {

	private static final MultipartConfigElement IN_MEMORY = new MultipartConfigElement("", -1, -1, 1024);

	private static final MultipartConfigElement ON_DISK = new MultipartConfigElement("", -1, -1, 0);

	@TempDir
	Path temp;

	private final List<Part> parsed = new ArrayList<>();

	@AfterEach
	void deleteParts() throws IOException {
		for (Part part : this.parsed) {
			part.delete();
		}
	}

	@Test
	void fieldsAndFile() throws IOException {
		byte[] body = new MultipartBody().first()
			.field("title", "Hello")
			.next()
			.file("file", "a.txt", "text/plain", "file content".getBytes(StandardCharsets.UTF_8))
			.next()
			.field("empty", "")
			.close()
			.build();
		List<Part> parts = parse(body, IN_MEMORY);
		assertThat(parts).extracting(Part::getName).containsExactly("title", "file", "empty");
		assertThat(text(parts.get(0))).isEqualTo("Hello");
		assertThat(parts.get(0).getSubmittedFileName()).isNull();
		assertThat(parts.get(0).getContentType()).isNull();
		assertThat(MultipartParser.isFormField(parts.get(0))).isTrue();
		assertThat(parts.get(1).getSubmittedFileName()).isEqualTo("a.txt");
		assertThat(parts.get(1).getContentType()).isEqualTo("text/plain");
		assertThat(parts.get(1).getSize()).isEqualTo(12);
		assertThat(MultipartParser.isFormField(parts.get(1))).isFalse();
		assertThat(text(parts.get(1))).isEqualTo("file content");
		assertThat(parts.get(2).getSize()).isZero();
		assertThat(text(parts.get(2))).isEmpty();
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void preambleAndEpilogueAreIgnored() throws IOException {
		byte[] body = new MultipartBody().raw("This is the preamble. --" + BOUNDARY + " is not at a line start.\r\n")
			.raw("--" + BOUNDARY + "\r\n")
			.field("a", "1")
			.close()
			.raw("\r\nThis is the epilogue.\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"x\"\r\n")
			.build();
		List<Part> parts = parse(body, IN_MEMORY);
		assertThat(parts).extracting(Part::getName).containsExactly("a");
		assertThat(text(parts.get(0))).isEqualTo("1");
	}

	@Test
	void closeDelimiterAloneGivesNoParts() throws IOException {
		assertThat(parse(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII), IN_MEMORY)).isEmpty();
	}

	@Test
	void lineEndsInsideContentArePreserved() throws IOException {
		byte[] body = new MultipartBody().first()
			.field("a", "\r\nline1\r\nline2\r\n")
			.next()
			.field("b", "\r\n")
			.next()
			.field("c", "\n\r\r\n\n")
			.close()
			.build();
		List<Part> parts = parse(body, IN_MEMORY);
		assertThat(parts).extracting(MultipartParserTests::text).containsExactly("\r\nline1\r\nline2\r\n", "\r\n",
				"\n\r\r\n\n");
	}

	@Test
	void boundaryLikeContentStaysInThePart() throws IOException {
		String tricky = "--" + BOUNDARY + " (no CRLF before)\r\n-" + BOUNDARY + "\r\n--" + BOUNDARY.substring(0, 10)
				+ "X\r\n--" + BOUNDARY.substring(0, BOUNDARY.length() - 1) + "\r\r\n--\r\n";
		byte[] body = new MultipartBody().first().field("a", tricky).next().field("b", "x").close().build();
		List<Part> parts = parse(body, IN_MEMORY);
		assertThat(parts).extracting(MultipartParserTests::text).containsExactly(tricky, "x");
	}

	@Test
	void partBodyMayEndWithDashes() throws IOException {
		byte[] body = new MultipartBody().first()
			.field("a", "abc--")
			.next()
			.field("b", "--")
			.next()
			.field("c", "-")
			.close()
			.build();
		assertThat(parse(body, IN_MEMORY)).extracting(MultipartParserTests::text).containsExactly("abc--", "--", "-");
	}

	@Test
	void emptyFilePart() throws IOException {
		byte[] body = new MultipartBody().first()
			.file("file", "", "application/octet-stream", new byte[0])
			.close()
			.build();
		Part part = parse(body, ON_DISK).get(0);
		assertThat(part.getSubmittedFileName()).isEmpty();
		assertThat(part.getSize()).isZero();
		assertThat(part.getInputStream().readAllBytes()).isEmpty();
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void transportPaddingAfterBoundaryIsSkipped() throws IOException {
		byte[] body = new MultipartBody().raw("--" + BOUNDARY + " \t \r\n")
			.field("a", "1")
			.raw("\r\n--" + BOUNDARY + "\t\r\n")
			.field("b", "2")
			.close()
			.build();
		assertThat(parse(body, IN_MEMORY)).extracting(MultipartParserTests::text).containsExactly("1", "2");
	}

	@Test
	void quotedBoundaryAndParameterCase() throws IOException {
		String boundary = "simple boundary:with=odd'chars?";
		byte[] body = new MultipartBody(boundary).first().field("a", "1").close().build();
		String contentType = "Multipart/Form-Data; charset=UTF-8; BOUNDARY=\"" + boundary + "\"";
		List<Part> parts = MultipartParser.parse(new ByteArrayInputStream(body), contentType, null, IN_MEMORY,
				this.temp);
		assertThat(parts).extracting(MultipartParserTests::text).containsExactly("1");
		assertThat(MultipartParser.boundary("multipart/form-data;boundary=abc ; x=y")).isEqualTo("abc");
	}

	@Test
	void extendedFileNameWinsOverPlainOne() throws IOException {
		byte[] body = new MultipartBody().first()
			.raw("Content-Disposition: form-data; name=\"f1\"; filename=\"EURO rates.txt\"; "
					+ "filename*=UTF-8''%e2%82%ac%20rates.txt\r\n\r\nx")
			.next()
			.raw("Content-Disposition: form-data; name=\"f2\"; filename=\"fallback.txt\"; "
					+ "filename*=bogus''%zz\r\n\r\ny")
			.next()
			.raw("Content-Disposition: form-data; name=\"f3\"; filename*=iso-8859-1'en'%A3%20rates.txt\r\n\r\nz")
			.close()
			.build();
		assertThat(parse(body, IN_MEMORY)).extracting(Part::getSubmittedFileName)
			.containsExactly("€ rates.txt", "fallback.txt", "£ rates.txt");
	}

	@Test
	void rawNonAsciiFileNames() throws IOException {
		byte[] body = new MultipartBody().first()
			.raw("Content-Disposition: form-data; name=\"f\"; filename=\"résumé \\\"final\\\".pdf\"\r\n\r\nx")
			.next()
			.raw("Content-Disposition: form-data; name=\"g\"; filename=\"")
			.raw("caf\u00e9.txt".getBytes(StandardCharsets.ISO_8859_1))
			.raw("\"\r\n\r\ny")
			.next()
			.raw("Content-Disposition: form-data; name=\"h\"; filename=\"C:\\Users\\me\\a.txt\"\r\n\r\nz")
			.close()
			.build();
		List<Part> parts = MultipartParser.parse(new ByteArrayInputStream(body), CONTENT_TYPE,
				StandardCharsets.ISO_8859_1, IN_MEMORY, this.temp);
		assertThat(parts).extracting(Part::getSubmittedFileName)
			.containsExactly("résumé \"final\".pdf", "café.txt", "C:\\Users\\me\\a.txt");
	}

	@Test
	void headerNamesAreCaseInsensitiveAndValuesMayBeFoldedOrRepeated() throws IOException {
		byte[] body = new MultipartBody().first()
			.raw("content-disposition:form-data;name=plain;filename=\"a;b.txt\"\r\n")
			.raw("CONTENT-TYPE :  text/plain ;\r\n   charset=ISO-8859-1\r\n")
			.raw("X-Custom: one\r\nx-custom: two\r\n\r\n")
			.raw("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1))
			.close()
			.build();
		Part part = parse(body, IN_MEMORY).get(0);
		assertThat(part.getName()).isEqualTo("plain");
		assertThat(part.getSubmittedFileName()).isEqualTo("a;b.txt");
		assertThat(part.getContentType()).isEqualTo("text/plain ; charset=ISO-8859-1");
		assertThat(part.getHeader("Content-Type")).isEqualTo(part.getHeader("content-type"));
		assertThat(part.getHeaders("X-CUSTOM")).containsExactly("one", "two");
		assertThat(part.getHeaders("absent")).isEmpty();
		assertThat(part.getHeader("absent")).isNull();
		assertThat(part.getHeaderNames()).containsExactly("content-disposition", "CONTENT-TYPE", "X-Custom");
		assertThat(MultipartParser.readString(part, StandardCharsets.UTF_8)).isEqualTo("café");
	}

	@Test
	void fieldCharsets() throws IOException {
		byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
		byte[] utf8 = "caf\u00e9".getBytes(StandardCharsets.UTF_8);
		byte[] body = new MultipartBody().first()
			.raw("Content-Disposition: form-data; name=\"own\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n")
			.raw(utf8)
			.next()
			.raw("Content-Disposition: form-data; name=\"viaCharsetField\"\r\n\r\n")
			.raw(latin1)
			.next()
			.field("_charset_", "ISO-8859-1")
			.close()
			.build();
		List<Part> parts = parse(body, IN_MEMORY);
		assertThat(parts).extracting(MultipartParserTests::text).containsExactly("café", "café", "ISO-8859-1");
		byte[] plain = new MultipartBody().first().raw("Content-Disposition: form-data; name=\"a\"\r\n\r\n").raw(utf8)
			.close()
			.build();
		List<Part> defaulted = MultipartParser.parse(new ByteArrayInputStream(plain), CONTENT_TYPE, null, IN_MEMORY,
				this.temp);
		assertThat(MultipartParser.readString(defaulted.get(0), null)).isEqualTo("café");
		List<Part> requestCharset = MultipartParser.parse(new ByteArrayInputStream(plain), CONTENT_TYPE,
				StandardCharsets.ISO_8859_1, IN_MEMORY, this.temp);
		assertThat(MultipartParser.readString(requestCharset.get(0), null)).isEqualTo("cafÃ©");
	}

	@Test
	void readStringOfAForeignPart() throws IOException {
		Part part = mock(Part.class);
		given(part.getContentType()).willReturn("text/plain; charset=ISO-8859-1");
		given(part.getInputStream()).willReturn(new ByteArrayInputStream(new byte[] { 'c', (byte) 0xe9 }));
		assertThat(MultipartParser.readString(part, StandardCharsets.UTF_8)).isEqualTo("cé");
	}

	@Test
	void manySmallFields() throws IOException {
		List<String[]> fields = new ArrayList<>();
		for (int i = 0; i < 5000; i++) {
			fields.add(new String[] { "f" + i, "v" + i });
		}
		List<Part> parts = parse(MultipartBody.fields(fields), IN_MEMORY);
		assertThat(parts).hasSize(5000);
		assertThat(parts.get(4999).getName()).isEqualTo("f4999");
		assertThat(text(parts.get(4999))).isEqualTo("v4999");
	}

	@Test
	void partCountLimit() {
		List<String[]> fields = new ArrayList<>();
		for (int i = 0; i < 11; i++) {
			fields.add(new String[] { "f" + i, "v" + i });
		}
		byte[] body = MultipartBody.fields(fields);
		assertThatExceptionOfType(MultipartLimitExceededException.class)
			.isThrownBy(() -> MultipartParser.parse(new ByteArrayInputStream(body), CONTENT_TYPE, null, ON_DISK,
					this.temp, 10))
			.withMessage("The multipart request exceeds the maximum part count of 10 (maxPartCount)");
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void fileAboveTheThresholdGoesToATemporaryFile() throws IOException {
		MultipartConfigElement config = new MultipartConfigElement("", -1, -1, 10);
		byte[] body = new MultipartBody().first()
			.file("small", "s.bin", "application/octet-stream", bytes(10))
			.next()
			.file("large", "l.bin", "application/octet-stream", bytes(11))
			.close()
			.build();
		List<Part> parts = parse(body, config);
		assertThat(((MultipartPart) parts.get(0)).getFile()).isNull();
		Path file = ((MultipartPart) parts.get(1)).getFile();
		assertThat(file).exists().hasParent(this.temp).hasBinaryContent(bytes(11));
		assertThat(file.getFileName().toString()).startsWith(MultipartParser.TEMP_FILE_PREFIX);
		assertThat(tempFiles()).containsExactly(file);
		assertThat(parts.get(1).getInputStream().readAllBytes()).isEqualTo(bytes(11));
		assertThat(parts.get(1).getInputStream().readAllBytes()).isEqualTo(bytes(11));
		parts.get(1).delete();
		assertThat(file).doesNotExist();
		parts.get(1).delete();
	}

	@Test
	void writeMovesTheTemporaryFileAndCopiesMemory() throws IOException {
		MultipartConfigElement config = new MultipartConfigElement("", -1, -1, 4);
		byte[] body = new MultipartBody().first()
			.file("big", "b.bin", "application/octet-stream", bytes(100))
			.next()
			.file("tiny", "t.bin", "application/octet-stream", bytes(3))
			.close()
			.build();
		List<Part> parts = parse(body, config);
		Path tempFile = ((MultipartPart) parts.get(0)).getFile();
		parts.get(0).write("kept.bin");
		Path kept = this.temp.resolve("kept.bin");
		assertThat(tempFile).doesNotExist();
		assertThat(kept).hasBinaryContent(bytes(100));
		assertThat(parts.get(0).getInputStream().readAllBytes()).isEqualTo(bytes(100));
		parts.get(0).delete();
		assertThat(kept).exists();
		Path absolute = this.temp.resolve("sub");
		Files.createDirectories(absolute);
		parts.get(1).write(absolute.resolve("tiny.bin").toString());
		assertThat(absolute.resolve("tiny.bin")).hasBinaryContent(bytes(3));
	}

	@Test
	void relativeConfiguredLocationResolvesAgainstTheDefault() throws IOException {
		MultipartConfigElement config = new MultipartConfigElement("uploads", -1, -1, 0);
		byte[] body = new MultipartBody().first().file("f", "f.bin", "application/octet-stream", bytes(5)).close()
			.build();
		Part part = parse(body, config).get(0);
		assertThat(((MultipartPart) part).getFile()).hasParent(this.temp.resolve("uploads"));
		assertThat(MultipartParser.location(new MultipartConfigElement("/abs/dir"), this.temp))
			.isEqualTo(Path.of("/abs/dir"));
		assertThat(MultipartParser.location(null, this.temp)).isEqualTo(this.temp);
		assertThat(MultipartParser.location(null, null)).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
	}

	@Test
	void fileSizeLimitIsEnforcedWhileReadingAndCleansUp() {
		MultipartConfigElement config = new MultipartConfigElement("", 1024, -1, 0);
		byte[] body = new MultipartBody().first()
			.file("ok", "ok.bin", "application/octet-stream", bytes(1024))
			.next()
			.file("file", "big.bin", "application/octet-stream", bytes(5000))
			.close()
			.build();
		assertThatExceptionOfType(MultipartLimitExceededException.class).isThrownBy(() -> parse(body, config))
			.withMessage("The field file exceeds its maximum permitted size of 1024 bytes "
					+ "(spring.servlet.multipart.max-file-size)")
			.satisfies((ex) -> assertThat(ex.getLimit()).isEqualTo(1024))
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("spring.servlet.multipart.max-file-size"))
			.isInstanceOf(IllegalStateException.class);
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void requestSizeLimitIsEnforcedWhileReadingAndCleansUp() throws IOException {
		byte[] body = new MultipartBody().first()
			.file("a", "a.bin", "application/octet-stream", bytes(100_000))
			.next()
			.file("b", "b.bin", "application/octet-stream", bytes(100_000))
			.close()
			.build();
		MultipartConfigElement config = new MultipartConfigElement("", -1, 150_000, 0);
		assertThatExceptionOfType(MultipartLimitExceededException.class).isThrownBy(() -> parse(body, config))
			.withMessage("The multipart request size exceeds the configured maximum of 150000 bytes "
					+ "(spring.servlet.multipart.max-request-size)");
		assertThat(tempFiles()).isEmpty();
		MultipartConfigElement exact = new MultipartConfigElement("", -1, body.length, 0);
		assertThat(parse(body, exact)).hasSize(2);
	}

	@Test
	void limitMessagesAreWhatSpringMapsTo413() {
		byte[] body = new MultipartBody().first().file("file", "f", "a/b", bytes(10)).close().build();
		MultipartConfigElement config = new MultipartConfigElement("", 5, -1, 0);
		assertThatExceptionOfType(MultipartLimitExceededException.class).isThrownBy(() -> parse(body, config))
			.satisfies((ex) -> assertThat(ex.getMessage()).contains("exceeds").contains("size"));
	}

	@Test
	void truncatedStreamFailsAndLeavesNoTemporaryFile() {
		byte[] body = new MultipartBody().first()
			.file("a", "a.bin", "application/octet-stream", bytes(50_000))
			.next()
			.file("b", "b.bin", "application/octet-stream", bytes(50_000))
			.build();
		assertThatIOException().isThrownBy(() -> parse(body, ON_DISK))
			.isInstanceOf(MalformedMultipartException.class)
			.withMessageContaining("ended inside a part's body")
			.withMessageContaining("truncated");
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void failingStreamPropagatesAndLeavesNoTemporaryFile() {
		byte[] body = new MultipartBody().first()
			.file("a", "a.bin", "application/octet-stream", bytes(50_000))
			.next()
			.file("b", "b.bin", "application/octet-stream", bytes(50_000))
			.build();
		assertThatIOException()
			.isThrownBy(() -> MultipartParser.parse(MultipartBody.failingAfter(body), CONTENT_TYPE, null, ON_DISK,
					this.temp))
			.withMessage("connection reset by peer");
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void malformedBodies() {
		String delimiter = "--" + BOUNDARY;
		assertMalformed("", "ended before the first boundary");
		assertMalformed("no boundary anywhere", "ended before the first boundary");
		assertMalformed(delimiter, "ended after a boundary");
		assertMalformed(delimiter + "\r\nContent-Disposition: form-data; name=\"a\"\r\n", "inside a part's header");
		assertMalformed(delimiter + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",
				"no closing boundary");
		assertMalformed(delimiter + "garbage\r\n", "followed by 'g' instead of CRLF");
		assertMalformed(delimiter + "\r\nno colon here\r\n\r\n\r\n" + delimiter + "--", "no field name and colon");
		assertMalformed(delimiter + "\r\n continued\r\n\r\n\r\n" + delimiter + "--", "continuation line");
		assertMalformed(delimiter + "\r\nContent-Type: text/plain\r\n\r\nx\r\n" + delimiter + "--",
				"#1 has no 'Content-Disposition: form-data' header with a name");
		assertMalformed(delimiter + "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n" + delimiter + "--",
				"#1 has no 'Content-Disposition: form-data'");
		assertMalformed(delimiter + "\r\nX-Big: " + "x".repeat(MultipartParser.MAX_HEADER_BLOCK_SIZE) + "\r\n\r\n",
				"larger than 16384 bytes (MultipartParser.MAX_HEADER_BLOCK_SIZE)");
	}

	@Test
	void missingContentDispositionInALaterPartDeletesEarlierFiles() {
		byte[] body = new MultipartBody().first()
			.file("a", "a.bin", "application/octet-stream", bytes(100))
			.next()
			.raw("Content-Type: text/plain\r\n\r\nx")
			.close()
			.build();
		assertThatIOException().isThrownBy(() -> parse(body, ON_DISK)).withMessageContaining("#2");
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void headerBlockAtTheLimitIsAccepted() throws IOException {
		String disposition = "Content-Disposition: form-data; name=\"a\"\r\n";
		int padding = MultipartParser.MAX_HEADER_BLOCK_SIZE - disposition.length() - "X: \r\n\r\n".length();
		byte[] body = new MultipartBody().first()
			.raw(disposition + "X: " + "y".repeat(padding) + "\r\n\r\nv")
			.close()
			.build();
		assertThat(parse(body, IN_MEMORY).get(0).getHeader("x")).hasSize(padding);
	}

	@Test
	void invalidContentTypes() {
		assertBadContentType(null, "has no Content-Type");
		assertBadContentType(" ", "has no Content-Type");
		assertBadContentType("application/x-www-form-urlencoded", "is not multipart");
		assertBadContentType("multipart/form-data", "has no boundary parameter");
		assertBadContentType("multipart/form-data; boundary=\"\"", "has no boundary parameter");
		assertBadContentType("multipart/form-data; boundary=" + "b".repeat(71), "RFC 2046 allows at most 70");
		assertBadContentType("multipart/form-data; boundary=\"a\u00e9\"", "outside printable ASCII");
	}

	@Test
	void malformedMessagesDoNotLookLikeSizeLimits() {
		Stream.of("", "--" + BOUNDARY + "\r\nX: " + "x".repeat(20_000)).forEach((text) -> {
			byte[] body = text.getBytes(StandardCharsets.UTF_8);
			assertThatIOException().isThrownBy(() -> parse(body, IN_MEMORY))
				.satisfies((ex) -> assertThat(ex.toString().toLowerCase()).doesNotContain("exceed"));
		});
	}

	private void assertMalformed(String body, String message) {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		assertThatIOException().as(body.substring(0, Math.min(body.length(), 80)))
			.isThrownBy(() -> parse(bytes, ON_DISK))
			.isInstanceOf(MalformedMultipartException.class)
			.withMessageContaining(message);
		assertThat(tempFiles()).isEmpty();
	}

	private void assertBadContentType(String contentType, String message) {
		assertThatIOException()
			.isThrownBy(() -> MultipartParser.parse(new ByteArrayInputStream(new byte[0]), contentType, null,
					IN_MEMORY, this.temp))
			.isInstanceOf(MalformedMultipartException.class)
			.withMessageContaining(message);
	}

	private List<Part> parse(byte[] body, MultipartConfigElement config) throws IOException {
		return parse(new ByteArrayInputStream(body), config, StandardCharsets.UTF_8);
	}

	private List<Part> parse(InputStream body, MultipartConfigElement config, Charset charset) throws IOException {
		List<Part> parts = MultipartParser.parse(body, CONTENT_TYPE, charset, config, this.temp);
		this.parsed.addAll(parts);
		return parts;
	}

	private List<Path> tempFiles() {
		try (Stream<Path> files = Files.walk(this.temp)) {
			return files.filter(Files::isRegularFile)
				.filter((file) -> file.getFileName().toString().startsWith(MultipartParser.TEMP_FILE_PREFIX))
				.toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static String text(Part part) {
		try {
			return MultipartParser.readString(part, null);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static byte[] bytes(int length) {
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i++) {
			bytes[i] = (byte) (i * 31 + 7);
		}
		return bytes;
	}

}
