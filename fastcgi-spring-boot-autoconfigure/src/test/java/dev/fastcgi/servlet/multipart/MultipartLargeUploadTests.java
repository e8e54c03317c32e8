package dev.fastcgi.servlet.multipart;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.fastcgi.servlet.multipart.MultipartBody.BOUNDARY;
import static dev.fastcgi.servlet.multipart.MultipartBody.CONTENT_TYPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A 50 MiB file part, generated on the fly and never materialized, streams to disk with bounded memory (the test JVM
 * runs with {@code -Xmx128m}), and an oversized one stops being read at the limit.
 */
class MultipartLargeUploadTests {

	private static final long FIFTY_MIB = 50L * 1024 * 1024;

	@TempDir
	Path temp;

	@Test
	void fiftyMebibytePartStreamsToDiskWithBoundedAllocation() throws IOException {
		GeneratedUpload upload = new GeneratedUpload(FIFTY_MIB);
		MultipartConfigElement config = new MultipartConfigElement("", -1, -1, 1024 * 1024);
		long allocatedBefore = allocatedBytes();
		List<Part> parts = MultipartParser.parse(upload, CONTENT_TYPE, null, config, this.temp);
		long allocated = allocatedBytes() - allocatedBefore;
		assertThat(parts).hasSize(2);
		Part file = parts.get(0);
		assertThat(file.getSize()).isEqualTo(FIFTY_MIB);
		Path onDisk = ((MultipartPart) file).getFile();
		assertThat(Files.size(onDisk)).isEqualTo(FIFTY_MIB);
		assertThat(crc(file)).isEqualTo(upload.contentCrc.getValue());
		assertThat(MultipartParserTests.text(parts.get(1))).isEqualTo("after");
		if (allocated >= 0) {
			// the threshold buffer (1 MiB, grown by doubling) plus fixed buffers; nowhere near the 50 MiB content
			assertThat(allocated).as("bytes allocated while parsing").isLessThan(8L * 1024 * 1024);
		}
		file.delete();
		assertThat(onDisk).doesNotExist();
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void oversizedPartStopsBeingReadAtTheLimit() {
		GeneratedUpload upload = new GeneratedUpload(FIFTY_MIB);
		MultipartConfigElement config = new MultipartConfigElement("", 10L * 1024 * 1024, -1, 0);
		assertThatExceptionOfType(MultipartLimitExceededException.class)
			.isThrownBy(() -> MultipartParser.parse(upload, CONTENT_TYPE, null, config, this.temp))
			.withMessage("The field upload exceeds its maximum permitted size of 10485760 bytes "
					+ "(spring.servlet.multipart.max-file-size)");
		assertThat(upload.produced).isLessThan(11L * 1024 * 1024);
		assertThat(tempFiles()).isEmpty();
	}

	@Test
	void oversizedRequestStopsBeingReadAtTheLimit() {
		GeneratedUpload upload = new GeneratedUpload(FIFTY_MIB);
		MultipartConfigElement config = new MultipartConfigElement("", -1, 20L * 1024 * 1024, 0);
		assertThatExceptionOfType(MultipartLimitExceededException.class)
			.isThrownBy(() -> MultipartParser.parse(upload, CONTENT_TYPE, null, config, this.temp))
			.withMessageContaining("request size exceeds the configured maximum of 20971520 bytes");
		assertThat(upload.produced).isLessThan(21L * 1024 * 1024);
		assertThat(tempFiles()).isEmpty();
	}

	private static long allocatedBytes() {
		if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
				&& threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
			return threads.getCurrentThreadAllocatedBytes();
		}
		assumeThat(false).as("thread allocation accounting unavailable").isTrue();
		return -1;
	}

	private static long crc(Part part) throws IOException {
		CRC32 crc = new CRC32();
		byte[] buffer = new byte[64 * 1024];
		try (InputStream in = part.getInputStream()) {
			int n;
			while ((n = in.read(buffer)) != -1) {
				crc.update(buffer, 0, n);
			}
		}
		return crc.getValue();
	}

	private List<Path> tempFiles() {
		try (Stream<Path> files = Files.list(this.temp)) {
			return files.toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A multipart body with one file part of pseudo-random bytes (xorshift, never containing the delimiter in
	 * practice: the boundary is 38 characters) and one small field, produced as it is read.
	 */
	static final class GeneratedUpload extends InputStream {

		private final byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"upload\"; "
				+ "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);

		private final byte[] tail = ("\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\n"
				+ "after\r\n--" + BOUNDARY + "--\r\n")
			.getBytes(StandardCharsets.US_ASCII);

		private final long contentLength;

		final CRC32 contentCrc = new CRC32();

		long produced;

		private long state = 0x9E3779B97F4A7C15L;

		GeneratedUpload(long contentLength) {
			this.contentLength = contentLength;
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) < 0) ? -1 : one[0] & 0xff;
		}

		@Override
		public int read(byte[] b, int off, int len) {
			long total = this.head.length + this.contentLength + this.tail.length;
			if (this.produced >= total) {
				return -1;
			}
			int count = (int) Math.min(len, total - this.produced);
			for (int i = 0; i < count; i++) {
				b[off + i] = next();
			}
			return count;
		}

		private byte next() {
			long position = this.produced++;
			if (position < this.head.length) {
				return this.head[(int) position];
			}
			position -= this.head.length;
			if (position < this.contentLength) {
				this.state ^= this.state << 13;
				this.state ^= this.state >>> 7;
				this.state ^= this.state << 17;
				byte value = (byte) this.state;
				this.contentCrc.update(value);
				return value;
			}
			return this.tail[(int) (position - this.contentLength)];
		}

	}

}
