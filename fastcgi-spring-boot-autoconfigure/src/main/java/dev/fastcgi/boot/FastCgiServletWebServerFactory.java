package dev.fastcgi.boot;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.http.Cookie;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.web.error.ErrorPage;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.Compression;
import org.springframework.boot.web.server.Http2;
import org.springframework.boot.web.server.MimeMappings;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory;
import org.springframework.boot.web.server.servlet.CookieSameSiteSupplier;
import org.springframework.boot.web.server.servlet.DocumentRoot;
import org.springframework.boot.web.server.servlet.Jsp;
import org.springframework.boot.web.server.servlet.ServletContextInitializers;
import org.springframework.boot.web.server.servlet.ServletWebServerSettings;
import org.springframework.boot.web.server.servlet.Session;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerListener;
import dev.fastcgi.server.cgi.CgiMode;
import dev.fastcgi.servlet.ContainerSettings;
import dev.fastcgi.servlet.FastCgiServletContainer;
import dev.fastcgi.servlet.ForwardedHeaders;

/**
 * {@link ConfigurableServletWebServerFactory} that creates a {@link FastCgiWebServer}: the application's servlets,
 * filters and listeners run in a {@link FastCgiServletContainer} served over FastCGI by the engine.
 * <p>
 * <b>Where it listens</b>, in order of precedence:
 * <ol>
 * <li>the {@linkplain #setBindAddress bind address} ({@code fastcgi.bind-address}) when set: {@code host:port},
 * {@code [ipv6]:port}, {@code unix:/path} or {@code fd:0};</li>
 * <li>else the listening socket inherited on fd 0, when the process was spawned by a web server (lighttpd
 * {@code bin-path}, mod_fcgid, spawn-fcgi);</li>
 * <li>else TCP on {@link #getAddress() address} ({@code server.address}, default {@code 127.0.0.1}: FastCGI has
 * no authentication, so it is never exposed beyond loopback unless asked) and {@link #getPort() port}
 * ({@code server.port}, default {@value ServerConfig#DEFAULT_PORT}, the usual FastCGI port). {@code server.port=0}
 * picks a free port (as {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} does) and {@code server.port=-1}
 * creates the servlet context without listening.</li>
 * </ol>
 * Settings that have no meaning behind a FastCGI web server (SSL, HTTP/2, compression, the server header, JSP,
 * persistent sessions) are reported once at startup rather than silently ignored.
 * <p>
 * <b>Forwarded headers</b> are ignored unless {@linkplain #setUseForwardHeaders turned on}
 * ({@code server.forward-headers-strategy=native}); then {@code X-Forwarded-*} headers are applied only to requests
 * whose REMOTE_ADDR is one of the {@linkplain #setTrustedProxies trusted proxies}, as Tomcat's RemoteIpValve does.
 */
