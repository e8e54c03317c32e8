package dev.fastcgi.boot.test;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.support.TestPropertySourceUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link FastCgiTestClientContextCustomizerFactory} and {@link FastCgiTestClientContextCustomizer}.
 */
class FastCgiTestClientContextCustomizerTests {

	private final FastCgiTestClientContextCustomizerFactory factory = new FastCgiTestClientContextCustomizerFactory();

	@Test
	void noCustomizerWithoutEmbeddedServer() {
		assertThat(this.factory.createContextCustomizer(MockTest.class, List.of())).isNull();
		assertThat(this.factory.createContextCustomizer(NotSpringBootTest.class, List.of())).isNull();
	}

	@Test
	void registersLazyClientBean() {
		GenericApplicationContext context = customize(RandomPortTest.class);
		assertThat(context.getBeanFactory().getBeanNamesForType(FastCgiTestClient.class, true, false)).hasSize(1);
		assertThat(context.getBeanDefinition(FastCgiTestClient.class.getName()).isLazyInit()).isTrue();
	}

	@Test
	void randomPortTestMakesTcpBindAddressRandom() {
		GenericApplicationContext context = customize(RandomPortTest.class, "fastcgi.bind-address=127.0.0.1:9000");
		assertThat(context.getEnvironment().getProperty("fastcgi.bind-address")).isEqualTo("127.0.0.1:0");
	}

	@Test
	void randomPortTestKeepsWildcardHost() {
		GenericApplicationContext context = customize(RandomPortTest.class, "fastcgi.bind-address=:9000");
		assertThat(context.getEnvironment().getProperty("fastcgi.bind-address")).isEqualTo(":0");
	}

	@Test
	void randomPortTestLeavesUnixSocketAlone() {
		GenericApplicationContext context = customize(RandomPortTest.class, "fastcgi.bind-address=unix:/tmp/x.sock");
		assertThat(context.getEnvironment().getProperty("fastcgi.bind-address")).isEqualTo("unix:/tmp/x.sock");
	}

	@Test
	void definedPortTestKeepsTheConfiguredPort() {
		GenericApplicationContext context = customize(DefinedPortTest.class, "fastcgi.bind-address=127.0.0.1:9000");
		assertThat(context.getEnvironment().getProperty("fastcgi.bind-address")).isEqualTo("127.0.0.1:9000");
	}

	@Test
	void customizersAreEqualPerWebEnvironmentForContextCaching() {
		ContextCustomizer one = this.factory.createContextCustomizer(RandomPortTest.class, List.of());
		ContextCustomizer two = this.factory.createContextCustomizer(RandomPortTest.class, List.of());
		assertThat(one).isEqualTo(two).hasSameHashCodeAs(two);
		assertThat(one).isNotEqualTo(this.factory.createContextCustomizer(DefinedPortTest.class, List.of()));
	}

	private GenericApplicationContext customize(Class<?> testClass, String... properties) {
		GenericApplicationContext context = new GenericApplicationContext();
		TestPropertySourceUtils.addInlinedPropertiesToEnvironment(context, properties);
		ContextCustomizer customizer = this.factory.createContextCustomizer(testClass, List.of());
		customizer.customizeContext(context, mock(MergedContextConfiguration.class));
		return context;
	}

	@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
	static class RandomPortTest {

	}

	@SpringBootTest(webEnvironment = WebEnvironment.DEFINED_PORT)
	static class DefinedPortTest {

	}

	@SpringBootTest(webEnvironment = WebEnvironment.MOCK)
	static class MockTest {

	}

	static class NotSpringBootTest {

	}

}
