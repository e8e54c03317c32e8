package dev.fastcgi.boot.autoconfigure;

import java.io.IOException;
import java.net.InetSocketAddress;

import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.protocol.Role;
import dev.fastcgi.servlet.FastCgiAuthorizer;
import dev.fastcgi.servlet.FastCgiRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link FastCgiAuthorizer} bean served at the authorizer path behind servlet filters, over real FastCGI.
 */
class FastCgiAuthorizerIntegrationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner(
			AnnotationConfigServletWebServerApplicationContext::new)
		.withConfiguration(AutoConfigurations.of(FastCgiServletWebServerAutoConfiguration.class,
				DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class))
		.withBean(FastCgiAuthorizer.class, () -> (request, response) -> {
			FastCgiRequests.setAuthorizerVariable(response, "URI", FastCgiRequests.originalRequestUri(request));
			FastCgiRequests.setAuthorizerVariable(response, "FILTERED", String.valueOf(request.getAttribute("filtered")));
			return "secret".equals(request.getHeader("X-Token"));
		})
		.withBean("markingFilter", Filter.class, () -> (request, response, chain) -> {
			request.setAttribute("filtered", "yes");
			chain.doFilter(request, response);
		})
		.withPropertyValues("server.port=0");

	@Test
	void authorizerBeanDecidesAtTheDefaultPath() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			int port = port(context);
			FastCgiResponse granted = execute(port,
					FastCgiRequest.get("/files/a.txt?x=1").role(Role.AUTHORIZER).header("X-Token", "secret"));
			assertThat(granted.status()).isEqualTo(200);
			assertThat(granted.header("Variable-URI")).isEqualTo("/files/a.txt?x=1");
			assertThat(granted.header("Variable-FILTERED")).isEqualTo("yes");
			FastCgiResponse refused = execute(port, FastCgiRequest.get("/files/a.txt").role(Role.AUTHORIZER));
			assertThat(refused.status()).isEqualTo(403);
			FastCgiResponse responder = execute(port, FastCgiRequest.get("/fastcgi/authorize"));
			assertThat(responder.status()).isEqualTo(404);
		});
	}

	@Test
	void authorizerPathProperty() {
		this.contextRunner.withPropertyValues("fastcgi.authorizer-path=/auth").run((context) -> {
			int port = port(context);
			FastCgiResponse granted = execute(port,
					FastCgiRequest.get("/x").role(Role.AUTHORIZER).header("X-Token", "secret"));
			assertThat(granted.status()).isEqualTo(200);
			assertThat(granted.header("Variable-URI")).isEqualTo("/x");
		});
	}

	@Test
	void invalidAuthorizerPathIsReportedWithThePropertyName() {
		this.contextRunner.withPropertyValues("fastcgi.authorizer-path=auth").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("authorizer path 'auth'");
			assertThat(context.getStartupFailure()).hasStackTraceContaining("fastcgi.authorizer-path");
		});
	}

	private static int port(AssertableWebApplicationContext context) {
		return ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
	}

	private static FastCgiResponse execute(int port, FastCgiRequest request) throws IOException {
		try (FastCgiClient client = FastCgiClient.create(new InetSocketAddress("127.0.0.1", port))) {
			return client.execute(request);
		}
	}

}
