package dev.fastcgi.boot.autoconfigure;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.configurationprocessor.json.JSONArray;
import org.springframework.boot.configurationprocessor.json.JSONObject;

import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests the generated {@code spring-configuration-metadata.json}: every {@code fastcgi.*} property is documented
 * and every documented default converts to the value the properties class really uses.
 */
class FastCgiPropertiesMetadataTests {

	private final ConversionService conversion = ApplicationConversionService.getSharedInstance();

	@Test
	void everyPropertyHasDescriptionAndDocumentedDefaultMatchesRealDefault() throws Exception {
		Map<String, JSONObject> properties = readProperties();
		FastCgiProperties defaults = new FastCgiProperties();
		org.springframework.beans.BeanWrapper wrapper = new org.springframework.beans.BeanWrapperImpl(defaults);
		int checked = 0;
		for (Map.Entry<String, JSONObject> entry : properties.entrySet()) {
			if (!entry.getKey().startsWith("fastcgi.")) {
				continue;
			}
			assertThat(entry.getValue().optString("description")).as(entry.getKey()).isNotBlank();
			if (!entry.getValue().has("defaultValue")) {
				continue;
			}
			Object rawDefault = entry.getValue().get("defaultValue");
			String defaultValue = (rawDefault instanceof JSONArray array) ? join(array) : String.valueOf(rawDefault);
			String path = toBeanPath(entry.getKey().substring("fastcgi.".length()));
			Object actual = wrapper.getPropertyValue(path);
			Object documented = this.conversion.convert(defaultValue, wrapper.getPropertyType(path));
			assertThat(documented).as(entry.getKey()).isEqualTo(actual);
			checked++;
		}
		assertThat(checked).isGreaterThanOrEqualTo(15);
	}

	private static String join(JSONArray array) throws Exception {
		StringBuilder joined = new StringBuilder();
		for (int i = 0; i < array.length(); i++) {
			joined.append((i > 0) ? "," : "").append(array.getString(i));
		}
		return joined.toString();
	}

	private static String toBeanPath(String name) {
		StringBuilder path = new StringBuilder();
		boolean upper = false;
		for (char c : name.toCharArray()) {
			if (c == '-') {
				upper = true;
			}
			else {
				path.append(upper ? Character.toUpperCase(c) : c);
				upper = false;
			}
		}
		return path.toString();
	}

	private static Map<String, JSONObject> readProperties() throws Exception {
		Map<String, JSONObject> properties = new HashMap<>();
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			JSONArray array = new JSONObject(new String(in.readAllBytes(), StandardCharsets.UTF_8))
				.getJSONArray("properties");
			for (int i = 0; i < array.length(); i++) {
				JSONObject property = array.getJSONObject(i);
				properties.put(property.getString("name"), property);
			}
		}
		return properties;
	}

}
