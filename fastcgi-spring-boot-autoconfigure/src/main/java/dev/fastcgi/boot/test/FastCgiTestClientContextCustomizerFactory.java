package dev.fastcgi.boot.test;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.util.ClassUtils;

/**
 * Registers a {@link FastCgiTestClient} bean in {@code @SpringBootTest} contexts that run an embedded web server
 * ({@code RANDOM_PORT} or {@code DEFINED_PORT}); registered in {@code META-INF/spring.factories}. Does nothing
 * when {@code spring-boot-test} is absent (plain Spring tests).
 */
class FastCgiTestClientContextCustomizerFactory implements ContextCustomizerFactory {

	private static final boolean SPRING_BOOT_TEST_PRESENT = ClassUtils.isPresent(
			"org.springframework.boot.test.context.SpringBootTest",
			FastCgiTestClientContextCustomizerFactory.class.getClassLoader());

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		if (!SPRING_BOOT_TEST_PRESENT) {
			return null;
		}
		SpringBootTest springBootTest = TestContextAnnotationUtils.findMergedAnnotation(testClass,
				SpringBootTest.class);
		if (springBootTest == null || !springBootTest.webEnvironment().isEmbedded()) {
			return null;
		}
		return new FastCgiTestClientContextCustomizer(springBootTest.webEnvironment());
	}

}
