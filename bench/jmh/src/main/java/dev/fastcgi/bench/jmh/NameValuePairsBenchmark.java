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
import dev.fastcgi.protocol.ParamMap;
import dev.fastcgi.protocol.ProtocolException;

/**
 * Decoding the PARAMS content of a typical nginx request (30 params, about 1 KiB): into a sink (the pair Strings
 * only), into a map, and into the {@link ParamMap} the engine hands the servlet bridge, reading the dozen params
 * the bridge reads for a GET.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NameValuePairsBenchmark {

	private static final String[] READ = { "REQUEST_METHOD", "REQUEST_URI", "SERVER_PROTOCOL", "HTTPS",
			"REQUEST_SCHEME", "SERVER_NAME", "SERVER_PORT", "SERVER_ADDR", "HTTP_HOST", "REMOTE_ADDR", "REMOTE_PORT",
			"REMOTE_HOST", "REMOTE_USER", "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE" };

	private static final ParamMap.PairFilter ALL = (name, valueLength) -> true;

	private ByteBuffer content;

	private byte[] bytes;

	private long sum;

	@Setup
	public void setUp() {
		this.bytes = NginxRequests.paramsContent(NginxRequests.params("GET", "/hello", 0));
		this.content = ByteBuffer.wrap(this.bytes);
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

	/**
	 * Decodes into the engine's {@link ParamMap} (values decoded when read) and reads the params a GET reads.
	 * @return a sum over the values read
	 * @throws ProtocolException never, the input is valid
	 */
	@Benchmark
	public long toParamMapAndRead() throws ProtocolException {
		return readGetParams(ParamMap.decode(this.bytes, 0, this.bytes.length, ALL, Map.of()));
	}

	/**
	 * Decodes into a map and reads the same params: what the engine did before {@link ParamMap}.
	 * @return a sum over the values read
	 * @throws ProtocolException never, the input is valid
	 */
	@Benchmark
	public long toMapAndRead() throws ProtocolException {
		this.content.rewind();
		return readGetParams(NameValuePairs.decode(this.content));
	}

	/** Reads the params the servlet bridge reads for a GET; a sum over their lengths. */
	private static long readGetParams(Map<String, String> map) {
		long total = 0;
		for (String name : READ) {
			String value = map.get(name);
			total += (value != null) ? value.length() : 0;
		}
		return total;
	}

}
