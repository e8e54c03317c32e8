package dev.fastcgi.boot;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.ServletContext;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.http.Cookie;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.MockedConstruction;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.error.ErrorPage;
import org.springframework.boot.web.server.Compression;
import org.springframework.boot.web.server.Http2;
import org.springframework.boot.web.server.MimeMappings;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.servlet.CookieSameSiteSupplier;
import org.springframework.boot.web.server.servlet.Session;
import org.springframework.http.HttpStatus;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.ContainerSettings;
import dev.fastcgi.servlet.FastCgiServletContainer;
import dev.fastcgi.servlet.ForwardedHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockConstruction;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link FastCgiServletWebServerFactory}: bind address precedence, the mapping of Boot's servlet
 * settings onto {@link ContainerSettings}, and the initializers, against a mocked container and engine.
 */
@ExtendWith(OutputCaptureExtension.class)
class FastCgiServletWebServerFactoryTests {

	private final List<ContainerSettings> containerSettings = new ArrayList<>();

	private final ServletContext servletContext = mock(ServletContext.class);

	private MockedConstruction<FastCgiServletContainer> containers;

	private MockedConstruction<FastCgiServer> engines;

	private final FastCgiServletWebServerFactory factory = new FastCgiServletWebServerFactory();

	@BeforeEach
	void mockContainerAndEngine() {
		given(this.servletContext.getSessionCookieConfig()).willReturn(mock(SessionCookieConfig.class));
		this.containers = mockConstruction(FastCgiServletContainer.class, (container, context) -> {
			this.containerSettings.add((ContainerSettings) context.arguments().get(0));
			given(container.getServletContext()).willReturn(this.servletContext);
		});
		this.engines = mockConstruction(FastCgiServer.class);
		this.factory.setInheritedListenSocket(() -> false);
	}

	@AfterEach
	void closeMocks() {
		this.containers.close();
		this.engines.close();
	}

	@Test
	void defaultIsLoopbackPort9000() {
		assertThat(this.factory.resolveBindAddress()).isEqualTo(new BindAddress.Tcp("127.0.0.1", 9000));
	}

	@Test
	void serverAddressAndPortAreUsed() throws Exception {
		this.factory.setAddress(InetAddress.getByName("0.0.0.0"));
		this.factory.setPort(9100);
		assertThat(this.factory.resolveBindAddress()).isEqualTo(new BindAddress.Tcp("0.0.0.0", 9100));
	}

	@Test
	void inheritedSocketWinsOverServerPort() {
		this.factory.setInheritedListenSocket(() -> true);
		this.factory.setPort(8080);
		assertThat(this.factory.resolveBindAddress()).isEqualTo(new BindAddress.Inherited());
	}

	@Test
	void bindAddressWinsOverInheritedSocket() {
		this.factory.setInheritedListenSocket(() -> true);
		this.factory.setBindAddress(new BindAddress.Tcp("::1", 9001));
		assertThat(this.factory.resolveBindAddress()).isEqualTo(new BindAddress.Tcp("::1", 9001));
	}

	@Test
	void negativePortCreatesContextButDoesNotListen() throws Exception {
		this.factory.setPort(-1);
		WebServer webServer = this.factory.getWebServer();
		webServer.start();
		verify(this.engines.constructed().get(0), org.mockito.Mockito.never()).start();
	}

	@Test
	void runsInitializersThenStartsTheContainer() throws Exception {
		org.springframework.boot.web.servlet.ServletContextInitializer initializer = mock(
				org.springframework.boot.web.servlet.ServletContextInitializer.class);
		this.factory.getSettings().addWebListenerClassNames("com.example.Listener");
		WebServer webServer = this.factory.getWebServer(initializer);
		assertThat(webServer).isInstanceOf(FastCgiWebServer.class);
		FastCgiServletContainer container = this.containers.constructed().get(0);
		var order = inOrder(initializer, this.servletContext, container);
		order.verify(initializer).onStartup(this.servletContext);
		order.verify(this.servletContext).addListener("com.example.Listener");
		order.verify(container).start();
	}

