package dev.fastcgi.bench.jmh;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import dev.fastcgi.protocol.ParamMap;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.RecordDecoder;
import dev.fastcgi.protocol.RecordType;

/**
 * Decoding one typical nginx GET request (BEGIN_REQUEST, one PARAMS record of 30 params, empty PARAMS, empty
 * STDIN: four records, 1 KiB) with one long-lived decoder, as a connection does in steady state. {@code frames}
 * only frames the records, reading each record's type and content length; {@code framesHandingOutContent} also
 * gives each content slice to a {@link Blackhole}, so the slices must exist (the payload the decoder hands out:
 * its only allocation per record); {@code framesAndParams} also decodes the params into the engine's {@link ParamMap}
 * (names now, values when read). Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per
 * request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RecordDecoderBenchmark {

	/** Where the connection's read buffer lives. */
	@Param({ "heap", "direct" })
	public String buffer;

	private ByteBuffer input;

	private RecordDecoder framer;

	private RecordDecoder paramsDecoder;

	private RecordDecoder handingOut;

	private Blackhole hole;

	private static final ParamMap.PairFilter ALL = (name, valueLength) -> true;

	private long sum;

	private Map<String, String> lastParams;

	@Setup
	public void setUp() {
		byte[] wire = NginxRequests.wire(NginxRequests.params("GET", "/hello", 0), new byte[0]);
		this.input = "direct".equals(this.buffer) ? ByteBuffer.allocateDirect(wire.length)
				: ByteBuffer.allocate(wire.length);
		this.input.put(wire).flip();
		this.framer = new RecordDecoder(this::onRecord);
		this.paramsDecoder = new RecordDecoder(this::onRecordWithParams);
		this.handingOut = new RecordDecoder((type, requestId, padding, content) -> {
			this.hole.consume(content);
			return true;
		});
	}

	private boolean onRecord(int type, int requestId, int padding, ByteBuffer content) {
		this.sum += type + content.remaining();
		return true;
	}

	private boolean onRecordWithParams(int type, int requestId, int padding, ByteBuffer content)
			throws ProtocolException {
		this.sum += type + content.remaining();
		if (type == RecordType.PARAMS.code() && content.hasRemaining()) {
			// as the engine does: the content copied out of the read buffer, values decoded when read
			byte[] bytes = new byte[content.remaining()];
			content.get(bytes);
			this.lastParams = ParamMap.decode(bytes, 0, bytes.length, ALL, Map.of());
		}
		return true;
	}

	/**
	 * Frames the four records of one request.
	 * @return a sum over the records, so the work is not dead code
	 * @throws ProtocolException never, the input is valid
	 */
	@Benchmark
	public long frames() throws ProtocolException {
		this.input.rewind();
		this.framer.decode(this.input);
		return this.sum;
	}

	/**
	 * Frames the four records and hands each content slice to a blackhole.
	 * @param hole where the slices go
	 * @throws ProtocolException never, the input is valid
	 */
	@Benchmark
	public void framesHandingOutContent(Blackhole hole) throws ProtocolException {
		this.hole = hole;
		this.input.rewind();
		this.handingOut.decode(this.input);
	}

	/**
	 * Frames the four records and decodes the params into a map.
	 * @return the params, so the work is not dead code
	 * @throws ProtocolException never, the input is valid
	 */
	@Benchmark
	public Map<String, String> framesAndParams() throws ProtocolException {
		this.input.rewind();
		this.paramsDecoder.decode(this.input);
		return this.lastParams;
	}

}
