package dev.fastcgi.boot.autoconfigure;

import java.net.BindException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.context.ApplicationContextException;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import dev.fastcgi.boot.FastCgiBindException;
import dev.fastcgi.boot.FastCgiPortInUseException;
import dev.fastcgi.boot.InvalidFastCgiPropertyException;
import dev.fastcgi.server.BindAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the FastCGI failure analyzers and their registration.
 */
class FastCgiFailureAnalyzersTests {

	@Test
	void portInUseNamesTheAddressAndTheProperties() {
		FastCgiPortInUseException ex = new FastCgiPortInUseException(new BindAddress.Tcp("127.0.0.1", 9000),
				new BindException("Address already in use"));
		FailureAnalysis analysis = new FastCgiPortInUseFailureAnalyzer()
			.analyze(new ApplicationContextException("Unable to start web server", ex));
		assertThat(analysis.getDescription()).isEqualTo(
				"FastCGI server failed to start. Address 127.0.0.1:9000 is already in use.");
		assertThat(analysis.getAction()).contains("port 9000", "PHP-FPM", "fastcgi.bind-address", "server.port");
	}

	@Test
	void unixSocketBindFailureNamesThePathAndTheFix() {
		FastCgiBindException ex = new FastCgiBindException(new BindAddress.Unix(Path.of("/run/app/fcgi.sock")),
				new BindException("Address already in use"));
		FailureAnalysis analysis = new FastCgiBindFailureAnalyzer().analyze(ex);
		assertThat(analysis.getDescription()).contains("unix:/run/app/fcgi.sock", "Address already in use");
		assertThat(analysis.getAction()).contains("/run/app/fcgi.sock", "fastcgi.bind-address");
	}

	@Test
	void inheritedSocketBindFailureExplainsFdZero() {
		FastCgiBindException ex = new FastCgiBindException(new BindAddress.Inherited(),
				new java.io.IOException("fd 0 is not a listening socket"));
		FailureAnalysis analysis = new FastCgiBindFailureAnalyzer().analyze(ex);
		assertThat(analysis.getDescription()).contains("fd:0");
		assertThat(analysis.getAction()).contains("spawn-fcgi", "fastcgi.bind-address");
	}

	@Test
	void invalidPropertyIsFoundInsideBeanCreationFailure() {
		InvalidFastCgiPropertyException ex = new InvalidFastCgiPropertyException("fastcgi.bind-address", "x:y",
				"'x:y' has no valid port", null);
		FailureAnalysis analysis = new InvalidFastCgiPropertyFailureAnalyzer()
			.analyze(new BeanCreationException("fastCgiServletWebServerFactory", "failed", ex));
		assertThat(analysis.getDescription()).contains("Property: fastcgi.bind-address", "Value: \"x:y\"",
				"Reason: 'x:y' has no valid port");
		assertThat(analysis.getAction()).isEqualTo("Update fastcgi.bind-address in your application's configuration.");
	}

	@Test
	void engineMessageNamingAPropertyIsTranslated() {
		InvalidFastCgiPropertyException ex = InvalidFastCgiPropertyException.fromEngine(new IllegalArgumentException(
				"fastcgi.allowed-addresses (or FCGI_WEB_SERVER_ADDRS) entry 'web1' is not an IPv4 or IPv6 address literal"));
		assertThat(ex).isNotNull();
		assertThat(ex.getProperty()).isEqualTo("fastcgi.allowed-addresses");
		assertThat(ex.getValue()).isEqualTo("web1");
		assertThat(new InvalidFastCgiPropertyFailureAnalyzer().analyze(ex).getDescription())
			.contains("Property: fastcgi.allowed-addresses", "Value: \"web1\"", "not an IPv4 or IPv6 address literal");
	}

	@Test
	void engineMessagesWithoutPropertyAreNotTranslated() {
		assertThat(InvalidFastCgiPropertyException.fromEngine(new IllegalArgumentException("something else"))).isNull();
	}

	@Test
	void analyzersAreRegisteredAndPortInUseRunsBeforeBoots() {
		ArgumentResolver arguments = ArgumentResolver.of(BeanFactory.class, new DefaultListableBeanFactory())
			.and(Environment.class, new StandardEnvironment());
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			.load(FailureAnalyzer.class, arguments, FailureHandler.handleMessage((message, failure) -> {
			}));
		List<String> types = analyzers.stream().map((analyzer) -> analyzer.getClass().getName()).toList();
		assertThat(types).contains(FastCgiBindFailureAnalyzer.class.getName(),
				InvalidFastCgiPropertyFailureAnalyzer.class.getName());
		assertThat(types.indexOf(FastCgiPortInUseFailureAnalyzer.class.getName())).isNotNegative()
			.isLessThan(types.indexOf("org.springframework.boot.web.server.PortInUseFailureAnalyzer"));
	}

}
