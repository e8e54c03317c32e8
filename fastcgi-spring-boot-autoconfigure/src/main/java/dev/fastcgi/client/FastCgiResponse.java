package dev.fastcgi.client;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.fastcgi.protocol.ProtocolStatus;
import dev.fastcgi.protocol.RecordHeader;
import dev.fastcgi.protocol.RecordType;

/**
 * What the application answered to one request: the raw FCGI_STDOUT and FCGI_STDERR streams, the FCGI_END_REQUEST
 * statuses, the headers of every record received, and the CGI response parsed from stdout (status, headers, body).
 * Immutable.
 */
public final class FastCgiResponse {

	private final int requestId;

	private final byte[] stdout;

	private final byte[] stderr;

	private final int appStatus;

	private final int protocolStatus;

	private final List<RecordHeader> records;

	private CgiHead head;

	FastCgiResponse(int requestId, byte[] stdout, byte[] stderr, int appStatus, int protocolStatus,
			List<RecordHeader> records) {
		this.requestId = requestId;
		this.stdout = stdout;
		this.stderr = stderr;
		this.appStatus = appStatus;
		this.protocolStatus = protocolStatus;
		this.records = List.copyOf(records);
	}

	/** The request id the response was for. */
	public int requestId() {
		return this.requestId;
	}

	/** All FCGI_STDOUT bytes (CGI headers and body). */
	public byte[] stdout() {
		return this.stdout.clone();
	}

	/** All FCGI_STDOUT bytes as ISO-8859-1 text (one char per byte). */
	public String stdoutAsString() {
		return new String(this.stdout, StandardCharsets.ISO_8859_1);
	}

	/** All FCGI_STDERR bytes. */
	public byte[] stderrBytes() {
		return this.stderr.clone();
	}

	/** FCGI_STDERR as UTF-8 text ("" if none). */
	public String stderr() {
		return new String(this.stderr, StandardCharsets.UTF_8);
	}

	/** The appStatus of FCGI_END_REQUEST. */
	public int appStatus() {
		return this.appStatus;
	}

	/** The protocolStatus of FCGI_END_REQUEST, or null if the code is not one FastCGI 1.0 defines. */
	public ProtocolStatus protocolStatus() {
		return ProtocolStatus.fromCode(this.protocolStatus);
	}

	/** The protocolStatus byte of FCGI_END_REQUEST. */
	public int protocolStatusCode() {
		return this.protocolStatus;
	}

	/** The header of every record received for this request, in order (END_REQUEST last). */
	public List<RecordHeader> records() {
		return this.records;
	}

	/** How many records of {@code type} were received, end-of-stream records included. */
	public long recordCount(RecordType type) {
		return this.records.stream().filter((header) -> header.type() == type.code()).count();
	}

	/**
	 * The CGI header block of stdout.
	 * @throws IllegalStateException if stdout has no complete header block or a malformed one
	 */
	public CgiHead head() {
		if (this.head == null) {
			CgiHead parsed;
			try {
				parsed = CgiHead.parse(this.stdout);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalStateException(ex.getMessage() + describe(), ex);
			}
			if (parsed == null) {
				throw new IllegalStateException("stdout has no CGI header block ending in a blank line" + describe());
			}
			this.head = parsed;
		}
		return this.head;
	}

	/** The HTTP status from the CGI {@code Status:} header (200 if absent). */
	public int status() {
		return head().status();
	}

	/** The reason phrase of the {@code Status:} header. */
	public String reason() {
		return head().reason();
	}

	/** The CGI response headers. */
	public CgiHeaders headers() {
		return head().headers();
	}

	/** The first value of a response header, or null. */
	public String header(String name) {
		return headers().get(name);
	}

	/** The body: stdout after the header block. */
	public byte[] body() {
		return Arrays.copyOfRange(this.stdout, head().length(), this.stdout.length);
	}

	/** The body decoded with the Content-Type charset (UTF-8 if none). */
	public String bodyAsString() {
		return new String(this.stdout, head().length(), this.stdout.length - head().length(), charset());
	}

	private Charset charset() {
		String contentType = header("Content-Type");
		if (contentType != null) {
			for (String part : contentType.split(";")) {
				String trimmed = part.trim();
				if (trimmed.toLowerCase(Locale.ROOT).startsWith("charset=")) {
					try {
						return Charset.forName(trimmed.substring(8).replace("\"", "").trim());
					}
					catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
						break;
					}
				}
			}
		}
		return StandardCharsets.UTF_8;
	}

	private String describe() {
		int shown = Math.min(this.stdout.length, 200);
		return " (request " + this.requestId + ", " + this.stdout.length + " stdout bytes, starting '"
				+ new String(this.stdout, 0, shown, StandardCharsets.ISO_8859_1) + "')";
	}

	@Override
	public String toString() {
		return "FastCgiResponse[requestId=" + this.requestId + ", stdout=" + this.stdout.length + " bytes, stderr="
				+ this.stderr.length + " bytes, appStatus=" + this.appStatus + ", protocolStatus=" + this.protocolStatus
				+ ", records=" + this.records.size() + "]";
	}

}