	@Test
	void mapsServletSettingsOntoContainerSettings() {
		this.factory.setContextPath("/app");
		this.factory.setDisplayName("sample");
		this.factory.getSettings().getInitParameters().put("a", "b");
		this.factory.addMimeMappings(new MimeMappings(Map.of("foo", "application/x-foo")));
		this.factory.setLocaleCharsetMappings(Map.of(Locale.FRENCH, StandardCharsets.ISO_8859_1));
		this.factory.addErrorPages(new ErrorPage(HttpStatus.NOT_FOUND, "/404"),
				new ErrorPage(IllegalStateException.class, "/ise"), new ErrorPage("/error"));
		this.factory.setShutdown(Shutdown.GRACEFUL);
		this.factory.getWebServer();
		ContainerSettings settings = this.containerSettings.get(0);
		assertThat(settings.getContextPath()).isEqualTo("/app");
		assertThat(settings.getDisplayName()).isEqualTo("sample");
		assertThat(settings.getInitParameters()).containsEntry("a", "b");
		assertThat(settings.getMimeMappings()).containsEntry("foo", "application/x-foo");
		assertThat(settings.getLocaleCharsetMappings()).containsEntry(Locale.FRENCH, StandardCharsets.ISO_8859_1);
		assertThat(settings.getErrorPages()).containsExactlyInAnyOrder(
				new ContainerSettings.ErrorPageMapping(404, null, "/404"),
				new ContainerSettings.ErrorPageMapping(0, IllegalStateException.class, "/ise"),
				new ContainerSettings.ErrorPageMapping(0, null, "/error"));
		assertThat(settings.getTempDirectory()).isDirectory();
	}

	@Test
	void mapsSessionSettings() {
		Session session = new Session();
		session.setTimeout(Duration.ofMinutes(5));
		session.setTrackingModes(EnumSet.of(Session.SessionTrackingMode.COOKIE, Session.SessionTrackingMode.URL));
		session.getCookie().setName("SID");
		session.getCookie().setPath("/p");
		session.getCookie().setDomain("example.org");
		session.getCookie().setSecure(true);
		session.getCookie().setHttpOnly(false);
		session.getCookie().setMaxAge(Duration.ofHours(1));
		session.getCookie().setSameSite(org.springframework.boot.web.server.Cookie.SameSite.STRICT);
		this.factory.setSession(session);
		this.factory.getWebServer();
		ContainerSettings settings = this.containerSettings.get(0);
		assertThat(settings.getSessionTimeout()).isEqualTo(Duration.ofMinutes(5));
		assertThat(settings.getSessionTrackingModes()).containsExactlyInAnyOrder(SessionTrackingMode.COOKIE,
				SessionTrackingMode.URL);
		assertThat(settings.getSessionCookieName()).isEqualTo("SID");
		assertThat(settings.getSessionCookiePath()).isEqualTo("/p");
		assertThat(settings.getSessionCookieDomain()).isEqualTo("example.org");
		assertThat(settings.getSessionCookieSecure()).isTrue();
		assertThat(settings.isSessionCookieHttpOnly()).isFalse();
		assertThat(settings.getSessionCookieMaxAge()).isEqualTo(Duration.ofHours(1));
		assertThat(settings.getSessionCookieSameSite()).isEqualTo("Strict");
	}

	@Test
	void cookieSameSiteSuppliersAreConsultedInOrder() {
		this.factory.addCookieSameSiteSuppliers(CookieSameSiteSupplier.ofNone().whenHasName("tracking"),
				CookieSameSiteSupplier.ofLax());
		this.factory.getWebServer();
		ContainerSettings settings = this.containerSettings.get(0);
		assertThat(settings.getCookieSameSite().apply(new Cookie("tracking", "1"))).isEqualTo("None");
		assertThat(settings.getCookieSameSite().apply(new Cookie("other", "1"))).isEqualTo("Lax");
	}

