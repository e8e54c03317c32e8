package dev.fastcgi.boot.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;

import dev.fastcgi.boot.metrics.FastCgiMetrics;
import dev.fastcgi.boot.metrics.FastCgiMetricsBinder;
import dev.fastcgi.server.FastCgiServer;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the FastCGI server's metrics, when Micrometer is present
 * and a {@link MeterRegistry} bean exists.
 */
@AutoConfiguration(
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ MeterRegistry.class, FastCgiServer.class })
@ConditionalOnBean(MeterRegistry.class)
public final class FastCgiMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean({ FastCgiMetrics.class, FastCgiMetricsBinder.class })
	FastCgiMetricsBinder fastCgiMetricsBinder(MeterRegistry meterRegistry) {
		return new FastCgiMetricsBinder(meterRegistry);
	}

}
