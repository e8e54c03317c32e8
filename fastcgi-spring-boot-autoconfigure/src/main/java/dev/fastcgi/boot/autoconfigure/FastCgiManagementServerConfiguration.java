package dev.fastcgi.boot.autoconfigure;

import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.fastcgi.boot.FastCgiServletWebServerFactory;

/**
 * Configuration of the FastCGI server in actuator's management child context ({@code management.server.port}
 * different from the application's), registered there by
 * {@code FastCgiServletManagementContextAutoConfiguration}, never in the application context: the application's
 * {@code fastcgi.*} limits and forwarded-headers handling ({@code server.forward-headers-strategy=native},
 * {@code fastcgi.forwarded.trusted-proxies}, as Tomcat's RemoteIpValve also guards its management server), but
 * never its {@code fastcgi.bind-address} or inherited socket, so that the management server listens where
 * {@code management.server.address} and {@code management.server.port} say.
 * Deliberately not a {@code @Configuration} class, so that no component scan picks it up.
 */
public final class FastCgiManagementServerConfiguration {

	@Bean
	WebServerFactoryCustomizer<FastCgiServletWebServerFactory> fastCgiManagementServerCustomizer(
			ApplicationContext context) {
		ApplicationContext parent = (context.getParent() != null) ? context.getParent() : context;
		FastCgiProperties properties = parent.getBean(FastCgiProperties.class);
		FastCgiPropertiesCustomizer propertiesCustomizer = new FastCgiPropertiesCustomizer(properties,
				parent.getEnvironment());
		ServerProperties serverProperties = parent.getBeanProvider(ServerProperties.class).getIfAvailable();
		boolean useForwardHeaders = serverProperties != null
				&& FastCgiServletWebServerAutoConfiguration.useForwardHeaders(serverProperties, parent.getEnvironment());
		return (factory) -> {
			factory.setBindAddress(null);
			factory.setUseInheritedListenSocket(false);
			factory.setUseForwardHeaders(useForwardHeaders);
			factory.setTrustedProxies(properties.getForwarded().getTrustedProxies());
			factory.addServerCustomizers(propertiesCustomizer);
		};
	}

}
