package dev.fastcgi.boot.autoconfigure.actuate;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextFactory;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

import dev.fastcgi.boot.FastCgiServletWebServerFactory;
import dev.fastcgi.boot.autoconfigure.FastCgiManagementServerConfiguration;
import dev.fastcgi.boot.autoconfigure.FastCgiServletWebServerAutoConfiguration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of actuator's management server on its own port
 * ({@code management.server.port}) over FastCGI too, as Boot's Tomcat and Jetty modules do for theirs.
 */
@AutoConfiguration(after = FastCgiServletWebServerAutoConfiguration.class)
@ConditionalOnClass(ManagementContextFactory.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
@ConditionalOnBean(FastCgiServletWebServerFactory.class)
public final class FastCgiServletManagementContextAutoConfiguration {

	@Bean
	@Primary
	static ManagementContextFactory fastCgiManagementContextFactory() {
		return new ManagementContextFactory(WebApplicationType.SERVLET, ServletWebServerFactory.class,
				FastCgiServletWebServerAutoConfiguration.class,
				FastCgiManagementServerConfiguration.class);
	}

}
