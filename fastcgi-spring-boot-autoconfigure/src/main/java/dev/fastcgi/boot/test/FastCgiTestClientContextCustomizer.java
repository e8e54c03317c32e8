package dev.fastcgi.boot.test;

import java.util.Map;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.util.StringUtils;

import dev.fastcgi.server.BindAddress;

/**
 * Adds the {@link FastCgiTestClient} bean, and in {@code RANDOM_PORT} tests makes a TCP
 * {@code fastcgi.bind-address} listen on a random port too (as {@code server.port=0} does), so that an
 * application whose {@code application.yml} names a fixed FastCGI port can run tests in parallel with itself.
 */
class FastCgiTestClientContextCustomizer implements ContextCustomizer {

	static final String PROPERTY_SOURCE_NAME = "fastcgiTestRandomPort";

	private final WebEnvironment webEnvironment;

	FastCgiTestClientContextCustomizer(WebEnvironment webEnvironment) {
		this.webEnvironment = webEnvironment;
	}

	@Override
	public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
		if (this.webEnvironment == WebEnvironment.RANDOM_PORT) {
			randomizeBindAddressPort(context.getEnvironment());
		}
		if (context.getBeanFactory() instanceof BeanDefinitionRegistry registry
				&& !registry.containsBeanDefinition(FastCgiTestClient.class.getName())
				&& context.getBeanFactory().getBeanNamesForType(FastCgiTestClient.class, false, false).length == 0) {
			RootBeanDefinition definition = new RootBeanDefinition(FastCgiTestClient.class,
					() -> FastCgiTestClient.forApplicationContext(context));
			definition.setLazyInit(true);
			definition.setDestroyMethodName("close");
			registry.registerBeanDefinition(FastCgiTestClient.class.getName(), definition);
		}
	}

	private void randomizeBindAddressPort(ConfigurableEnvironment environment) {
		String value = environment.getProperty("fastcgi.bind-address");
		if (!StringUtils.hasText(value)) {
			return;
		}
		BindAddress bindAddress;
		try {
			bindAddress = BindAddress.parse(value);
		}
		catch (IllegalArgumentException ex) {
			return;
		}
		if (bindAddress instanceof BindAddress.Tcp tcp && tcp.port() != 0) {
			String randomized = new BindAddress.Tcp(tcp.host(), 0).toString().replace("*:", ":");
			environment.getPropertySources()
				.addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of("fastcgi.bind-address", randomized)));
		}
	}

	@Override
	public boolean equals(Object obj) {
		return (obj instanceof FastCgiTestClientContextCustomizer other) && other.webEnvironment == this.webEnvironment;
	}

	@Override
	public int hashCode() {
		return this.webEnvironment.hashCode();
	}

}
