package dev.fastcgi.servlet.multipart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;

/**
 * Streaming {@code multipart/form-data} parser (RFC 7578 over RFC 2046 framing) for
 * {@code HttpServletRequest.getParts()}.
 * <p>
 * Memory stays bounded for any upload: a part is kept in memory only up to the configuration's file size threshold;
 * past it the part streams to a temporary file ({@value #TEMP_FILE_PREFIX}*) in the configured location. Limits are
 * enforced while reading: a part larger than {@code maxFileSize}, a body larger than {@code maxRequestSize} or more
 * than {@code maxPartCount} parts end the parse with a {@link MultipartLimitExceededException}; malformed input ends
 * it with a {@link MalformedMultipartException}. In both cases every temporary file already written is deleted
 * before the exception is thrown. On success the caller owns the parts and must {@link Part#delete() delete} them
 * when the request ends.
 * <p>
 * Form fields (parts without a {@code filename}) are decoded by {@link #readString(Part, Charset)} with the part's
 * own {@code charset} parameter, else the charset named by a {@code _charset_} field (RFC 7578 §4.6), else the given
 * request charset, else UTF-8.
 */
public final class MultipartParser {

	/** Largest part header block accepted, in bytes, including line ends. */
	public static final int MAX_HEADER_BLOCK_SIZE = 16 * 1024;

	/** Most parts accepted by {@link #parse(InputStream, String, Charset, MultipartConfigElement, Path)}. */
	public static final int DEFAULT_MAX_PART_COUNT = 10_000;

	/** Longest boundary accepted (RFC 2046 §5.1.1). */
	public static final int MAX_BOUNDARY_LENGTH = 70;

	/** Prefix of the temporary files of parts above the threshold. */
	public static final String TEMP_FILE_PREFIX = "fastcgi-upload-";

	static final String MAX_FILE_SIZE_PROPERTY = "spring.servlet.multipart.max-file-size";

	static final String MAX_REQUEST_SIZE_PROPERTY = "spring.servlet.multipart.max-request-size";

	static final String MAX_PART_COUNT_PROPERTY = "maxPartCount";

	private static final String CHARSET_FIELD = "_charset_";

	private static final int CHUNK_SIZE = 8192;

	private MultipartParser() {
	}

	/**
	 * Parse a multipart body with at most {@value #DEFAULT_MAX_PART_COUNT} parts.
	 * @param body the request body, read up to the close delimiter (the epilogue is left unread); not closed
	 * @param contentType the request's full Content-Type header, with a boundary parameter (quoted or not)
	 * @param charset the request's character encoding, or null (UTF-8)
	 * @param config the servlet's multipart configuration, or null for no limits and threshold 0
	 * @param defaultLocation the context's temporary directory, against which a relative or empty configured
	 * location resolves; null for {@code java.io.tmpdir}
	 * @return the parts in the order received
	 * @throws IOException if reading fails or the body or content type is malformed
	 * ({@link MalformedMultipartException})
	 * @throws MultipartLimitExceededException if a size or count limit is exceeded
	 */
	public static List<Part> parse(InputStream body, String contentType, Charset charset,
			MultipartConfigElement config, Path defaultLocation) throws IOException {
		return parse(body, contentType, charset, config, defaultLocation, DEFAULT_MAX_PART_COUNT);
	}

	/**
	 * Parse a multipart body, see {@link #parse(InputStream, String, Charset, MultipartConfigElement, Path)}.
	 * @param body the request body
	 * @param contentType the request's Content-Type header
	 * @param charset the request's character encoding, or null
	 * @param config the multipart configuration, or null
	 * @param defaultLocation the context's temporary directory, or null
	 * @param maxPartCount the most parts accepted, negative for no limit
	 * @return the parts in the order received
	 * @throws IOException if reading fails or the body or content type is malformed
	 * @throws MultipartLimitExceededException if a size or count limit is exceeded
	 */
	public static List<Part> parse(InputStream body, String contentType, Charset charset,
			MultipartConfigElement config, Path defaultLocation, int maxPartCount) throws IOException {
		MultipartConfigElement settings = (config != null) ? config : new MultipartConfigElement("");
		Charset requestCharset = (charset != null) ? charset : StandardCharsets.UTF_8;
		byte[] boundary = boundary(contentType).getBytes(StandardCharsets.ISO_8859_1);
		Path location = location(settings, defaultLocation);
		MultipartStream stream = new MultipartStream(body, boundary, settings.getMaxRequestSize());
		List<MultipartPart> parts = new ArrayList<>();
		try {
			while (stream.nextPart()) {
				if (maxPartCount >= 0 && parts.size() >= maxPartCount) {
					throw new MultipartLimitExceededException("The multipart request exceeds the maximum part count of "
							+ maxPartCount + " (" + MAX_PART_COUNT_PROPERTY + ")", maxPartCount,
							MAX_PART_COUNT_PROPERTY);
				}
				PartHeaders headers = PartHeaders.parse(stream.readHeaderBlock(), requestCharset);
				parts.add(readPart(stream, headers, parts.size() + 1, settings, location));
			}
			assignCharsets(parts, requestCharset);
			return Collections.unmodifiableList(new ArrayList<>(parts));
		}
		catch (IOException | RuntimeException | Error ex) {
			parts.forEach(MultipartPart::deleteQuietly);
			throw ex;
		}
	}

