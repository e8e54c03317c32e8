package dev.fastcgi.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.fastcgi.boot.InvalidFastCgiPropertyException;

/**
 * Explains an {@link InvalidFastCgiPropertyException}: which {@code fastcgi.*} property, which value, why, and
 * what to set instead.
 */
class InvalidFastCgiPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidFastCgiPropertyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidFastCgiPropertyException cause) {
		String description = "Invalid FastCGI server configuration:\n\n" + "    Property: " + cause.getProperty()
				+ "\n    Value: \"" + cause.getValue() + "\"\n    Reason: " + cause.getReason();
		String action = (cause.getAction() != null) ? cause.getAction()
				: "Update " + cause.getProperty() + " in your application's configuration.";
		return new FailureAnalysis(description, action, cause);
	}

}
