package dev.fastcgi.boot.autoconfigure.actuate;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextFactory;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

import dev.fastcgi.boot.FastCgiServletWebServerFactory;
import dev.fastcgi.boot.actuate.FastCgiEndpoint;
import dev.fastcgi.boot.actuate.FastCgiHealthIndicator;
import dev.fastcgi.boot.autoconfigure.FastCgiServletWebServerAutoConfiguration;
import dev.fastcgi.server.BindAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link FastCgiHealthContributorAutoConfiguration} and {@link FastCgiEndpointAutoConfiguration}.
 */
class FastCgiActuatorAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FastCgiServletWebServerAutoConfiguration.class,
				FastCgiHealthContributorAutoConfiguration.class, FastCgiEndpointAutoConfiguration.class,
				FastCgiServletManagementContextAutoConfiguration.class));

	@Test
	void registersHealthIndicatorNamedFastcgi() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(FastCgiHealthIndicator.class)
			.hasBean("fastcgiHealthIndicator"));
	}

	@Test
	void healthIndicatorCanBeDisabled() {
		this.contextRunner.withPropertyValues("management.health.fastcgi.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiHealthIndicator.class));
	}

	@Test
	void healthIndicatorFollowsDefaultsEnabled() {
		this.contextRunner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiHealthIndicator.class));
	}

	@Test
	void healthIndicatorBacksOffWithoutHealthModule() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiHealthIndicator.class));
	}

	@Test
	void healthIndicatorBacksOffForUserBean() {
		this.contextRunner
			.withBean("fastcgiHealthIndicator", HealthIndicator.class,
					() -> () -> org.springframework.boot.health.contributor.Health.up().build())
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiHealthIndicator.class)
				.hasBean("fastcgiHealthIndicator"));
	}

	@Test
	void actuatorBeansBackOffWhenFastCgiIsDisabled() {
		this.contextRunner
			.withPropertyValues("fastcgi.enabled=false", "management.endpoints.web.exposure.include=fastcgi")
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiHealthIndicator.class)
				.doesNotHaveBean(FastCgiEndpoint.class));
	}

	@Test
	void endpointIsAvailableWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=fastcgi")
			.run((context) -> assertThat(context).hasSingleBean(FastCgiEndpoint.class));
	}

	@Test
	void endpointIsNotCreatedWhenNotExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(FastCgiEndpoint.class));
	}

	@Test
	void managementContextFactoryOnlyForDifferentManagementPort() {
		this.contextRunner
			.run((context) -> assertThat(context).doesNotHaveBean(ManagementContextFactory.class));
		this.contextRunner.withPropertyValues("management.server.port=0")
			.run((context) -> assertThat(context).hasSingleBean(ManagementContextFactory.class));
	}

	@Test
	@SuppressWarnings("unchecked")
	void managementServerSettingsDoNotLeakIntoTheApplicationsServer() {
		this.contextRunner.withPropertyValues("management.server.port=0", "fastcgi.bind-address=127.0.0.1:9123")
			.run((context) -> {
				FastCgiServletWebServerFactory factory = context.getBean(FastCgiServletWebServerFactory.class);
				context.getBeansOfType(WebServerFactoryCustomizer.class)
					.values()
					.forEach((customizer) -> customizer.customize(factory));
				assertThat(factory.resolveBindAddress()).isEqualTo(new BindAddress.Tcp("127.0.0.1", 9123));
			});
	}

	@Test
	void managementContextFactoryBacksOffWhenFastCgiIsDisabled() {
		this.contextRunner.withPropertyValues("management.server.port=0", "fastcgi.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ManagementContextFactory.class));
	}

	@Test
	void endpointBacksOffWithoutActuator() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=fastcgi")
			.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiEndpoint.class));
	}

}
