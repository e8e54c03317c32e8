package dev.fastcgi.bench.soak;

/**
 * Thrown on purpose by {@code GET /soak/fail}: the soak script tells these log entries from unexpected ones by this
 * class name.
 */
public class SoakFailureException extends RuntimeException {

	/**
	 * Create a new instance.
	 * @param message the detail message
	 */
	public SoakFailureException(String message) {
		super(message);
	}

}
