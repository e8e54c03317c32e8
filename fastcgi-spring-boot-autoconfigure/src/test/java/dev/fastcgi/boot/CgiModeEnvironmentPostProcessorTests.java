package dev.fastcgi.boot;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CgiModeEnvironmentPostProcessor} that do not switch to CGI mode (which would claim this JVM's
 * stdout); CGI mode itself is tested with a child process in {@code dev.fastcgi.boot.modes.BootModesTests}.
 */
class CgiModeEnvironmentPostProcessorTests {

	@Test
	void withoutCgiVariablesNothingChanges() {
		MockEnvironment environment = new MockEnvironment();
		new CgiModeEnvironmentPostProcessor(Map.of("PATH", "/usr/bin")).postProcessEnvironment(environment,
				new SpringApplication());
		assertThat(environment.getPropertySources().contains(CgiModeEnvironmentPostProcessor.PROPERTY_SOURCE_NAME))
			.isFalse();
		assertThat(environment.getProperty(CgiModeEnvironmentPostProcessor.CGI_ACTIVE_PROPERTY)).isNull();
	}

	@Test
	void alreadyActiveIsLeftAlone() {
		MockEnvironment environment = new MockEnvironment()
			.withProperty(CgiModeEnvironmentPostProcessor.CGI_ACTIVE_PROPERTY, "false");
		new CgiModeEnvironmentPostProcessor(Map.of("FCGI_FORCE_CGI", "Y")).postProcessEnvironment(environment,
				new SpringApplication());
		assertThat(environment.getPropertySources().contains(CgiModeEnvironmentPostProcessor.PROPERTY_SOURCE_NAME))
			.isFalse();
	}

	@Test
	void scriptNameIsTheContextPathOnlyWhenPathInfoFollowsIt() {
		assertThat(CgiModeEnvironmentPostProcessor.scriptContextPath(
				Map.of("SCRIPT_NAME", "/cgi-bin/app", "PATH_INFO", "/hello", "REQUEST_URI", "/cgi-bin/app/hello?x=1")))
			.isEqualTo("/cgi-bin/app");
		assertThat(CgiModeEnvironmentPostProcessor
			.scriptContextPath(Map.of("SCRIPT_NAME", "/hello", "REQUEST_URI", "/hello?x=1"))).isNull();
		assertThat(CgiModeEnvironmentPostProcessor.scriptContextPath(
				Map.of("SCRIPT_NAME", "/app", "PATH_INFO", "/x", "REQUEST_URI", "/other/x"))).isNull();
		assertThat(CgiModeEnvironmentPostProcessor.scriptContextPath(Map.of("REQUEST_URI", "/x"))).isNull();
		assertThat(CgiModeEnvironmentPostProcessor.scriptContextPath(
				Map.of("SCRIPT_NAME", "/", "PATH_INFO", "/x", "REQUEST_URI", "//x"))).isNull();
	}

}
