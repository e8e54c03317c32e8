package org.springframework.boot.tomcat.autoconfigure.servlet;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SearchStrategy;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;
import org.springframework.context.annotation.Bean;

import static org.mockito.Mockito.mock;

/**
 * Test stand-in with the name of Boot's Tomcat auto-configuration (Tomcat is not on the test classpath): it
 * contributes a factory the way the real one does, so that tests can check which one wins.
 */
@AutoConfiguration
public final class TomcatServletWebServerAutoConfiguration {

	/** Marker type of the stand-in factory. */
	public interface TomcatLikeFactory extends ServletWebServerFactory {

	}

	@Bean
	@ConditionalOnMissingBean(value = ServletWebServerFactory.class, search = SearchStrategy.CURRENT)
	TomcatLikeFactory tomcatServletWebServerFactory() {
		return mock(TomcatLikeFactory.class);
	}

}