	/**
	 * Read the text of a part: for a part of this parser with the charset resolved at parse time, for another part
	 * with its Content-Type charset or the given fallback.
	 * @param part the part
	 * @param fallback the charset when none is known, or null for UTF-8
	 * @return the content as text
	 * @throws IOException if the content cannot be read
	 */
	public static String readString(Part part, Charset fallback) throws IOException {
		if (part instanceof MultipartPart ours && ours.getCharset() != null) {
			return ours.getString();
		}
		Charset charset = charsetOf(part.getContentType());
		if (charset == null) {
			charset = (fallback != null) ? fallback : StandardCharsets.UTF_8;
		}
		try (InputStream in = part.getInputStream()) {
			return new String(in.readAllBytes(), charset);
		}
	}

	/**
	 * Return whether a part is a form field (no {@code filename} parameter): the container adds its text to the
	 * request parameters.
	 * @param part the part
	 * @return whether it is a form field rather than a file
	 */
	public static boolean isFormField(Part part) {
		return part.getSubmittedFileName() == null;
	}

	/**
	 * Return the boundary of a multipart Content-Type.
	 * @param contentType the full header value
	 * @return the boundary, unquoted
	 * @throws MalformedMultipartException if the type is not multipart or the boundary is missing or invalid
	 */
	public static String boundary(String contentType) throws MalformedMultipartException {
		if (contentType == null || contentType.isBlank()) {
			throw new MalformedMultipartException(
					"Request has no Content-Type; multipart/form-data with a boundary parameter is required");
		}
		PartHeaders.Parameterized parsed = PartHeaders.parameters(contentType);
		if (!parsed.type().startsWith("multipart/")) {
			throw new MalformedMultipartException("Content-Type '" + contentType + "' is not multipart");
		}
		String boundary = parsed.get("boundary");
		if (boundary == null || boundary.isEmpty()) {
			throw new MalformedMultipartException("Content-Type '" + contentType + "' has no boundary parameter");
		}
		if (boundary.length() > MAX_BOUNDARY_LENGTH) {
			throw new MalformedMultipartException("Multipart boundary is " + boundary.length()
					+ " characters long; RFC 2046 allows at most " + MAX_BOUNDARY_LENGTH);
		}
		for (int i = 0; i < boundary.length(); i++) {
			char c = boundary.charAt(i);
			if (c < 0x20 || c > 0x7e) {
				throw new MalformedMultipartException(
						"Multipart boundary contains a character outside printable ASCII at index " + i);
			}
		}
		return boundary;
	}

	/**
	 * Resolve where part files go: the configured location, relative to the default location when relative, or the
	 * default location when none is configured.
	 * @param config the multipart configuration
	 * @param defaultLocation the context's temporary directory, or null for {@code java.io.tmpdir}
	 * @return the directory (not necessarily existing yet)
	 */
	public static Path location(MultipartConfigElement config, Path defaultLocation) {
		Path base = (defaultLocation != null) ? defaultLocation : Path.of(System.getProperty("java.io.tmpdir"));
		String configured = (config != null) ? config.getLocation() : null;
		if (configured == null || configured.isEmpty()) {
			return base;
		}
		Path path = Path.of(configured);
		return path.isAbsolute() ? path : base.resolve(path);
	}

