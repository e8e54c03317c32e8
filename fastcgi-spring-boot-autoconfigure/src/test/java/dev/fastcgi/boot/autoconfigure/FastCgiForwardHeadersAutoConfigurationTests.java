package dev.fastcgi.boot.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.support.GenericApplicationContext;

import dev.fastcgi.boot.FastCgiServletWebServerFactory;
import dev.fastcgi.boot.InvalidFastCgiPropertyException;
import dev.fastcgi.servlet.ForwardedHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests how {@code server.forward-headers-strategy} reaches the FastCGI factory, one condition per test, mirroring
 * Boot's Tomcat and Jetty customizers: {@code native}, or no strategy on a cloud platform that uses forwarded
 * headers, makes the container apply them; {@code framework} leaves it to Boot's {@code ForwardedHeaderFilter};
 * {@code none} and no strategy off a cloud platform ignore them.
 */
class FastCgiForwardHeadersAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FastCgiServletWebServerAutoConfiguration.class));

	@Test
	void unsetStrategyOffACloudPlatformIgnoresForwardedHeaders() {
		this.contextRunner.run((context) -> {
			FastCgiServletWebServerFactory factory = context.getBean(FastCgiServletWebServerFactory.class);
			assertThat(factory.isUseForwardHeaders()).isFalse();
			assertThat(factory.getTrustedProxies()).isEqualTo(ForwardedHeaders.DEFAULT_TRUSTED_PROXIES);
			assertThat(context).doesNotHaveBean("forwardedHeaderFilter");
		});
	}

	@Test
	void noneIgnoresForwardedHeaders() {
		this.contextRunner.withPropertyValues("server.forward-headers-strategy=none")
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).isUseForwardHeaders())
				.isFalse());
	}

	@Test
	void nativeAppliesForwardedHeadersInTheContainer() {
		this.contextRunner.withPropertyValues("server.forward-headers-strategy=native").run((context) -> {
			assertThat(context.getBean(FastCgiServletWebServerFactory.class).isUseForwardHeaders()).isTrue();
			assertThat(context).doesNotHaveBean("forwardedHeaderFilter");
		});
	}

	@Test
	void frameworkLeavesForwardedHeadersToTheFilter() {
		this.contextRunner.withPropertyValues("server.forward-headers-strategy=framework").run((context) -> {
			assertThat(context.getBean(FastCgiServletWebServerFactory.class).isUseForwardHeaders()).isFalse();
			assertThat(context).hasBean("forwardedHeaderFilter");
			assertThat(context.getBean("forwardedHeaderFilter")).isInstanceOf(FilterRegistrationBean.class);
		});
	}

	@Test
	void unsetStrategyOnACloudPlatformAppliesForwardedHeaders() {
		this.contextRunner.withPropertyValues("spring.main.cloud-platform=kubernetes")
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).isUseForwardHeaders())
				.isTrue());
	}

	@Test
	void explicitNoneWinsOnACloudPlatform() {
		this.contextRunner
			.withPropertyValues("spring.main.cloud-platform=kubernetes", "server.forward-headers-strategy=none")
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).isUseForwardHeaders())
				.isFalse());
	}

	@Test
	void cloudPlatformNoneIgnoresForwardedHeaders() {
		this.contextRunner.withPropertyValues("spring.main.cloud-platform=none")
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).isUseForwardHeaders())
				.isFalse());
	}

	@Test
	void trustedProxiesAreBound() {
		this.contextRunner
			.withPropertyValues("server.forward-headers-strategy=native",
					"fastcgi.forwarded.trusted-proxies=203.0.113.0/24, 2001:db8::1")
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).getTrustedProxies())
				.containsExactly("203.0.113.0/24", "2001:db8::1"));
	}

	@Test
	void managementServerAppliesForwardedHeadersLikeTheApplicationServer() {
		this.contextRunner
			.withPropertyValues("server.forward-headers-strategy=native",
					"fastcgi.forwarded.trusted-proxies=192.0.2.1")
			.run((context) -> {
				try (GenericApplicationContext child = new GenericApplicationContext(context)) {
					child.refresh();
					FastCgiManagementServerConfiguration configuration = new FastCgiManagementServerConfiguration();
					WebServerFactoryCustomizer<FastCgiServletWebServerFactory> customizer = configuration
						.fastCgiManagementServerCustomizer(child);
					FastCgiServletWebServerFactory managementFactory = new FastCgiServletWebServerFactory();
					customizer.customize(managementFactory);
					assertThat(managementFactory.isUseForwardHeaders()).isTrue();
					assertThat(managementFactory.getTrustedProxies()).containsExactly("192.0.2.1");
				}
			});
	}

	@Test
	void invalidTrustedProxyFailsStartupNamingTheProperty() {
		this.contextRunner
			.withPropertyValues("server.forward-headers-strategy=native",
					"fastcgi.forwarded.trusted-proxies=10.0.0.0/8,proxy.internal")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidFastCgiPropertyException.class)
					.hasMessageContaining("fastcgi.forwarded.trusted-proxies")
					.hasMessageContaining("proxy.internal");
			});
	}

}
