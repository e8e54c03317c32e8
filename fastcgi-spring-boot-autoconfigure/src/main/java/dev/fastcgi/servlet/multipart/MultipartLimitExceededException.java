package dev.fastcgi.servlet.multipart;

/**
 * A multipart request over one of its limits (per-part size, request size, part count), detected while reading. It
 * is an {@link IllegalStateException} as the Servlet specification asks of {@code getParts()}; its message contains
 * "exceeds" and "size" (or "count"), which Spring's {@code StandardMultipartHttpServletRequest} turns into
 * {@code MaxUploadSizeExceededException} (413).
 */
public class MultipartLimitExceededException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final long limit;

	private final String property;

	/**
	 * Create an exception.
	 * @param message the message, naming the limit and its property
	 * @param limit the configured limit
	 * @param property the configuration property of the limit
	 */
	public MultipartLimitExceededException(String message, long limit, String property) {
		super(message);
		this.limit = limit;
		this.property = property;
	}

	/**
	 * Return the limit that was exceeded.
	 * @return the configured limit (bytes or parts)
	 */
	public long getLimit() {
		return this.limit;
	}

	/**
	 * Return the name of the property configuring the limit, such as
	 * {@code spring.servlet.multipart.max-file-size}.
	 * @return the property name
	 */
	public String getProperty() {
		return this.property;
	}

}
