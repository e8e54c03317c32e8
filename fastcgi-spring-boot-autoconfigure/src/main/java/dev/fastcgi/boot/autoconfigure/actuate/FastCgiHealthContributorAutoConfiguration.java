package dev.fastcgi.boot.autoconfigure.actuate;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.fastcgi.boot.FastCgiServletWebServerFactory;
import dev.fastcgi.boot.FastCgiWebServer;
import dev.fastcgi.boot.actuate.FastCgiHealthIndicator;
import dev.fastcgi.boot.autoconfigure.FastCgiServletWebServerAutoConfiguration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the {@code fastcgi} health indicator
 * ({@code management.health.fastcgi.enabled}).
 */
@AutoConfiguration(after = FastCgiServletWebServerAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(FastCgiServletWebServerFactory.class)
@ConditionalOnEnabledHealthIndicator("fastcgi")
public final class FastCgiHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "fastcgiHealthIndicator")
	FastCgiHealthIndicator fastcgiHealthIndicator(ApplicationContext context) {
		return new FastCgiHealthIndicator(() -> FastCgiWebServer.from(context));
	}

}