public class FastCgiServletWebServerFactory extends AbstractConfigurableWebServerFactory
		implements ConfigurableServletWebServerFactory {

	private static final Log logger = LogFactory.getLog(FastCgiServletWebServerFactory.class);

	private static final String JSP_SERVLET_CLASS = "org.apache.jasper.servlet.JspServlet";

	private final ServletWebServerSettings settings = new ServletWebServerSettings();

	private final List<FastCgiServerCustomizer> serverCustomizers = new ArrayList<>();

	private final List<ServerListener> serverListeners = new ArrayList<>();

	private final AtomicBoolean unsupportedSettingsReported = new AtomicBoolean();

	private @Nullable BindAddress bindAddress;

	private BooleanSupplier inheritedListenSocket = CgiMode::stdinIsListeningSocket;

	private @Nullable String authorizerPath;

	private boolean useForwardHeaders;

	private List<String> trustedProxies = ForwardedHeaders.DEFAULT_TRUSTED_PROXIES;

	/**
	 * Create a new factory listening on port {@value ServerConfig#DEFAULT_PORT} of the loopback interface unless
	 * told otherwise.
	 */
	public FastCgiServletWebServerFactory() {
		super(ServerConfig.DEFAULT_PORT);
	}

	/**
	 * Create a new factory listening on the given TCP port of the loopback interface unless told otherwise.
	 * @param port the port
	 */
	public FastCgiServletWebServerFactory(int port) {
		super(port);
	}

	@Override
	public ServletWebServerSettings getSettings() {
		return this.settings;
	}

	/**
	 * Set the address to listen on, overriding {@code server.address}/{@code server.port} and an inherited socket.
	 * @param bindAddress the address, or {@code null} to derive it
	 */
	public void setBindAddress(@Nullable BindAddress bindAddress) {
		this.bindAddress = bindAddress;
	}

	/**
	 * The explicitly configured address, if any.
	 * @return the bind address or {@code null}
	 */
	public @Nullable BindAddress getBindAddress() {
		return this.bindAddress;
	}

	/**
	 * Set the context-relative path AUTHORIZER-role requests are dispatched to ({@code fastcgi.authorizer-path}).
	 * @param authorizerPath the path, e.g. {@code /fastcgi/authorize}, or {@code null} to dispatch them to their own
	 * URI
	 * @see ContainerSettings#setAuthorizerPath(String)
	 */
	public void setAuthorizerPath(@Nullable String authorizerPath) {
		new ContainerSettings().setAuthorizerPath(authorizerPath);
		this.authorizerPath = authorizerPath;
	}

	/**
	 * The path AUTHORIZER-role requests are dispatched to, if set.
	 * @return the path or {@code null}
	 */
	public @Nullable String getAuthorizerPath() {
		return this.authorizerPath;
	}

	/**
	 * Set whether {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} and {@code -Port} from a
	 * {@linkplain #setTrustedProxies trusted proxy} are applied to the request, as Tomcat's {@code RemoteIpValve}
	 * does ({@code server.forward-headers-strategy=native}). Off by default: REMOTE_ADDR, HTTPS, SERVER_NAME and
	 * SERVER_PORT from the web server are the source of truth.
	 * @param useForwardHeaders whether to apply forwarded headers
	 * @see ForwardedHeaders
	 */
	public void setUseForwardHeaders(boolean useForwardHeaders) {
		this.useForwardHeaders = useForwardHeaders;
	}

	/**
	 * Whether forwarded headers from trusted proxies are applied.
	 * @return whether forwarded headers are applied
	 */
	public boolean isUseForwardHeaders() {
		return this.useForwardHeaders;
	}

	/**
	 * Set the proxies whose forwarded headers are believed when {@linkplain #setUseForwardHeaders forward headers}
	 * are used ({@code fastcgi.forwarded.trusted-proxies}): the web server's REMOTE_ADDR must be one of them, and
	 * {@code X-Forwarded-For} entries that are skip to the next hop.
	 * @param trustedProxies IP literals and CIDR blocks; default {@link ForwardedHeaders#DEFAULT_TRUSTED_PROXIES}
	 * @throws IllegalArgumentException if an entry is not an IP literal or CIDR block
	 */
	public void setTrustedProxies(List<String> trustedProxies) {
		Assert.notNull(trustedProxies, "'trustedProxies' must not be null");
		ForwardedHeaders.of(trustedProxies);
		this.trustedProxies = List.copyOf(trustedProxies);
	}

	/**
	 * The proxies whose forwarded headers are believed.
	 * @return the IP literals and CIDR blocks
	 */
	public List<String> getTrustedProxies() {
		return this.trustedProxies;
	}

	/**
	 * Replace the engine configuration customizers.
	 * @param customizers the customizers, applied in order
	 */
	public void setServerCustomizers(Collection<? extends FastCgiServerCustomizer> customizers) {
		Assert.notNull(customizers, "'customizers' must not be null");
		this.serverCustomizers.clear();
		this.serverCustomizers.addAll(customizers);
	}

	/**
	 * Add engine configuration customizers, applied after those already present.
	 * @param customizers the customizers
	 */
	public void addServerCustomizers(FastCgiServerCustomizer... customizers) {
		Assert.notNull(customizers, "'customizers' must not be null");
		this.serverCustomizers.addAll(Arrays.asList(customizers));
	}

	/**
	 * The engine configuration customizers.
	 * @return the customizers, in order
	 */
	public List<FastCgiServerCustomizer> getServerCustomizers() {
		return List.copyOf(this.serverCustomizers);
	}

	/**
	 * Add engine event listeners, registered with every server this factory creates.
	 * @param listeners the listeners
	 */
	public void addServerListeners(ServerListener... listeners) {
		Assert.notNull(listeners, "'listeners' must not be null");
		this.serverListeners.addAll(Arrays.asList(listeners));
	}

	/**
	 * The engine event listeners.
	 * @return the listeners
	 */
	public List<ServerListener> getServerListeners() {
		return List.copyOf(this.serverListeners);
	}

	/**
	 * Whether to listen on a socket inherited on fd 0 when no bind address is set (default true). A second server
	 * in the same process (actuator's management server) must not.
	 * @param useInheritedListenSocket whether to detect and use the inherited socket
	 */
	public void setUseInheritedListenSocket(boolean useInheritedListenSocket) {
		this.inheritedListenSocket = useInheritedListenSocket ? CgiMode::stdinIsListeningSocket : () -> false;
	}

	void setInheritedListenSocket(BooleanSupplier inheritedListenSocket) {
		this.inheritedListenSocket = inheritedListenSocket;
	}

	@Override
	public WebServer getWebServer(ServletContextInitializer... initializers) {
		reportUnsupportedSettings();
		ServerConfig config = createServerConfig();
		FastCgiServletContainer container = new FastCgiServletContainer(createContainerSettings());
		ServletContext servletContext = container.getServletContext();
		try {
			for (ServletContextInitializer initializer : ServletContextInitializers.from(this.settings,
					initializers)) {
				initializer.onStartup(servletContext);
			}
			for (String listenerClassName : this.settings.getWebListenerClassNames()) {
				servletContext.addListener(listenerClassName);
			}
			container.start();
		}
		catch (ServletException | RuntimeException ex) {
			stopSilently(container);
			if (ex instanceof WebServerException webServerException) {
				throw webServerException;
			}
			throw new WebServerException("Unable to start embedded FastCGI servlet container", ex);
		}
		FastCgiWebServer webServer;
		try {
			webServer = new FastCgiWebServer(config, container, getShutdown(), isAutoStart(config));
		}
		catch (IllegalArgumentException ex) {
			stopSilently(container);
			InvalidFastCgiPropertyException invalid = InvalidFastCgiPropertyException.fromEngine(ex);
			throw (invalid != null) ? invalid : ex;
		}
		this.serverListeners.forEach(webServer::addListener);
		return webServer;
	}

	private boolean isAutoStart(ServerConfig config) {
		return !(config.bindAddress() instanceof BindAddress.Tcp) || getPort() >= 0 || this.bindAddress != null;
	}

	private void stopSilently(FastCgiServletContainer container) {
		try {
			container.stop();
		}
		catch (Exception ex) {
			// Ignore
		}
	}

	/**
	 * Build the engine configuration: the resolved bind address, then every customizer in order.
	 * @return the configuration
	 * @throws InvalidFastCgiPropertyException when a value is out of range or the bind address is unusable
	 */
	public ServerConfig createServerConfig() {
		ServerConfig.Builder builder = ServerConfig.builder();
		builder.bindAddress(resolveBindAddress());
		for (FastCgiServerCustomizer customizer : this.serverCustomizers) {
			customizer.customize(builder);
		}
		ServerConfig config;
		try {
			config = builder.build();
		}
		catch (IllegalArgumentException ex) {
			InvalidFastCgiPropertyException invalid = InvalidFastCgiPropertyException.fromEngine(ex);
			throw (invalid != null) ? invalid : ex;
		}
		checkUnixSocketDirectory(config.bindAddress());
		return config;
	}

	/**
	 * The address the server will listen on, following the precedence in the class documentation.
	 * @return the bind address
	 */
	public BindAddress resolveBindAddress() {
		if (this.bindAddress != null) {
			return this.bindAddress;
		}
		if (this.inheritedListenSocket.getAsBoolean()) {
			return new BindAddress.Inherited();
		}
		InetAddress address = getAddress();
		String host = (address != null) ? address.getHostAddress() : "127.0.0.1";
		return new BindAddress.Tcp(host, Math.max(getPort(), 0));
	}

	private void checkUnixSocketDirectory(BindAddress bindAddress) {
		if (bindAddress instanceof BindAddress.Unix unix) {
			Path directory = unix.path().toAbsolutePath().getParent();
			if (directory != null && !Files.isDirectory(directory)) {
				throw new InvalidFastCgiPropertyException("fastcgi.bind-address", bindAddress,
						"the socket's directory " + directory + " does not exist",
						"Create " + directory + " (writable by this process; with systemd use RuntimeDirectory=)"
								+ " or point fastcgi.bind-address at a socket in an existing directory.");
			}
		}
	}

	private ContainerSettings createContainerSettings() {
		ContainerSettings container = new ContainerSettings();
		PropertyMapper map = PropertyMapper.get();
		container.setContextPath(this.settings.getContextPath().toString());
		map.from(this.settings::getDisplayName).to(container::setDisplayName);
		map.from(getValidDocumentRoot()).as(File::toPath).to(container::setDocumentRoot);
		container.setTempDirectory(createTempDir("fastcgi").toPath());
		container.setRegisterDefaultServlet(this.settings.isRegisterDefaultServlet());
		container.getInitParameters().putAll(this.settings.getInitParameters());
		for (MimeMappings.Mapping mapping : this.settings.getMimeMappings()) {
			container.getMimeMappings().put(mapping.getExtension(), mapping.getMimeType());
		}
		container.getLocaleCharsetMappings().putAll(this.settings.getLocaleCharsetMappings());
		for (ErrorPage errorPage : getErrorPages()) {
			container.getErrorPages()
				.add(new ContainerSettings.ErrorPageMapping(errorPage.getStatusCode(), errorPage.getException(),
						errorPage.getPath()));
		}
		container.setAuthorizerPath(this.authorizerPath);
		if (this.useForwardHeaders) {
			container.setForwardedHeaders(ForwardedHeaders.of(this.trustedProxies));
		}
		configureSession(container, this.settings.getSession());
		container.setCookieSameSite(cookieSameSite(this.settings.getCookieSameSiteSuppliers()));
		return container;
	}

	private @Nullable File getValidDocumentRoot() {
		DocumentRoot documentRoot = new DocumentRoot(logger);
		documentRoot.setDirectory(this.settings.getDocumentRoot());
		return documentRoot.getValidDirectory();
	}

	private void configureSession(ContainerSettings container, Session session) {
		PropertyMapper map = PropertyMapper.get();
		map.from(session::getTimeout).to(container::setSessionTimeout);
		org.springframework.boot.web.server.Cookie cookie = session.getCookie();
		map.from(cookie::getName).to(container::setSessionCookieName);
		map.from(cookie::getPath).to(container::setSessionCookiePath);
		map.from(cookie::getDomain).to(container::setSessionCookieDomain);
		map.from(cookie::getSecure).to(container::setSessionCookieSecure);
		map.from(cookie::getHttpOnly).to(container::setSessionCookieHttpOnly);
		map.from(cookie::getMaxAge).to(container::setSessionCookieMaxAge);
		map.from(cookie::getSameSite)
			.as(org.springframework.boot.web.server.Cookie.SameSite::attributeValue)
			.to(container::setSessionCookieSameSite);
		map.from(session::getTrackingModes).as(this::trackingModes).to(container::setSessionTrackingModes);
	}

	private Set<SessionTrackingMode> trackingModes(Set<Session.SessionTrackingMode> modes) {
		Set<SessionTrackingMode> result = new LinkedHashSet<>();
		for (Session.SessionTrackingMode mode : modes) {
			result.add(SessionTrackingMode.valueOf(mode.name()));
		}
		return result.isEmpty() ? EnumSet.noneOf(SessionTrackingMode.class) : EnumSet.copyOf(result);
	}

	private Function<Cookie, @Nullable String> cookieSameSite(List<? extends CookieSameSiteSupplier> suppliers) {
		List<CookieSameSiteSupplier> copy = List.copyOf(suppliers);
		return (cookie) -> {
			for (CookieSameSiteSupplier supplier : copy) {
				org.springframework.boot.web.server.Cookie.SameSite sameSite = supplier.getSameSite(cookie);
				if (sameSite != null) {
					return sameSite.attributeValue();
				}
			}
			return null;
		};
	}

	private void reportUnsupportedSettings() {
		if (!this.unsupportedSettingsReported.compareAndSet(false, true)) {
			return;
		}
		if (Ssl.isEnabled(getSsl())) {
			logger.warn("server.ssl is ignored: FastCGI carries no TLS. Terminate TLS in the web server in front"
					+ " (it passes HTTPS=on, so request.isSecure() stays correct)");
		}
		Http2 http2 = getHttp2();
		if (http2 != null && http2.isEnabled()) {
			logger.info("server.http2.enabled is ignored: HTTP/2 is spoken by the web server in front;"
					+ " FastCGI requests arrive the same way whatever the client's protocol");
		}
		Compression compression = getCompression();
		if (compression != null && compression.getEnabled()) {
			logger.warn("server.compression is ignored by the FastCGI server: enable compression in the web server"
					+ " in front (nginx 'gzip on;', Apache mod_deflate)");
		}
		if (getServerHeader() != null) {
			logger.info("server.server-header is ignored: the web server in front sets the Server header");
		}
		Jsp jsp = this.settings.getJsp();
		if (jsp != null && jsp.getRegistered() && ClassUtils.isPresent(JSP_SERVLET_CLASS, getClass().getClassLoader())) {
			logger.warn("JSP is not supported by the FastCGI servlet container; JSP pages will not be served");
		}
		if (this.useForwardHeaders && ForwardedHeaders.of(this.trustedProxies).trustsNobody()) {
			logger.warn("server.forward-headers-strategy=native has no effect: fastcgi.forwarded.trusted-proxies is"
					+ " empty, so X-Forwarded-* headers are never applied. List the addresses of the proxies in front"
					+ " of the web server there, or set server.forward-headers-strategy=none");
		}
		Session session = this.settings.getSession();
		if (session.isPersistent()) {
			logger.warn("server.servlet.session.persistent is ignored: the FastCGI servlet container keeps sessions"
					+ " in memory only");
		}
	}

}
