package dev.fastcgi.boot.autoconfigure;

import jakarta.servlet.ServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.autoconfigure.condition.SearchStrategy;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.boot.web.server.autoconfigure.ServerProperties.ForwardHeadersStrategy;
import org.springframework.boot.web.server.autoconfigure.servlet.ServletWebServerConfiguration;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import dev.fastcgi.boot.FastCgiServerCustomizer;
import dev.fastcgi.boot.InvalidFastCgiPropertyException;
import dev.fastcgi.boot.FastCgiServletWebServerFactory;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerListener;
import dev.fastcgi.servlet.FastCgiAuthorizer;
import dev.fastcgi.servlet.FastCgiAuthorizerServlet;
import dev.fastcgi.servlet.FastCgiServletContainer;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the FastCGI servlet web server. Ordered before Boot's
 * Tomcat and Jetty auto-configurations so that the FastCGI factory wins when they are on the classpath too; backs
 * off when the application defines its own {@link ServletWebServerFactory} or sets {@code fastcgi.enabled=false}.
 */
@AutoConfiguration(beforeName = {
		"org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration",
		"org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration" })
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ ServletRequest.class, FastCgiServer.class, FastCgiServletContainer.class })
@ConditionalOnBooleanProperty(name = "fastcgi.enabled", matchIfMissing = true)
@EnableConfigurationProperties(FastCgiProperties.class)
@Import(ServletWebServerConfiguration.class)
public final class FastCgiServletWebServerAutoConfiguration {

	/** Where a {@link FastCgiAuthorizer} bean is served when {@code fastcgi.authorizer-path} is not set. */
	static final String DEFAULT_AUTHORIZER_PATH = "/fastcgi/authorize";

	@Bean
	@ConditionalOnMissingBean(value = ServletWebServerFactory.class, search = SearchStrategy.CURRENT)
	FastCgiServletWebServerFactory fastCgiServletWebServerFactory(FastCgiProperties properties,
			ServerProperties serverProperties, Environment environment,
			ObjectProvider<FastCgiServerCustomizer> serverCustomizers,
			ObjectProvider<ServerListener> serverListeners, ObjectProvider<FastCgiAuthorizer> authorizers) {
		FastCgiPropertiesCustomizer propertiesCustomizer = new FastCgiPropertiesCustomizer(properties, environment);
		FastCgiServletWebServerFactory factory = new FastCgiServletWebServerFactory();
		factory.setBindAddress(propertiesCustomizer.bindAddress());
		try {
			factory.setAuthorizerPath(authorizerPath(properties, authorizers));
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidFastCgiPropertyException("fastcgi.authorizer-path", properties.getAuthorizerPath(),
					ex.getMessage(), "Set fastcgi.authorizer-path to a path such as /fastcgi/authorize, or remove it.");
		}
		factory.setUseForwardHeaders(useForwardHeaders(serverProperties, environment));
		try {
			factory.setTrustedProxies(properties.getForwarded().getTrustedProxies());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidFastCgiPropertyException("fastcgi.forwarded.trusted-proxies",
					properties.getForwarded().getTrustedProxies(), ex.getMessage(),
					"List IP addresses (10.1.2.3, ::1) or CIDR blocks (10.0.0.0/8, fc00::/7) only; host names are"
							+ " not resolved.");
		}
		factory.addServerCustomizers(propertiesCustomizer);
		serverCustomizers.orderedStream().forEach(factory::addServerCustomizers);
		serverListeners.orderedStream().forEach(factory::addServerListeners);
		return factory;
	}

	/**
	 * Serves a {@link FastCgiAuthorizer} bean at {@code fastcgi.authorizer-path} (default
	 * {@value #DEFAULT_AUTHORIZER_PATH}).
	 */
	@Bean
	@ConditionalOnBean(FastCgiAuthorizer.class)
	ServletRegistrationBean<FastCgiAuthorizerServlet> fastCgiAuthorizerServlet(FastCgiAuthorizer authorizer,
			FastCgiProperties properties, ObjectProvider<FastCgiAuthorizer> authorizers) {
		ServletRegistrationBean<FastCgiAuthorizerServlet> registration = new ServletRegistrationBean<>(
				new FastCgiAuthorizerServlet(authorizer), authorizerPath(properties, authorizers));
		registration.setName("fastCgiAuthorizerServlet");
		return registration;
	}

	/**
	 * Whether the container applies forwarded headers itself: {@code server.forward-headers-strategy=native}, or no
	 * strategy on a cloud platform that uses forwarded headers, the rule Boot's Tomcat and Jetty customizers follow.
	 * ({@code framework} is Boot's {@code ForwardedHeaderFilter}; {@code none} ignores the headers.)
	 * @param serverProperties the server properties
	 * @param environment the environment, to detect the cloud platform
	 * @return whether to apply forwarded headers natively
	 */
	static boolean useForwardHeaders(ServerProperties serverProperties, Environment environment) {
		ForwardHeadersStrategy strategy = serverProperties.getForwardHeadersStrategy();
		if (strategy == null) {
			CloudPlatform platform = CloudPlatform.getActive(environment);
			return platform != null && platform.isUsingForwardHeaders();
		}
		return strategy == ForwardHeadersStrategy.NATIVE;
	}

	private static @Nullable String authorizerPath(FastCgiProperties properties,
			ObjectProvider<FastCgiAuthorizer> authorizers) {
		String path = properties.getAuthorizerPath();
		if (path == null && authorizers.getIfUnique() != null) {
			return DEFAULT_AUTHORIZER_PATH;
		}
		return path;
	}

}
