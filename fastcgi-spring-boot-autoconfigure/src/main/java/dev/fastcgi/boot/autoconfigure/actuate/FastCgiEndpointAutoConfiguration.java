package dev.fastcgi.boot.autoconfigure.actuate;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.fastcgi.boot.FastCgiServletWebServerFactory;
import dev.fastcgi.boot.FastCgiWebServer;
import dev.fastcgi.boot.actuate.FastCgiEndpoint;
import dev.fastcgi.boot.autoconfigure.FastCgiServletWebServerAutoConfiguration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the read-only {@code fastcgi} actuator endpoint.
 */
@AutoConfiguration(after = FastCgiServletWebServerAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(FastCgiServletWebServerFactory.class)
@ConditionalOnAvailableEndpoint(FastCgiEndpoint.class)
public final class FastCgiEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	FastCgiEndpoint fastCgiEndpoint(ApplicationContext context) {
		return new FastCgiEndpoint(() -> FastCgiWebServer.from(context));
	}

}
