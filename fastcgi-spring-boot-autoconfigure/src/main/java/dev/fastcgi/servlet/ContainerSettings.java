package dev.fastcgi.servlet;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.http.Cookie;

/**
 * What the servlet container needs to know from its host (the Boot factory, or a test): context path, error pages,
 * MIME types, session settings. Mutable; hand it to {@link FastCgiServletContainer} before {@code start()}.
 */
public class ContainerSettings {

	/** An error page: a status code (0 = any), or an exception type (null = any), mapped to a path. */
	public record ErrorPageMapping(int status, Class<? extends Throwable> exception, String path) {

		public boolean isGlobal() {
			return this.status == 0 && this.exception == null;
		}
	}

	private String contextPath = "";

	private String displayName = "application";

	private Path documentRoot;

	private Path tempDirectory;

	private final Map<String, String> initParameters = new LinkedHashMap<>();

	private final Map<String, String> mimeMappings = new LinkedHashMap<>();

	private final Map<Locale, Charset> localeCharsetMappings = new LinkedHashMap<>();

	private final List<ErrorPageMapping> errorPages = new ArrayList<>();

	private Duration sessionTimeout = Duration.ofMinutes(30);

	private String sessionCookieName = "JSESSIONID";

	private String sessionCookiePath;

	private String sessionCookieDomain;

	private Boolean sessionCookieSecure;

	private boolean sessionCookieHttpOnly = true;

	private String sessionCookieSameSite;

	private Duration sessionCookieMaxAge;

	private Set<SessionTrackingMode> sessionTrackingModes = EnumSet.of(SessionTrackingMode.COOKIE);

	private Function<Cookie, String> cookieSameSite = (cookie) -> null;

	private boolean registerDefaultServlet = false;

	/**
	 * The servlet response buffer ({@code getBufferSize()}), 32 KiB as Jetty's (Tomcat's is 8 KiB): a body that fits
	 * gets its Content-Length and leaves with the end of the request, so a 16 KiB body written in 8 KiB chunks takes
	 * two writes to the web server instead of three. It is allocated at a declared Content-Length, or grows from
	 * 1 KiB as needed, so small responses do not pay for it.
	 */
	private int responseBufferSize = 32 * 1024;

	private long maxFormContentSize = 2 * 1024 * 1024;

	private int maxParameterCount = 10000;

	private Duration asyncTimeout = Duration.ofSeconds(30);

	private String authorizerPath;

	private ForwardedHeaders forwardedHeaders;

	public String getContextPath() {
		return this.contextPath;
	}

	/** "" for the root context, else "/path" without a trailing slash. */
	public void setContextPath(String contextPath) {
		this.contextPath = (contextPath == null) ? "" : contextPath;
	}

	public String getDisplayName() {
		return this.displayName;
	}

	public void setDisplayName(String displayName) {
		this.displayName = displayName;
	}

	public Path getDocumentRoot() {
		return this.documentRoot;
	}

	public void setDocumentRoot(Path documentRoot) {
		this.documentRoot = documentRoot;
	}

	public Path getTempDirectory() {
		return this.tempDirectory;
	}

	/** The {@code jakarta.servlet.context.tempdir}; multipart parts go here unless their config says otherwise. */
	public void setTempDirectory(Path tempDirectory) {
		this.tempDirectory = tempDirectory;
	}

	public Map<String, String> getInitParameters() {
		return this.initParameters;
	}

	/** Extension (without dot) to MIME type; overrides the built-in table. */
	public Map<String, String> getMimeMappings() {
		return this.mimeMappings;
	}

	public Map<Locale, Charset> getLocaleCharsetMappings() {
		return this.localeCharsetMappings;
	}

	public List<ErrorPageMapping> getErrorPages() {
		return this.errorPages;
	}

	public Duration getSessionTimeout() {
		return this.sessionTimeout;
	}

	public void setSessionTimeout(Duration sessionTimeout) {
		this.sessionTimeout = sessionTimeout;
	}

	public String getSessionCookieName() {
		return this.sessionCookieName;
	}

	public void setSessionCookieName(String sessionCookieName) {
		this.sessionCookieName = sessionCookieName;
	}

	public String getSessionCookiePath() {
		return this.sessionCookiePath;
	}

	public void setSessionCookiePath(String sessionCookiePath) {
		this.sessionCookiePath = sessionCookiePath;
	}

	public String getSessionCookieDomain() {
		return this.sessionCookieDomain;
	}

	public void setSessionCookieDomain(String sessionCookieDomain) {
		this.sessionCookieDomain = sessionCookieDomain;
	}

