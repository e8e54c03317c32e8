package dev.fastcgi.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import dev.fastcgi.protocol.FastCgi;
import dev.fastcgi.protocol.NameValuePairs;
import dev.fastcgi.protocol.RecordEncoder;
import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.protocol.Role;

/**
 * Turns one {@link FastCgiRequest} into its records, one at a time, so that a body is streamed (never buffered) and
 * several requests can be interleaved on one connection: BEGIN_REQUEST, PARAMS (the encoded pairs cut into records
 * of at most {@code maxContent} bytes, at pair boundaries where possible unless told to cut anywhere; a pair longer
 * than a record always straddles records), the empty PARAMS, STDIN records, the empty
 * STDIN and, for the FILTER role, DATA records and the empty DATA.
 */
final class RequestWriter implements AutoCloseable {

	private enum State {

		BEGIN, PARAMS, STDIN, DATA, DONE

	}

	private final FastCgiRequest request;

	private final int requestId;

	private final int flags;

	private final int maxContent;

	private final byte[] chunk;

	private State state = State.BEGIN;

	private final boolean paramsAtPairBoundaries;

	private byte[] encodedParams;

	private int[] pairEnds;

	private int paramsOffset;

	private InputStream input;

	RequestWriter(FastCgiRequest request, int requestId, boolean keepConn, int maxContent,
			boolean paramsAtPairBoundaries) {
		this.request = request;
		this.paramsAtPairBoundaries = paramsAtPairBoundaries;
		this.requestId = requestId;
		this.flags = keepConn ? FastCgi.KEEP_CONN : 0;
		this.maxContent = maxContent;
		this.chunk = new byte[maxContent];
	}

	int requestId() {
		return this.requestId;
	}

	boolean isDone() {
		return this.state == State.DONE;
	}

	/**
	 * Writes the next record into {@code out}, which must have {@link FastCgi#MAX_RECORD_LENGTH} bytes free.
	 * @return false when every record was written already
	 */
	boolean writeNext(ByteBuffer out) throws IOException {
		switch (this.state) {
			case BEGIN -> {
				RecordEncoder.writeBeginRequest(out, this.requestId, this.request.roleCode(), this.flags);
				Map<String, String> params = this.request.params();
				this.pairEnds = new int[params.size()];
				this.encodedParams = encodeParams(params, this.pairEnds);
				this.state = State.PARAMS;
			}
			case PARAMS -> writeParams(out);
			case STDIN -> writeStream(out, RecordType.STDIN, this.request.body(),
					(this.request.role() == Role.FILTER) ? State.DATA : State.DONE);
			case DATA -> writeStream(out, RecordType.DATA, this.request.data(), State.DONE);
			case DONE -> {
				return false;
			}
		}
		return true;
	}

	private void writeParams(ByteBuffer out) {
		int left = this.encodedParams.length - this.paramsOffset;
		if (left == 0) {
			RecordEncoder.writeEmpty(out, RecordType.PARAMS, this.requestId);
			this.encodedParams = null;
			this.state = State.STDIN;
			return;
		}
		int n = Math.min(left, this.maxContent);
		if (this.paramsAtPairBoundaries && n < left) {
			n = lastPairEndWithin(this.paramsOffset, this.paramsOffset + n) - this.paramsOffset;
		}
		RecordEncoder.writeRecord(out, RecordType.PARAMS, this.requestId, this.encodedParams, this.paramsOffset, n);
		this.paramsOffset += n;
	}

	/** The end of the last pair ending in (from, limit], or limit if none does (a pair longer than a record). */
	private int lastPairEndWithin(int from, int limit) {
		int best = limit;
		for (int end : this.pairEnds) {
			if (end > from && end <= limit) {
				best = end;
			}
		}
		return best;
	}

	private void writeStream(ByteBuffer out, RecordType type, FastCgiRequest.Body body, State next)
			throws IOException {
		if (this.input == null) {
			this.input = body.open();
		}
		int n = this.input.read(this.chunk, 0, this.chunk.length);
		if (n > 0) {
			RecordEncoder.writeRecord(out, type, this.requestId, this.chunk, 0, n);
			return;
		}
		if (n == 0) {
			// a misbehaving stream; try once more rather than send an early end of stream
			return;
		}
		this.input.close();
		this.input = null;
		RecordEncoder.writeEmpty(out, type, this.requestId);
		this.state = next;
	}

	/** Encodes the params as UTF-8 bytes (carried in ISO-8859-1 strings, which the codec writes byte for byte). */
	static byte[] encodeParams(Map<String, String> params) {
		return encodeParams(params, new int[params.size()]);
	}

	/** Encodes the params, noting where each pair ends in {@code pairEnds}. */
	static byte[] encodeParams(Map<String, String> params, int[] pairEnds) {
		int length = 0;
		String[][] pairs = new String[params.size()][];
		int i = 0;
		for (Map.Entry<String, String> entry : params.entrySet()) {
			String name = asBytes(entry.getKey());
			String value = asBytes(entry.getValue());
			pairs[i++] = new String[] { name, value };
			length += NameValuePairs.encodedLength(name, value);
		}
		ByteBuffer out = ByteBuffer.allocate(length);
		for (int p = 0; p < pairs.length; p++) {
			NameValuePairs.encode(pairs[p][0], pairs[p][1], out);
			pairEnds[p] = out.position();
		}
		return out.array();
	}

	private static String asBytes(String text) {
		return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
	}

	@Override
	public void close() {
		Transport.closeQuietly(this.input);
		this.input = null;
		this.state = State.DONE;
	}

}
