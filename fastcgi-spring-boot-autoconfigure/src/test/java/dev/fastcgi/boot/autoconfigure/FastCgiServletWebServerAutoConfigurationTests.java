package dev.fastcgi.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.servlet.ServletContext;
import jakarta.servlet.SessionCookieConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedConstruction;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import dev.fastcgi.boot.FastCgiServerCustomizer;
import dev.fastcgi.boot.FastCgiServletWebServerFactory;
import dev.fastcgi.boot.InvalidFastCgiPropertyException;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerListener;
import dev.fastcgi.servlet.FastCgiServletContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockConstruction;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link FastCgiServletWebServerAutoConfiguration}: conditions, back-off and the mapping of properties
 * onto the factory. No server is started (the runner's context is not a web server context).
 */
class FastCgiServletWebServerAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FastCgiServletWebServerAutoConfiguration.class));

	@Test
	void createsFactoryInServletWebApplication() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(FastCgiServletWebServerFactory.class)
			.hasSingleBean(FastCgiProperties.class));
	}

	@Test
	void winsOverTomcatWhenBothArePresent() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TomcatServletWebServerAutoConfiguration.class,
					FastCgiServletWebServerAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(ServletWebServerFactory.class)
				.hasSingleBean(FastCgiServletWebServerFactory.class));
	}

	@Test
	void isOrderedBeforeTomcatAndJetty() {
		AutoConfiguration autoConfiguration = FastCgiServletWebServerAutoConfiguration.class
			.getAnnotation(AutoConfiguration.class);
		assertThat(autoConfiguration.beforeName()).containsExactlyInAnyOrder(
				TomcatServletWebServerAutoConfiguration.class.getName(),
				"org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration");
	}

	@Test
	void handsOverToTomcatWhenDisabled() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TomcatServletWebServerAutoConfiguration.class,
					FastCgiServletWebServerAutoConfiguration.class))
			.withPropertyValues("fastcgi.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ServletWebServerFactory.class)
				.hasSingleBean(TomcatServletWebServerAutoConfiguration.TomcatLikeFactory.class)
				.doesNotHaveBean(FastCgiServletWebServerFactory.class));
	}

	@Test
	void backsOffWhenUserDefinesServletWebServerFactory() {
		this.contextRunner.withUserConfiguration(UserFactoryConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(ServletWebServerFactory.class)
				.doesNotHaveBean(FastCgiServletWebServerFactory.class)
				.hasBean("userFactory"));
	}

	@Test
	void backsOffCompletelyWhenDisabled() {
		this.contextRunner.withPropertyValues("fastcgi.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiServletWebServerFactory.class)
				.doesNotHaveBean(FastCgiProperties.class));
	}

	@Test
	void backsOffInNonWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(FastCgiServletWebServerAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiServletWebServerFactory.class));
	}

	@Test
	void backsOffWhenEngineIsMissing() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(FastCgiServer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiServletWebServerFactory.class));
	}

	@Test
	void backsOffWhenServletApiIsMissing() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(jakarta.servlet.ServletRequest.class))
			.run((context) -> assertThat(context).doesNotHaveBean(FastCgiServletWebServerFactory.class));
	}

	@Test
	void defaultsListenOnLoopbackPort9000() {
		this.contextRunner.run((context) -> {
			FastCgiServletWebServerFactory factory = context.getBean(FastCgiServletWebServerFactory.class);
			assertThat(factory.getPort()).isEqualTo(ServerConfig.DEFAULT_PORT);
			assertThat(factory.resolveBindAddress()).isEqualTo(new BindAddress.Tcp("127.0.0.1", 9000));
		});
	}

	@Test
	void serverPortAndAddressAreUsedWithoutBindAddress() {
		this.contextRunner.withPropertyValues("server.port=0", "server.address=::1").run((context) -> {
			FastCgiServletWebServerFactory factory = context.getBean(FastCgiServletWebServerFactory.class);
			assertThat(factory.resolveBindAddress()).isEqualTo(new BindAddress.Tcp("0:0:0:0:0:0:0:1", 0));
		});
	}

	@Test
	void bindAddressTakesPrecedenceOverServerPort() {
		this.contextRunner.withPropertyValues("server.port=8080", "fastcgi.bind-address=unix:/tmp/app.sock")
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).resolveBindAddress())
				.isEqualTo(new BindAddress.Unix(Path.of("/tmp/app.sock"))));
	}

	@Test
	void inheritedBindAddressIsAccepted() {
		this.contextRunner.withPropertyValues("fastcgi.bind-address=fd:0")
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).resolveBindAddress())
				.isEqualTo(new BindAddress.Inherited()));
	}

	@Test
	void propertiesAreMappedOntoServerConfig() {
		this.contextRunner
			.withPropertyValues("fastcgi.bind-address=[::1]:9100", "fastcgi.multiplexed=true", "fastcgi.max-write=16KB",
					"fastcgi.multithreaded=false", "fastcgi.threads=8", "fastcgi.max-connections=10",
					"fastcgi.max-requests=20", "fastcgi.max-requests-per-connection=5", "fastcgi.backlog=7",
					"fastcgi.allowed-addresses=10.0.0.1,10.0.0.2", "fastcgi.environ.APP_MODE=production",
					"fastcgi.unix-socket.permissions=rw-------", "fastcgi.idle-timeout=10s",
					"fastcgi.read-timeout=20s", "fastcgi.write-timeout=30s", "fastcgi.input-spill-threshold=1MB",
					"fastcgi.spill-directory=/var/tmp", "fastcgi.max-params-size=64KB", "fastcgi.max-params=50",
					"fastcgi.event-loop=false")
			.run((context) -> {
				ServerConfig config = context.getBean(FastCgiServletWebServerFactory.class).createServerConfig();
				assertThat(config.bindAddress()).isEqualTo(new BindAddress.Tcp("::1", 9100));
				assertThat(config.multiplexed()).isTrue();
				assertThat(config.maxWrite()).isEqualTo(16384);
				assertThat(config.multithreaded()).isFalse();
				assertThat(config.threads()).isEqualTo(8);
				assertThat(config.maxConnections()).isEqualTo(10);
				assertThat(config.maxRequests()).isEqualTo(20);
				assertThat(config.maxRequestsPerConnection()).isEqualTo(5);
				assertThat(config.backlog()).isEqualTo(7);
				assertThat(config.allowedAddresses()).containsExactly("10.0.0.1", "10.0.0.2");
				assertThat(config.environ()).containsEntry("APP_MODE", "production");
				assertThat(config.unixSocketPermissions()).isEqualTo("rw-------");
				assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
				assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(20));
				assertThat(config.writeTimeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(config.inputSpillThreshold()).isEqualTo(1024 * 1024);
				assertThat(config.spillDirectory()).isEqualTo(Path.of("/var/tmp"));
				assertThat(config.maxParamsSize()).isEqualTo(65536);
				assertThat(config.maxParams()).isEqualTo(50);
				assertThat(config.eventLoop()).isFalse();
			});
	}

	@Test
	void allowedAddressesAreMergedWithWebServerAddrsEnvironmentVariable() {
		this.contextRunner
			.withPropertyValues("fastcgi.allowed-addresses=10.0.0.1",
					"FCGI_WEB_SERVER_ADDRS=127.0.0.1, 10.0.0.1 ,::1")
			.run((context) -> assertThat(
					context.getBean(FastCgiServletWebServerFactory.class).createServerConfig().allowedAddresses())
				.containsExactly("10.0.0.1", "127.0.0.1", "::1"));
	}

	@Test
	void virtualThreadsFollowSpringThreadsVirtualEnabled() {
		boolean java21 = Runtime.version().feature() >= 21;
		this.contextRunner.withPropertyValues("spring.threads.virtual.enabled=true")
			.run((context) -> assertThat(
					context.getBean(FastCgiServletWebServerFactory.class).createServerConfig().virtualThreads())
				.isEqualTo(java21));
	}

	@Test
	void platformThreadsByDefault() {
		this.contextRunner.run((context) -> assertThat(
				context.getBean(FastCgiServletWebServerFactory.class).createServerConfig().virtualThreads())
			.isFalse());
	}

	@Test
	void serverCustomizersRunInOrderAfterProperties() {
		this.contextRunner.withPropertyValues("fastcgi.threads=8")
			.withUserConfiguration(CustomizersConfiguration.class)
			.run((context) -> {
				ServerConfig config = context.getBean(FastCgiServletWebServerFactory.class).createServerConfig();
				assertThat(config.threads()).isEqualTo(12);
				assertThat(config.backlog()).isEqualTo(3);
			});
	}

	@Test
	void serverListenerBeansAreRegisteredWithTheFactory() {
		this.contextRunner.withBean("listener", ServerListener.class, () -> mock(ServerListener.class))
			.run((context) -> assertThat(context.getBean(FastCgiServletWebServerFactory.class).getServerListeners())
				.containsExactly(context.getBean(ServerListener.class)));
	}

	@Test
	void malformedBindAddressFailsStartupNamingThePropertyAndTheFix() {
		this.contextRunner.withPropertyValues("fastcgi.bind-address=localhost:http").run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new InvalidFastCgiPropertyFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("fastcgi.bind-address", "localhost:http", "no valid port");
			assertThat(analysis.getAction()).contains("fastcgi.bind-address", "host:port", "unix:/path");
		});
	}

	@Test
	void ambiguousIpv6BindAddressFailsStartup() {
		this.contextRunner.withPropertyValues("fastcgi.bind-address=::1:9000").run((context) -> {
			FailureAnalysis analysis = new InvalidFastCgiPropertyFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("fastcgi.bind-address", "::1:9000", "[::1]:9000");
		});
	}

	@Test
	void maxWriteOutOfRangeFailsNamingThePropertyTheValueAndTheRange() {
		this.contextRunner.withPropertyValues("fastcgi.max-write=70000").run((context) -> {
			FastCgiServletWebServerFactory factory = context.getBean(FastCgiServletWebServerFactory.class);
			InvalidFastCgiPropertyException ex = catchInvalid(factory);
			FailureAnalysis analysis = new InvalidFastCgiPropertyFailureAnalyzer().analyze(ex);
			assertThat(analysis.getDescription()).contains("Property: fastcgi.max-write", "Value: \"70000\"",
					"8..65535");
			assertThat(analysis.getAction()).isEqualTo("Set fastcgi.max-write to a value in 8..65535.");
		});
	}

	@Test
	void everyEngineRangeFailureNamesItsProperty() {
		String[][] cases = { { "fastcgi.threads", "0" }, { "fastcgi.max-connections", "0" },
				{ "fastcgi.max-requests", "0" }, { "fastcgi.max-requests-per-connection", "0" },
				{ "fastcgi.backlog", "0" }, { "fastcgi.max-params-size", "100" }, { "fastcgi.max-params", "0" },
				{ "fastcgi.max-write", "4" } };
		for (String[] testCase : cases) {
			this.contextRunner.withPropertyValues(testCase[0] + "=" + testCase[1]).run((context) -> {
				InvalidFastCgiPropertyException ex = catchInvalid(
						context.getBean(FastCgiServletWebServerFactory.class));
				assertThat(ex.getProperty()).isEqualTo(testCase[0]);
				assertThat(String.valueOf(ex.getValue())).isEqualTo(testCase[1]);
				assertThat(new InvalidFastCgiPropertyFailureAnalyzer().analyze(ex).getAction())
					.startsWith("Set " + testCase[0] + " to a value in ");
			});
		}
	}

	@Test
	void allowedAddressThatIsNotAnIpLiteralFailsNamingThePropertyAndTheEntry() {
		this.contextRunner.withPropertyValues("FCGI_WEB_SERVER_ADDRS=127.0.0.1,web1").run((context) -> {
			FastCgiServletWebServerFactory factory = context.getBean(FastCgiServletWebServerFactory.class);
			ServletContext servletContext = servletContext();
			try (MockedConstruction<FastCgiServletContainer> containers = mockConstruction(
					FastCgiServletContainer.class,
					(container, settings) -> given(container.getServletContext()).willReturn(servletContext))) {
				InvalidFastCgiPropertyException ex = catchThrowableOfType(InvalidFastCgiPropertyException.class,
						factory::getWebServer);
				assertThat(ex.getProperty()).isEqualTo("fastcgi.allowed-addresses");
				assertThat(ex.getValue()).isEqualTo("web1");
				verify(containers.constructed().get(0)).stop();
			}
		});
	}

	@Test
	void unixSocketInMissingDirectoryFailsNamingTheDirectory(@TempDir Path temp) {
		Path socket = temp.resolve("missing/app.sock");
		this.contextRunner.withPropertyValues("fastcgi.bind-address=unix:" + socket).run((context) -> {
			InvalidFastCgiPropertyException ex = catchInvalid(context.getBean(FastCgiServletWebServerFactory.class));
			FailureAnalysis analysis = new InvalidFastCgiPropertyFailureAnalyzer().analyze(ex);
			assertThat(analysis.getDescription()).contains("fastcgi.bind-address", "unix:" + socket,
					temp.resolve("missing") + " does not exist");
			assertThat(analysis.getAction()).contains("Create " + temp.resolve("missing"));
		});
	}

	@Test
	void unixSocketInExistingDirectoryIsAccepted(@TempDir Path temp) {
		this.contextRunner.withPropertyValues("fastcgi.bind-address=unix:" + temp.resolve("app.sock"))
			.run((context) -> assertThat(
					context.getBean(FastCgiServletWebServerFactory.class).createServerConfig().bindAddress())
				.isEqualTo(new BindAddress.Unix(temp.resolve("app.sock"))));
	}

	private static ServletContext servletContext() {
		ServletContext servletContext = mock(ServletContext.class);
		given(servletContext.getSessionCookieConfig()).willReturn(mock(SessionCookieConfig.class));
		return servletContext;
	}

	private static InvalidFastCgiPropertyException catchInvalid(FastCgiServletWebServerFactory factory) {
		InvalidFastCgiPropertyException[] caught = new InvalidFastCgiPropertyException[1];
		assertThatExceptionOfType(InvalidFastCgiPropertyException.class)
			.isThrownBy(() -> {
				try {
					factory.createServerConfig();
				}
				catch (InvalidFastCgiPropertyException ex) {
					caught[0] = ex;
					throw ex;
				}
			});
		return caught[0];
	}

	@Configuration(proxyBeanMethods = false)
	static class UserFactoryConfiguration {

		@Bean
		ServletWebServerFactory userFactory() {
			return mock(ServletWebServerFactory.class);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizersConfiguration {

		@Bean
		@Order(2)
		FastCgiServerCustomizer second() {
			return (builder) -> builder.threads(12);
		}

		@Bean
		@Order(1)
		FastCgiServerCustomizer first() {
			return (builder) -> builder.threads(99).backlog(3);
		}

	}

}
