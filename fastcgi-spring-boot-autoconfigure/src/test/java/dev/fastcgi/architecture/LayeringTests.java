package dev.fastcgi.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the layering honest: every main source file is scanned for the packages it names (imports and fully
 * qualified references, comments excluded), and each top-level slice may only use the slices above it:
 * {@code protocol <- client}, {@code protocol <- server <- servlet <- boot}. The codec and the engine use no Spring,
 * servlet or Micrometer type; nothing below {@code boot} uses Spring Boot; {@code *.internal} stays inside its slice;
 * the runtime {@code boot} packages never use {@code boot.autoconfigure}.
 */
class LayeringTests {

	private static final Path SOURCES = Path.of("src/main/java");

	private static final Pattern REFERENCE = Pattern
		.compile("\\b(dev\\.fastcgi(?:\\.[a-z_][a-z0-9_]*)+|org\\.springframework(?:\\.[a-z_][a-z0-9_]*)+|"
				+ "jakarta\\.[a-z_]+(?:\\.[a-z_][a-z0-9_]*)*|io\\.micrometer(?:\\.[a-z_][a-z0-9_]*)*|"
				+ "(?:javax|com|org|net|io)\\.[a-z_][a-z0-9_]*(?:\\.[a-z_][a-z0-9_]*)*)");


	record Use(String file, String fromPackage, String used) {

		@Override
		public String toString() {
			return this.file + " (" + this.fromPackage + ") uses " + this.used;
		}
	}

	private static List<Use> uses() {
		List<Use> uses = new ArrayList<>();
		try (Stream<Path> files = Files.walk(SOURCES)) {
			for (Path file : files.filter((p) -> p.toString().endsWith(".java")).toList()) {
				String text = codeOnly(Files.readString(file));
				String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
				Matcher m = REFERENCE.matcher(text);
				while (m.find()) {
					String used = m.group(1);
					if (!used.startsWith("package ")) {
						uses.add(new Use(SOURCES.relativize(file).toString(), pkg, used));
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return uses;
	}

	/** The source with comments, string and char literals and text blocks blanked out (a tiny lexer, no regex). */
	static String codeOnly(String source) {
		StringBuilder code = new StringBuilder(source.length());
		int i = 0;
		int n = source.length();
		while (i < n) {
			char c = source.charAt(i);
			if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
				while (i < n && source.charAt(i) != '\n') {
					i++;
				}
			}
			else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
				int end = source.indexOf("*/", i + 2);
				i = (end < 0) ? n : end + 2;
				code.append(' ');
			}
			else if (source.startsWith("\"\"\"", i)) {
				int end = source.indexOf("\"\"\"", i + 3);
				i = (end < 0) ? n : end + 3;
				code.append("\"\"");
			}
			else if (c == '"' || c == '\'') {
				i++;
				while (i < n && source.charAt(i) != c) {
					i += (source.charAt(i) == '\\') ? 2 : 1;
				}
				i++;
				code.append(c).append(c);
			}
			else {
				code.append(c);
				i++;
			}
		}
		return code.toString();
	}

	private static String slice(String pkg) {
		String rest = pkg.substring("dev.fastcgi.".length());
		int dot = rest.indexOf('.');
		return (dot < 0) ? rest : rest.substring(0, dot);
	}

	private static List<Use> violations(String slice, java.util.function.Predicate<String> allowed) {
		return uses().stream()
			.filter((u) -> u.fromPackage().startsWith("dev.fastcgi." + slice))
			.filter((u) -> slice(u.fromPackage()).equals(slice))
			.filter((u) -> !u.used().startsWith("dev.fastcgi." + slice))
			.filter((u) -> !u.used().equals(u.fromPackage()))
			.filter((u) -> !allowed.test(u.used()))
			.toList();
	}

	@Test
	void sourcesAreScanned() {
		assertThat(uses()).anySatisfy((u) -> assertThat(u.used()).startsWith("dev.fastcgi.protocol"));
	}

	@Test
	void lexerBlanksCommentsAndLiterals() {
		String src = "import a.b;\n// org.springframework.x\n/* io.micrometer.y */ char q = '\"'; String s = \"org.x \\\" y\";"
				+ " String t = \"\"\"\n com.z \"\"\"; int k;";
		assertThat(codeOnly(src)).contains("import a.b;", "int k;")
			.doesNotContain("springframework", "micrometer", "org.x", "com.z");
	}

	@Test
	void protocolUsesOnlyTheJdk() {
		assertThat(violations("protocol", (used) -> false)).isEmpty();
	}

	@Test
	void clientUsesOnlyTheProtocol() {
		assertThat(violations("client", (used) -> used.startsWith("dev.fastcgi.protocol"))).isEmpty();
	}

	@Test
	void engineUsesOnlyTheProtocol() {
		assertThat(violations("server", (used) -> used.startsWith("dev.fastcgi.protocol"))).isEmpty();
	}

	@Test
	void servletUsesEngineServletApiAndSpringUtilitiesButNotBoot() {
		assertThat(violations("servlet",
				(used) -> (used.startsWith("dev.fastcgi.protocol") || used.startsWith("dev.fastcgi.server"))
						&& !used.startsWith("dev.fastcgi.server.internal")
						|| used.startsWith("jakarta.servlet") || used.startsWith("org.springframework.")
								&& !used.startsWith("org.springframework.boot")
						|| used.startsWith("org.apache.commons.fileupload2") || used.startsWith("org.jspecify")))
			.isEmpty();
	}

	@Test
	void bootDoesNotReachIntoInternals() {
		assertThat(violations("boot", (used) -> !used.startsWith("dev.fastcgi.server.internal")
				&& !used.startsWith("dev.fastcgi.servlet.internal")))
			.isEmpty();
	}

	@Test
	void runtimeBootPackagesDoNotUseAutoConfiguration() {
		assertThat(uses().stream()
			.filter((u) -> u.fromPackage().startsWith("dev.fastcgi.boot")
					&& !u.fromPackage().startsWith("dev.fastcgi.boot.autoconfigure"))
			.filter((u) -> u.used().startsWith("dev.fastcgi.boot.autoconfigure")
					|| u.used().startsWith("org.springframework.boot.autoconfigure.condition")
					|| u.used().equals("org.springframework.boot.autoconfigure.AutoConfiguration"))
			.toList()).isEmpty();
	}

	@Test
	void everyPackageHasPackageInfo() throws IOException {
		try (Stream<Path> dirs = Files.walk(SOURCES)) {
			List<Path> missing = dirs.filter(Files::isDirectory)
				.filter((d) -> hasJava(d) && !Files.exists(d.resolve("package-info.java")))
				.toList();
			assertThat(missing).isEmpty();
		}
	}

	private static boolean hasJava(Path dir) {
		try (Stream<Path> files = Files.list(dir)) {
			return files.anyMatch((f) -> f.toString().endsWith(".java"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