	public Boolean getSessionCookieSecure() {
		return this.sessionCookieSecure;
	}

	/** null = secure when the request is (HTTPS=on). */
	public void setSessionCookieSecure(Boolean sessionCookieSecure) {
		this.sessionCookieSecure = sessionCookieSecure;
	}

	public boolean isSessionCookieHttpOnly() {
		return this.sessionCookieHttpOnly;
	}

	public void setSessionCookieHttpOnly(boolean sessionCookieHttpOnly) {
		this.sessionCookieHttpOnly = sessionCookieHttpOnly;
	}

	public String getSessionCookieSameSite() {
		return this.sessionCookieSameSite;
	}

	public void setSessionCookieSameSite(String sessionCookieSameSite) {
		this.sessionCookieSameSite = sessionCookieSameSite;
	}

	public Duration getSessionCookieMaxAge() {
		return this.sessionCookieMaxAge;
	}

	public void setSessionCookieMaxAge(Duration sessionCookieMaxAge) {
		this.sessionCookieMaxAge = sessionCookieMaxAge;
	}

	public Set<SessionTrackingMode> getSessionTrackingModes() {
		return this.sessionTrackingModes;
	}

	public void setSessionTrackingModes(Set<SessionTrackingMode> sessionTrackingModes) {
		this.sessionTrackingModes = sessionTrackingModes;
	}

	public Function<Cookie, String> getCookieSameSite() {
		return this.cookieSameSite;
	}

	/** SameSite value for a response cookie (Boot's CookieSameSiteSupplier chain), or null for none. */
	public void setCookieSameSite(Function<Cookie, String> cookieSameSite) {
		this.cookieSameSite = cookieSameSite;
	}

	public boolean isRegisterDefaultServlet() {
		return this.registerDefaultServlet;
	}

	public void setRegisterDefaultServlet(boolean registerDefaultServlet) {
		this.registerDefaultServlet = registerDefaultServlet;
	}

	public int getResponseBufferSize() {
		return this.responseBufferSize;
	}

	public void setResponseBufferSize(int responseBufferSize) {
		this.responseBufferSize = responseBufferSize;
	}

	public long getMaxFormContentSize() {
		return this.maxFormContentSize;
	}

	/** Largest {@code application/x-www-form-urlencoded} body parsed into parameters (-1 = unlimited). */
	public void setMaxFormContentSize(long maxFormContentSize) {
		this.maxFormContentSize = maxFormContentSize;
	}

	public int getMaxParameterCount() {
		return this.maxParameterCount;
	}

	/** Most query and form parameters parsed per request. */
	public void setMaxParameterCount(int maxParameterCount) {
		this.maxParameterCount = maxParameterCount;
	}

	public Duration getAsyncTimeout() {
		return this.asyncTimeout;
	}

	/** Default timeout of an {@link jakarta.servlet.AsyncContext} (zero or negative = none). */
	public void setAsyncTimeout(Duration asyncTimeout) {
		this.asyncTimeout = asyncTimeout;
	}

	public String getAuthorizerPath() {
		return this.authorizerPath;
	}

	/**
	 * The context-relative path (e.g. {@code /fastcgi/authorize}) that AUTHORIZER requests are dispatched to, so
	 * that one handler mapping authorizes every URI; null (the default) dispatches them to their own REQUEST_URI.
	 * The URI asked about stays available as {@link FastCgiRequests#originalRequestUri}.
	 * @throws IllegalArgumentException if the path does not start with {@code /} or has a query
	 */
	public void setAuthorizerPath(String authorizerPath) {
		if (authorizerPath != null && (!authorizerPath.startsWith("/") || authorizerPath.indexOf('?') >= 0)) {
			throw new IllegalArgumentException(
					"authorizer path '" + authorizerPath + "' must start with '/' and have no query");
		}
		this.authorizerPath = (authorizerPath == null || authorizerPath.isEmpty()) ? null : authorizerPath;
	}

	public ForwardedHeaders getForwardedHeaders() {
		return this.forwardedHeaders;
	}

	/**
	 * Whether and from whom to apply {@code X-Forwarded-*} headers to the request ({@code getRemoteAddr()},
	 * {@code isSecure()}, {@code getServerName()}...), as Tomcat's RemoteIpValve does; null (the default) ignores
	 * them, so that REMOTE_ADDR, HTTPS, SERVER_NAME and SERVER_PORT from the web server are the source of truth.
	 * @param forwardedHeaders the resolver, or null to ignore forwarded headers
	 */
	public void setForwardedHeaders(ForwardedHeaders forwardedHeaders) {
		this.forwardedHeaders = forwardedHeaders;
	}

}
