package dev.fastcgi.boot;

import dev.fastcgi.server.ServerConfig;

/**
 * Callback to customize the engine's {@link ServerConfig} before the FastCGI server is created. Beans of this type
 * are applied by the auto-configuration in their {@link org.springframework.core.Ordered order}, after the
 * {@code fastcgi.*} properties.
 *
 * @see FastCgiServletWebServerFactory#addServerCustomizers(FastCgiServerCustomizer...)
 */
@FunctionalInterface
public interface FastCgiServerCustomizer {

	/**
	 * Customize the engine configuration.
	 * @param builder the builder, already holding the configured values
	 */
	void customize(ServerConfig.Builder builder);

}
