package dev.fastcgi.client;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import dev.fastcgi.protocol.EndRequestBody;
import dev.fastcgi.protocol.ProtocolException;
import dev.fastcgi.protocol.RecordHeader;
import dev.fastcgi.protocol.RecordType;

/**
 * Collects the records the server sends for one request id and checks them: only STDOUT, STDERR and END_REQUEST
 * are valid, no stream data after its end record, END_REQUEST last. In streaming mode stdout chunks are queued for
 * the reader instead of being accumulated.
 */
final class ResponseCollector {

	private final int requestId;

	private final boolean streaming;

	private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

	private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

	private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();

	private final List<RecordHeader> records = new ArrayList<>();

	private boolean stdoutEnded;

	private boolean stderrEnded;

	private EndRequestBody end;

	ResponseCollector(int requestId, boolean streaming) {
		this.requestId = requestId;
		this.streaming = streaming;
	}

	int requestId() {
		return this.requestId;
	}

	boolean isEnded() {
		return this.end != null;
	}

	/** Handles one record of this request; the content is valid during the call only. */
	void onRecord(RecordHeader header, ByteBuffer content) throws FastCgiClientException {
		this.records.add(header);
		RecordType type = header.recordType();
		if (type == RecordType.STDOUT) {
			onStdout(content);
		}
		else if (type == RecordType.STDERR) {
			onStderr(content);
		}
		else if (type == RecordType.END_REQUEST) {
			onEnd(content);
		}
		else {
			throw violation("a record of type " + describe(header.type())
					+ ", but an application may only send STDOUT, STDERR and END_REQUEST");
		}
	}

	private void onStdout(ByteBuffer content) throws FastCgiClientException {
		if (this.stdoutEnded) {
			throw violation("a STDOUT record after the empty STDOUT record that ended stdout");
		}
		if (!content.hasRemaining()) {
			this.stdoutEnded = true;
			return;
		}
		byte[] bytes = new byte[content.remaining()];
		content.get(bytes);
		if (this.streaming) {
			this.chunks.add(bytes);
		}
		else {
			this.stdout.writeBytes(bytes);
		}
	}

	private void onStderr(ByteBuffer content) throws FastCgiClientException {
		if (this.stderrEnded) {
			throw violation("a STDERR record after the empty STDERR record that ended stderr");
		}
		if (!content.hasRemaining()) {
			this.stderrEnded = true;
			return;
		}
		byte[] bytes = new byte[content.remaining()];
		content.get(bytes);
		this.stderr.writeBytes(bytes);
	}

	private void onEnd(ByteBuffer content) throws FastCgiClientException {
		try {
			this.end = EndRequestBody.decode(content);
		}
		catch (ProtocolException ex) {
			throw new FastCgiClientException("Request " + this.requestId + ": malformed END_REQUEST: " + ex.getMessage(),
					ex);
		}
	}

	/** The next queued stdout chunk (streaming mode), or null if none is queued. */
	byte[] pollChunk() {
		return this.chunks.poll();
	}

	/** Puts bytes back at the front of the stdout queue (streaming mode). */
	void pushBack(byte[] bytes) {
		if (bytes.length > 0) {
			this.chunks.addFirst(bytes);
		}
	}

	/** Whether a stdout chunk is queued. */
	boolean hasChunk() {
		return !this.chunks.isEmpty();
	}

	/** Whether stdout ended or the request ended, and no chunk is queued. */
	boolean isStdoutExhausted() {
		return this.chunks.isEmpty() && (this.stdoutEnded || this.end != null);
	}

	/** The response; in streaming mode stdout holds only the chunks not polled yet. */
	FastCgiResponse toResponse() {
		if (this.streaming) {
			byte[] chunk;
			while ((chunk = this.chunks.poll()) != null) {
				this.stdout.writeBytes(chunk);
			}
		}
		return new FastCgiResponse(this.requestId, this.stdout.toByteArray(), this.stderr.toByteArray(),
				this.end.appStatus(), this.end.protocolStatus(), this.records);
	}

	/** Stderr bytes received so far. */
	byte[] stderrSoFar() {
		return this.stderr.toByteArray();
	}

	/** A short account of what arrived, for error messages. */
	String progress() {
		return this.records.size() + " records, " + (this.stdout.size() + this.chunks.stream().mapToInt((c) -> c.length).sum())
				+ " stdout bytes" + (this.stdoutEnded ? " (stdout ended)" : "") + " so far";
	}

	private FastCgiClientException violation(String what) {
		return new FastCgiClientException("Protocol violation by the server: request " + this.requestId + " received "
				+ what);
	}

	static String describe(int type) {
		RecordType known = RecordType.fromCode(type);
		return (known != null) ? known.name() + " (" + type + ")" : "unknown type " + type;
	}

}
