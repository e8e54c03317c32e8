package dev.fastcgi.boot;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a {@code fastcgi.*} setting has a value the server cannot use. Carries the property name, the
 * offending value and the reason, so that the failure analyzer can tell the user what to change.
 */
public class InvalidFastCgiPropertyException extends RuntimeException {

	private static final Pattern ENGINE_MESSAGE = Pattern.compile("^(fastcgi\\.[a-z0-9.-]+) is (.*?); it must be (.*)$");

	private static final Pattern ENGINE_PROPERTY = Pattern.compile("^(fastcgi\\.[a-z0-9.-]+)\\b[^']*(?:'([^']*)')?.*$");

	private final String property;

	private final @Nullable Object value;

	private final String reason;

	private final @Nullable String action;

	/**
	 * Create a new instance.
	 * @param property the property name, e.g. {@code fastcgi.max-write}
	 * @param value the invalid value
	 * @param reason why the value is invalid
	 * @param action how to fix it, or {@code null} for a generic hint
	 */
	public InvalidFastCgiPropertyException(String property, @Nullable Object value, String reason,
			@Nullable String action) {
		this(property, value, reason, action, null);
	}

	/**
	 * Create a new instance with a cause.
	 * @param property the property name, e.g. {@code fastcgi.max-write}
	 * @param value the invalid value
	 * @param reason why the value is invalid
	 * @param action how to fix it, or {@code null} for a generic hint
	 * @param cause the underlying failure
	 */
	public InvalidFastCgiPropertyException(String property, @Nullable Object value, String reason,
			@Nullable String action, @Nullable Throwable cause) {
		super("Invalid value '" + value + "' for " + property + ": " + reason, cause);
		this.property = property;
		this.value = value;
		this.reason = reason;
		this.action = action;
	}

	/**
	 * Turn the engine's validation failure ({@code "fastcgi.max-write is 70000; it must be 8..65535"}, or any
	 * message starting with a {@code fastcgi.*} property name and quoting the bad value) into an instance naming the
	 * property, or return {@code null} when the message does not start with a {@code fastcgi.*} property.
	 * @param ex the engine's exception
	 * @return the translated exception or {@code null}
	 */
	public static @Nullable InvalidFastCgiPropertyException fromEngine(IllegalArgumentException ex) {
		String message = ex.getMessage();
		if (message == null) {
			return null;
		}
		Matcher matcher = ENGINE_MESSAGE.matcher(message);
		if (!matcher.matches()) {
			Matcher named = ENGINE_PROPERTY.matcher(message);
			if (!named.matches()) {
				return null;
			}
			return new InvalidFastCgiPropertyException(named.group(1), named.group(2), message, null, ex);
		}
		String property = matcher.group(1);
		String range = matcher.group(3);
		return new InvalidFastCgiPropertyException(property, matcher.group(2), "it must be " + range,
				"Set " + property + " to a value in " + range + ".", ex);
	}

	/**
	 * The property name.
	 * @return the property, e.g. {@code fastcgi.max-write}
	 */
	public String getProperty() {
		return this.property;
	}

	/**
	 * The rejected value.
	 * @return the value
	 */
	public @Nullable Object getValue() {
		return this.value;
	}

	/**
	 * Why the value was rejected.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * How to fix the value, if known.
	 * @return the suggested action or {@code null}
	 */
	public @Nullable String getAction() {
		return this.action;
	}

}
