package dev.fastcgi.servlet;

import java.util.EnumSet;
import java.util.List;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.MappingMatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Servlet mapping (Servlet 6.1 section 12.2) and filter chain selection.
 */
class ServletMapperTests {

	private final FastCgiServletContainer container = new FastCgiServletContainer(new ContainerSettings());

	private final FastCgiServletContext context = this.container.getContext();

	private ServletMapper mapper() {
		this.context.addServlet("exact", new HttpServlet() { }).addMapping("/catalog", "/a/b/exact");
		this.context.addServlet("prefix", new HttpServlet() { }).addMapping("/a/*");
		this.context.addServlet("longer", new HttpServlet() { }).addMapping("/a/b/*");
		this.context.addServlet("ext", new HttpServlet() { }).addMapping("*.jsp");
		this.context.addServlet("root", new HttpServlet() { }).addMapping("");
		this.context.addServlet("default", new HttpServlet() { }).addMapping("/");
		return this.context.mapper();
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(nullValues = "null", value = {
			"/catalog, exact, /catalog, null, EXACT, catalog",
			"/a/b/exact, exact, /a/b/exact, null, EXACT, a/b/exact",
			"/a, prefix, /a, null, PATH, ''",
			"/a/x/y, prefix, /a, /x/y, PATH, x/y",
			"/a/b/c, longer, /a/b, /c, PATH, c",
			"/a/b, longer, /a/b, null, PATH, ''",
			"/ab, default, /ab, null, DEFAULT, ''",
			"/x/index.jsp, ext, /x/index.jsp, null, EXTENSION, x/index",
			"/a/index.jsp, prefix, /a, /index.jsp, PATH, index.jsp",
			"/, root, '', /, CONTEXT_ROOT, ''",
			"/catalog/, default, /catalog/, null, DEFAULT, ''",
			"/x.jsp/y, default, /x.jsp/y, null, DEFAULT, ''" })
	void mapsBySpecOrder(String path, String servlet, String servletPath, String pathInfo, MappingMatch match,
			String matchValue) {
		ServletMapper.Match result = mapper().match(path);
		assertThat(result.getServletName()).isEqualTo(servlet);
		assertThat(result.servletPath()).isEqualTo(servletPath);
		assertThat(result.pathInfo()).isEqualTo(pathInfo);
		assertThat(result.getMappingMatch()).isEqualTo(match);
		assertThat(result.getMatchValue()).isEqualTo(matchValue);
	}

	@Test
	void noDefaultServletMeansNoMatch() {
		this.context.addServlet("only", new HttpServlet() { }).addMapping("/only");
		assertThat(this.context.mapper().match("/other")).isNull();
	}

	@Test
	void slashStarMapsEverythingAsPathInfo() {
		this.context.addServlet("all", new HttpServlet() { }).addMapping("/*");
		ServletMapper.Match match = this.context.mapper().match("/x/y");
		assertThat(match.servletPath()).isEmpty();
		assertThat(match.pathInfo()).isEqualTo("/x/y");
	}

	@Test
	void conflictingMappingIsReported() {
		this.context.addServlet("one", new HttpServlet() { }).addMapping("/x");
		assertThat(this.context.addServlet("two", new HttpServlet() { }).addMapping("/x", "/y")).containsExactly("/x");
	}

	@ParameterizedTest
	@CsvSource({ "/*, /anything, true", "/api/*, /api, true", "/api/*, /api/x, true", "/api/*, /apix, false",
			"*.do, /a/b.do, true", "*.do, /a/b.dox, false", "*.do, /a.do/b, false", "/exact, /exact, true",
			"/exact, /exact/, false", "/, /x, true" })
	void filterUrlPatterns(String pattern, String path, boolean matches) {
		assertThat(ServletMapper.matches(pattern, path)).isEqualTo(matches);
	}

	@Test
	void invalidPatternsAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> ServletMapper.checkPattern("api/*"));
		assertThatIllegalArgumentException().isThrownBy(() -> ServletMapper.checkPattern("/a/*/b"));
		assertThatIllegalArgumentException().isThrownBy(() -> ServletMapper.checkPattern("*.a/b"));
	}

	@Test
	void filterChainOrdersUrlPatternsBeforeServletNamesAndHonoursDispatcherTypes() {
		this.context.addServlet("app", new HttpServlet() { }).addMapping("/app/*");
		Filter noop = (request, response, chain) -> chain.doFilter(request, response);
		this.context.addFilter("byName", noop).addMappingForServletNames(null, false, "app");
		this.context.addFilter("all", noop).addMappingForUrlPatterns(null, false, "/*");
		this.context.addFilter("after", noop).addMappingForUrlPatterns(null, true, "/app/*");
		this.context.addFilter("errors", noop)
			.addMappingForUrlPatterns(EnumSet.of(DispatcherType.ERROR, DispatcherType.ASYNC), false, "/*");
		this.context.addFilter("other", noop).addMappingForUrlPatterns(null, false, "/other/*");
		this.context.addFilter("forward", noop)
			.addMappingForUrlPatterns(EnumSet.of(DispatcherType.FORWARD), false, "*.html");
		ServletHolder app = this.context.servletHolders().get("app");
		List<FilterMapping> mappings = this.context.filterMappings();
		assertThat(FilterChainTemplate.build(mappings, DispatcherType.REQUEST, app, "/app/x").filterNames())
			.containsExactly("all", "after", "byName");
		assertThat(FilterChainTemplate.build(mappings, DispatcherType.ERROR, app, "/app/x").filterNames())
			.containsExactly("errors");
		assertThat(FilterChainTemplate.build(mappings, DispatcherType.FORWARD, app, "/app/x.html").filterNames())
			.containsExactly("forward");
		assertThat(FilterChainTemplate.build(mappings, DispatcherType.REQUEST, app, null).filterNames())
			.containsExactly("byName");
	}

	@Test
	void asyncSupportedOnlyWhenWholeChainSupportsIt() {
		this.context.addServlet("app", new HttpServlet() { }).addMapping("/*");
		this.context.servletHolders().get("app").setAsyncSupported(true);
		Filter noop = (request, response, chain) -> chain.doFilter(request, response);
		this.context.addFilter("sync", noop).addMappingForUrlPatterns(null, false, "/sync/*");
		ServletHolder app = this.context.servletHolders().get("app");
		assertThat(FilterChainTemplate.build(this.context.filterMappings(), DispatcherType.REQUEST, app, "/x")
			.asyncSupported()).isTrue();
		assertThat(FilterChainTemplate.build(this.context.filterMappings(), DispatcherType.REQUEST, app, "/sync/x")
			.asyncSupported()).isFalse();
	}

}