	@Test
	void noCookieSameSiteWithoutSuppliers() {
		this.factory.getWebServer();
		assertThat(this.containerSettings.get(0).getCookieSameSite().apply(new Cookie("a", "b"))).isNull();
	}

	@Test
	void unsupportedSettingsAreReportedOnce(CapturedOutput output) {
		Ssl ssl = new Ssl();
		ssl.setEnabled(true);
		ssl.setBundle("server");
		this.factory.setSsl(ssl);
		Http2 http2 = new Http2();
		http2.setEnabled(true);
		this.factory.setHttp2(http2);
		Compression compression = new Compression();
		compression.setEnabled(true);
		this.factory.setCompression(compression);
		this.factory.setServerHeader("x");
		this.factory.getWebServer();
		this.factory.getWebServer();
		assertThat(output).containsOnlyOnce("server.ssl is ignored")
			.containsOnlyOnce("server.http2.enabled is ignored")
			.containsOnlyOnce("server.compression is ignored")
			.containsOnlyOnce("server.server-header is ignored");
	}

	@Test
	void nothingIsReportedForDefaults(CapturedOutput output) {
		this.factory.getWebServer();
		assertThat(output).doesNotContain("is ignored");
	}

	@Test
	void forwardedHeadersAreIgnoredByDefault() {
		this.factory.getWebServer();
		assertThat(this.factory.isUseForwardHeaders()).isFalse();
		assertThat(this.containerSettings.get(0).getForwardedHeaders()).isNull();
	}

	@Test
	void useForwardHeadersGivesTheContainerAResolverOverTheTrustedProxies() {
		this.factory.setUseForwardHeaders(true);
		this.factory.setTrustedProxies(List.of("203.0.113.0/24"));
		this.factory.getWebServer();
		ForwardedHeaders forwarded = this.containerSettings.get(0).getForwardedHeaders();
		assertThat(forwarded).isNotNull();
		assertThat(forwarded.isTrusted("203.0.113.5")).isTrue();
		assertThat(forwarded.isTrusted("10.0.0.1")).isFalse();
	}

	@Test
	void invalidTrustedProxyIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.factory.setTrustedProxies(List.of("proxy.example")))
			.withMessageContaining("fastcgi.forwarded.trusted-proxies");
	}

	@Test
	void nativeWithNobodyTrustedIsReportedOnce(CapturedOutput output) {
		this.factory.setUseForwardHeaders(true);
		this.factory.setTrustedProxies(List.of());
		this.factory.getWebServer();
		this.factory.getWebServer();
		assertThat(output).containsOnlyOnce("fastcgi.forwarded.trusted-proxies is empty");
	}

	@Test
	void customizersSeeTheResolvedBindAddressAndRunInOrder() {
		List<String> calls = new ArrayList<>();
		this.factory.addServerCustomizers((builder) -> calls.add("first"), (builder) -> {
			calls.add("second");
			builder.maxWrite(1024);
		});
		ServerConfig config = this.factory.createServerConfig();
		assertThat(calls).containsExactly("first", "second");
		assertThat(config.maxWrite()).isEqualTo(1024);
		assertThat(config.bindAddress()).isEqualTo(new BindAddress.Tcp("127.0.0.1", 9000));
	}

	@Test
	void customizerSettingAnInvalidValueFailsNamingTheProperty() {
		this.factory.addServerCustomizers((builder) -> builder.maxWrite(70000));
		org.assertj.core.api.Assertions
			.assertThatExceptionOfType(InvalidFastCgiPropertyException.class)
			.isThrownBy(this.factory::createServerConfig)
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("fastcgi.max-write");
				assertThat(ex.getValue()).isEqualTo("70000");
			});
	}

}
