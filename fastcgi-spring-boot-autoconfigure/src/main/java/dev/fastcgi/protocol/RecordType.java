package dev.fastcgi.protocol;

/**
 * FastCGI 1.0 record types (specification section 8).
 *
 * <pre>
 * #define FCGI_BEGIN_REQUEST       1
 * #define FCGI_ABORT_REQUEST       2
 * #define FCGI_END_REQUEST         3
 * #define FCGI_PARAMS              4
 * #define FCGI_STDIN               5
 * #define FCGI_STDOUT              6
 * #define FCGI_STDERR              7
 * #define FCGI_DATA                8
 * #define FCGI_GET_VALUES          9
 * #define FCGI_GET_VALUES_RESULT  10
 * #define FCGI_UNKNOWN_TYPE       11
 * </pre>
 */
public enum RecordType {

	BEGIN_REQUEST(1), ABORT_REQUEST(2), END_REQUEST(3), PARAMS(4), STDIN(5), STDOUT(6), STDERR(7), DATA(8),
	GET_VALUES(9), GET_VALUES_RESULT(10), UNKNOWN_TYPE(11);

	private static final RecordType[] BY_CODE = new RecordType[12];

	static {
		for (RecordType type : values()) {
			BY_CODE[type.code] = type;
		}
	}

	private final int code;

	RecordType(int code) {
		this.code = code;
	}

	/** The type byte on the wire. */
	public int code() {
		return this.code;
	}

	/**
	 * The type for a wire code, or {@code null} when the code is not a FastCGI 1.0 type. Deciding what an unknown
	 * type means (FCGI_UNKNOWN_TYPE, ignore, close) is the caller's policy, not the codec's.
	 */
	public static RecordType fromCode(int code) {
		return (code > 0 && code < BY_CODE.length) ? BY_CODE[code] : null;
	}

	/** Whether this type is a management record type (sent with request id 0). */
	public boolean isManagement() {
		return this == GET_VALUES || this == GET_VALUES_RESULT || this == UNKNOWN_TYPE;
	}

}