	private static MultipartPart readPart(MultipartStream stream, PartHeaders headers, int index,
			MultipartConfigElement config, Path location) throws IOException {
		String disposition = headers.get("Content-Disposition");
		PartHeaders.Parameterized parsed = (disposition != null) ? PartHeaders.parameters(disposition) : null;
		String name = (parsed != null && parsed.type().equals("form-data")) ? parsed.get("name") : null;
		if (name == null) {
			throw new MalformedMultipartException("Multipart part #" + index
					+ " has no 'Content-Disposition: form-data' header with a name parameter (RFC 7578 §4.2)");
		}
		String fileName = fileName(parsed);
		return new PartReader(stream, config, location, name, fileName, headers).read();
	}

	private static String fileName(PartHeaders.Parameterized disposition) {
		String extended = disposition.get("filename*");
		if (extended != null) {
			String decoded = PartHeaders.decodeExtended(extended);
			if (decoded != null) {
				return decoded;
			}
		}
		return disposition.get("filename");
	}

	private static void assignCharsets(List<MultipartPart> parts, Charset requestCharset) throws IOException {
		Charset fieldDefault = requestCharset;
		for (MultipartPart part : parts) {
			if (part.isFormField() && CHARSET_FIELD.equals(part.getName()) && part.getSize() <= 64) {
				part.setCharset(StandardCharsets.US_ASCII);
				Charset named = charsetNamed(part.getString().trim());
				if (named != null) {
					fieldDefault = named;
				}
				break;
			}
		}
		for (MultipartPart part : parts) {
			if (part.getCharset() == null) {
				Charset own = charsetOf(part.getContentType());
				part.setCharset((own != null) ? own : fieldDefault);
			}
		}
	}

	private static Charset charsetOf(String contentType) {
		return (contentType != null) ? charsetNamed(PartHeaders.parameters(contentType).get("charset")) : null;
	}

	private static Charset charsetNamed(String name) {
		if (name == null || name.isEmpty()) {
			return null;
		}
		try {
			return Charset.forName(name);
		}
		catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
			return null;
		}
	}

	/** Reads one part body into memory up to the threshold, then into a temporary file, checking the size limit. */
	private static final class PartReader {

		private final MultipartStream stream;

		private final long maxFileSize;

		private final int threshold;

		private final Path location;

		private final String name;

		private final String fileName;

		private final PartHeaders headers;

		private ByteArrayOutputStream memory = new ByteArrayOutputStream();

		private Path file;

		private OutputStream out;

		private long size;

		PartReader(MultipartStream stream, MultipartConfigElement config, Path location, String name,
				String fileName, PartHeaders headers) {
			this.stream = stream;
			this.maxFileSize = config.getMaxFileSize();
			this.threshold = Math.max(0, config.getFileSizeThreshold());
			this.location = location;
			this.name = name;
			this.fileName = fileName;
			this.headers = headers;
		}

		MultipartPart read() throws IOException {
			try {
				byte[] chunk = new byte[CHUNK_SIZE];
				int n;
				while ((n = this.stream.read(chunk, 0, chunk.length)) != -1) {
					append(chunk, n);
				}
				if (this.out == null) {
					return MultipartPart.inMemory(this.name, this.fileName, this.headers, this.location,
							this.memory.toByteArray());
				}
				this.out.close();
				return MultipartPart.onDisk(this.name, this.fileName, this.headers, this.location, this.size,
						this.file);
			}
			catch (IOException | RuntimeException | Error ex) {
				discard();
				throw ex;
			}
		}

		private void append(byte[] chunk, int n) throws IOException {
			this.size += n;
			if (this.maxFileSize >= 0 && this.size > this.maxFileSize) {
				throw new MultipartLimitExceededException("The field " + this.name
						+ " exceeds its maximum permitted size of " + this.maxFileSize + " bytes ("
						+ MAX_FILE_SIZE_PROPERTY + ")", this.maxFileSize, MAX_FILE_SIZE_PROPERTY);
			}
			if (this.out == null && this.size > this.threshold) {
				Files.createDirectories(this.location);
				this.file = Files.createTempFile(this.location, TEMP_FILE_PREFIX, ".tmp");
				this.out = Files.newOutputStream(this.file);
				this.memory.writeTo(this.out);
				this.memory = null;
			}
			if (this.out != null) {
				this.out.write(chunk, 0, n);
			}
			else {
				this.memory.write(chunk, 0, n);
			}
		}

		private void discard() {
			try {
				if (this.out != null) {
					this.out.close();
				}
			}
			catch (IOException ex) {
				// closing only to delete
			}
			try {
				if (this.file != null) {
					Files.deleteIfExists(this.file);
				}
			}
			catch (IOException ex) {
				// best effort
			}
		}

	}

}
