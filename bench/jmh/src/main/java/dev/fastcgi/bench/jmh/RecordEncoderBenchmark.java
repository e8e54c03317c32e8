package dev.fastcgi.bench.jmh;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordType;

/**
 * Writing a response body as a STDOUT stream ({@link RecordEncoder#writeStream}) plus the empty STDOUT and
 * END_REQUEST records into a reused buffer, as a connection's writer does: a 5-byte body (GET /hello) and a 64 KiB
 * body, cut at the default {@code fastcgi.max-write} (8192) or at the protocol maximum (65535).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RecordEncoderBenchmark {

	/** Response body size in bytes. */
	@Param({ "5", "65536" })
	public int bodySize;

	/** Largest STDOUT record content. */
	@Param({ "8192", "65535" })
	public int maxContent;

	/** Where the connection's write buffer lives. */
	@Param({ "heap", "direct" })
	public String buffer;

	private byte[] body;

	private ByteBuffer out;

	@Setup
	public void setUp() {
		this.body = new byte[this.bodySize];
		int length = RecordEncoder.streamLength(this.bodySize, this.maxContent) + 8 + 16;
		this.out = "direct".equals(this.buffer) ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
	}

	/**
	 * Encodes one response's records.
	 * @return bytes written
	 */
	@Benchmark
	public int writeResponse() {
		ByteBuffer out = this.out;
		out.clear();
		RecordEncoder.writeStream(out, RecordType.STDOUT, NginxRequests.REQUEST_ID, this.body, 0, this.body.length,
				this.maxContent);
		RecordEncoder.writeEmpty(out, RecordType.STDOUT, NginxRequests.REQUEST_ID);
		RecordEncoder.writeEndRequest(out, NginxRequests.REQUEST_ID, 0, 0);
		return out.position();
	}

}
