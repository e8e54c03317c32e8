package dev.fastcgi.servlet;

/**
 * A request the container refuses (a malformed or over-limit request line, parameters or body), carrying the
 * HTTP status to answer with. Thrown from request methods; the container turns it into that status and the
 * matching error page.
 */
public class BadRequestException extends IllegalStateException {

	private final int status;

	/**
	 * Creates an exception.
	 * @param status the HTTP status (400, 413...)
	 * @param message what was wrong, naming the limit when one was exceeded
	 */
	public BadRequestException(int status, String message) {
		super(message);
		this.status = status;
	}

	/** The HTTP status to answer with. */
	public int getStatus() {
		return this.status;
	}

}
