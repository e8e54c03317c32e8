package dev.fastcgi.boot.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.fastcgi.boot.metrics.FastCgiMetricsBinder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link FastCgiMetricsAutoConfiguration}.
 */
class FastCgiMetricsAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FastCgiMetricsAutoConfiguration.class));

	@Test
	void bindsMetricsWhenMeterRegistryExists() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(FastCgiMetricsBinder.class));
	}

	@Test
	void backsOffWithoutMeterRegistry() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(FastCgiMetricsBinder.class));
	}

	@Test
	void backsOffWithoutMicrometer() {
		this.contextRunner.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiMetricsBinder.class));
	}

	@Test
	void backsOffForUserBinder() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withBean("customBinder", FastCgiMetricsBinder.class,
					() -> new FastCgiMetricsBinder(new SimpleMeterRegistry()))
			.run((context) -> assertThat(context).hasSingleBean(FastCgiMetricsBinder.class).hasBean("customBinder"));
	}

}
