package dev.fastcgi.server;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 1 GiB upload, generated on the fly and never held in memory, through an engine in a test JVM limited to
 * {@code -Xmx128m}: non-multiplexed it streams with back-pressure, multiplexed it spills to a temporary file that is
 * gone afterwards.
 */
class LargeUploadTests extends EngineTestSupport {

	private static final long SIZE = 1L << 30;

	@ParameterizedTest(name = "multiplexed={0}")
	@ValueSource(booleans = { false, true })
	void oneGibibyteUploadWithBoundedHeap(boolean multiplexed) throws Exception {
		CountDownLatch spilled = new CountDownLatch(1);
		this.events.lines.clear();
		FastCgiServer server = start(config().multiplexed(multiplexed), (exchange) -> {
			if (multiplexed) {
				// let the unread input pile up so that it must spill
				spilled.await(20, TimeUnit.SECONDS);
			}
			byte[] buffer = new byte[64 * 1024];
			long total = 0;
			boolean inOrder = true;
			int n;
			while ((n = exchange.stdin().read(buffer)) >= 0) {
				// every 4096th byte of the stream carries its block number: checks order and completeness
				for (long pos = (total + 4095) & ~4095L; pos < total + n; pos += 4096) {
					inOrder &= buffer[(int) (pos - total)] == (byte) (pos / 4096);
				}
				total += n;
			}
			exchange.stdout().write(bytes(OK_HEAD + "length=" + total + " inOrder=" + inOrder));
		});
		RawClient client = connect(server);
		client.send(RawClient.concat(RawClient.begin(1, 1, true),
				RawClient.params(1, params("REQUEST_METHOD", "POST", "CONTENT_LENGTH", Long.toString(SIZE)))));
		byte[] chunk = new byte[65528];
		ByteBuffer record = ByteBuffer.allocate(RecordEncoder.recordLength(chunk.length));
		OutputStream out = client.outputStream();
		long sent = 0;
		while (sent < SIZE) {
			int length = (int) Math.min(chunk.length, SIZE - sent);
			for (long pos = (sent + 4095) & ~4095L; pos < sent + length; pos += 4096) {
				chunk[(int) (pos - sent)] = (byte) (pos / 4096);
			}
			record.clear();
			RecordEncoder.writeRecord(record, RecordType.STDIN, 1, chunk, 0, length);
			out.write(record.array(), 0, record.position());
			sent += length;
			if (multiplexed && sent > 4 * 1024 * 1024 && spilled.getCount() > 0 && !this.events.spilled.isEmpty()) {
				spilled.countDown();
			}
		}
		spilled.countDown();
		out.write(RawClient.empty(RecordType.STDIN, 1));
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).isEqualTo(OK_HEAD + "length=" + SIZE + " inOrder=true");
		if (multiplexed) {
			assertThat(this.events.spilled).isNotEmpty();
			for (Path file : this.events.spilled) {
				assertThat(Files.exists(file)).as("spill file %s deleted", file).isFalse();
			}
		}
		else {
			assertThat(this.events.spilled).isEmpty();
		}
		Runtime runtime = Runtime.getRuntime();
		assertThat(runtime.maxMemory()).isLessThanOrEqualTo(256L * 1024 * 1024);
	}

}
