package dev.fastcgi.servlet.multipart;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;

import jakarta.servlet.http.Part;

/**
 * A parsed part: its content is either in memory (at most the file size threshold) or in a temporary file that
 * {@link #delete()} removes. {@link #getInputStream()} can be called any number of times.
 */
final class MultipartPart implements Part {

	private final String name;

	private final String submittedFileName;

	private final PartHeaders headers;

	private final Path location;

	private final long size;

	private final byte[] content;

	private Charset charset;

	private Path file;

	private boolean ownsFile;

	private MultipartPart(String name, String submittedFileName, PartHeaders headers, Path location, long size,
			byte[] content, Path file) {
		this.name = name;
		this.submittedFileName = submittedFileName;
		this.headers = headers;
		this.location = location;
		this.size = size;
		this.content = content;
		this.file = file;
		this.ownsFile = (file != null);
	}

	static MultipartPart inMemory(String name, String fileName, PartHeaders headers, Path location, byte[] content) {
		return new MultipartPart(name, fileName, headers, location, content.length, content, null);
	}

	static MultipartPart onDisk(String name, String fileName, PartHeaders headers, Path location, long size,
			Path file) {
		return new MultipartPart(name, fileName, headers, location, size, null, file);
	}

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public String getSubmittedFileName() {
		return this.submittedFileName;
	}

	/** A form field is a part without a {@code filename} parameter; the container adds it to the parameters. */
	boolean isFormField() {
		return this.submittedFileName == null;
	}

	@Override
	public String getContentType() {
		return this.headers.get("Content-Type");
	}

	@Override
	public String getHeader(String name) {
		return this.headers.get(name);
	}

	@Override
	public Collection<String> getHeaders(String name) {
		return this.headers.getAll(name);
	}

	@Override
	public Collection<String> getHeaderNames() {
		return this.headers.names();
	}

	@Override
	public long getSize() {
		return this.size;
	}

	/** The temporary (or, after {@link #write(String)}, the target) file, or null when the content is in memory. */
	synchronized Path getFile() {
		return this.file;
	}

	/** The charset that decodes this part as text: its own, else {@code _charset_}, else the request's. */
	Charset getCharset() {
		return this.charset;
	}

	void setCharset(Charset charset) {
		this.charset = charset;
	}

	@Override
	public synchronized InputStream getInputStream() throws IOException {
		return (this.file != null) ? Files.newInputStream(this.file) : new ByteArrayInputStream(this.content);
	}

	/**
	 * Return the content decoded with {@link #getCharset()}.
	 * @return the text
	 * @throws IOException if the temporary file cannot be read
	 */
	String getString() throws IOException {
		try (InputStream in = getInputStream()) {
			return new String(in.readAllBytes(), this.charset);
		}
	}

	/**
	 * Write the content to a file; a relative name resolves against the part's location. A part in a temporary file
	 * is moved there (and from then on reads from that file, which {@link #delete()} leaves alone).
	 */
	@Override
	public synchronized void write(String fileName) throws IOException {
		Path target = Path.of(fileName);
		if (!target.isAbsolute()) {
			target = this.location.resolve(target);
		}
		if (this.file == null) {
			Files.write(target, this.content);
		}
		else if (this.ownsFile) {
			Files.move(this.file, target, StandardCopyOption.REPLACE_EXISTING);
			this.file = target;
			this.ownsFile = false;
		}
		else if (!this.file.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize())) {
			Files.copy(this.file, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/** Delete the temporary file, if any. Idempotent. */
	@Override
	public synchronized void delete() throws IOException {
		if (this.ownsFile) {
			Files.deleteIfExists(this.file);
			this.ownsFile = false;
		}
	}

	void deleteQuietly() {
		try {
			delete();
		}
		catch (IOException ex) {
			// best effort during cleanup after a failure
		}
	}

	@Override
	public String toString() {
		return "MultipartPart[name=" + this.name + ", fileName=" + this.submittedFileName + ", size=" + this.size
				+ ((this.file != null) ? ", file=" + this.file : ", in memory") + "]";
	}

}
