package dev.fastcgi.bench.jmh;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.ProtocolException;

/**
 * Decoding the PARAMS content of a typical nginx request (30 params, about 1 KiB): into a sink (the pair Strings
 * only) and into a map (what the engine hands the servlet bridge).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NameValuePairsBenchmark {

	private ByteBuffer content;

	private long sum;

	@Setup
	public void setUp() {
		this.content = ByteBuffer.wrap(NginxRequests.paramsContent(NginxRequests.params("GET", "/hello", 0)));
	}

	/**
	 * Decodes every pair into a sink that only looks at the lengths.
	 * @return a sum over the pairs
	 * @throws ProtocolException never, the input is valid
	 */
	@Benchmark
	public long toSink() throws ProtocolException {
		this.content.rewind();
		NameValuePairs.decode(this.content, (name, value) -> this.sum += name.length() + value.length());
		return this.sum;
	}

	/**
	 * Decodes every pair into a new map.
	 * @return the map
	 * @throws ProtocolException never, the input is valid
	 */
	@Benchmark
	public Map<String, String> toMap() throws ProtocolException {
		this.content.rewind();
		return NameValuePairs.decode(this.content);
	}

}
