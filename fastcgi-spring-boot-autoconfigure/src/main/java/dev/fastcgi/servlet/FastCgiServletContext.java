package dev.fastcgi.servlet;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.EventListener;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextAttributeEvent;
import jakarta.servlet.ServletContextAttributeListener;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletRequestAttributeListener;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.descriptor.JspConfigDescriptor;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

import org.springframework.core.log.LogAccessor;
import org.springframework.http.MediaType;
import org.springframework.http.MediaTypeFactory;

/**
 * The {@link ServletContext} of a {@link FastCgiServletContainer}: registrations, listeners, attributes, init
 * parameters, resources (document root, then classpath {@code META-INF/resources}), MIME types and session cookie
 * configuration. Registration methods throw {@link IllegalStateException} once the container has started.
 */
final class FastCgiServletContext implements ServletContext {

	private static final LogAccessor logger = new LogAccessor(FastCgiServletContext.class);

	private static final String RESOURCES = "META-INF/resources";

	private static final int MAX_CACHED_MIME_TYPES = 512;

	private final FastCgiServletContainer container;

	private final ContainerSettings settings;

	private final Map<String, Object> attributes = new ConcurrentHashMap<>();

	private final Map<String, ServletHolder> servlets = new LinkedHashMap<>();

	private final Map<String, FilterHolder> filters = new LinkedHashMap<>();

	private final List<FilterMapping> filterMappingsBefore = new ArrayList<>();

	private final List<FilterMapping> filterMappingsAfter = new ArrayList<>();

	private volatile List<FilterMapping> filterMappings = List.of();

	private volatile ServletMapper mapper = new ServletMapper(List.of());

	final List<ServletContextListener> contextListeners = new CopyOnWriteArrayList<>();

	final List<ServletContextAttributeListener> contextAttributeListeners = new CopyOnWriteArrayList<>();

	final List<ServletRequestListener> requestListeners = new CopyOnWriteArrayList<>();

	final List<ServletRequestAttributeListener> requestAttributeListeners = new CopyOnWriteArrayList<>();

	final List<EventListener> sessionListeners = new CopyOnWriteArrayList<>();

	private final SettingsSessionCookieConfig sessionCookieConfig;

	private final Set<String> declaredRoles = new LinkedHashSet<>();

	private final Map<String, String> mimeTypes = new ConcurrentHashMap<>();

	private volatile boolean started;

	private String requestCharacterEncoding;

	private String responseCharacterEncoding;

	private ClassLoader classLoader;

	FastCgiServletContext(FastCgiServletContainer container, ContainerSettings settings) {
		this.container = container;
		this.settings = settings;
		this.sessionCookieConfig = new SettingsSessionCookieConfig(this, settings);
		this.classLoader = Thread.currentThread().getContextClassLoader();
		if (this.classLoader == null) {
			this.classLoader = FastCgiServletContext.class.getClassLoader();
		}
		this.attributes.put(TEMPDIR, (settings.getTempDirectory() != null) ? settings.getTempDirectory().toFile()
				: new File(System.getProperty("java.io.tmpdir")));
	}

	// Lifecycle and registrations as the container sees them

	void checkNotStarted() {
		if (this.started) {
			throw new IllegalStateException("The ServletContext has already been initialized; "
					+ "servlets, filters, listeners and configuration can only be changed before start");
		}
	}

	void markStarted() {
		this.started = true;
	}

	boolean isStarted() {
		return this.started;
	}

	ContainerSettings settings() {
		return this.settings;
	}

	FastCgiServletContainer container() {
		return this.container;
	}

	ServletMapper mapper() {
		return this.mapper;
	}

	List<FilterMapping> filterMappings() {
		return this.filterMappings;
	}

	Map<String, ServletHolder> servletHolders() {
		return this.servlets;
	}

	Map<String, FilterHolder> filterHolders() {
		return this.filters;
	}

	SettingsSessionCookieConfig sessionCookieConfigInternal() {
		return this.sessionCookieConfig;
	}

	synchronized void addFilterMapping(FilterMapping mapping, boolean isMatchAfter) {
		(isMatchAfter ? this.filterMappingsAfter : this.filterMappingsBefore).add(mapping);
		List<FilterMapping> all = new ArrayList<>(this.filterMappingsBefore);
		all.addAll(this.filterMappingsAfter);
		this.filterMappings = List.copyOf(all);
		this.container.mappingsChanged();
	}

	synchronized void mappingsChanged() {
		this.mapper = new ServletMapper(this.servlets.values());
		this.container.mappingsChanged();
	}

	synchronized Set<String> conflictingMappings(ServletHolder holder, String... patterns) {
		Set<String> conflicts = new LinkedHashSet<>();
		for (String pattern : patterns) {
			ServletMapper.checkPattern(pattern);
			for (ServletHolder other : this.servlets.values()) {
				if (other != holder && other.mappingSet().contains(pattern)) {
					conflicts.add(pattern);
				}
			}
		}
		return conflicts;
	}

	// ServletContext: versions and identity

	@Override
	public String getContextPath() {
		return this.settings.getContextPath();
	}

	@Override
	public ServletContext getContext(String uripath) {
		String contextPath = getContextPath();
		if (uripath != null && uripath.startsWith(contextPath)
				&& (uripath.length() == contextPath.length() || uripath.charAt(contextPath.length()) == '/')) {
			return this;
		}
		return null;
	}

	@Override
	public int getMajorVersion() {
		return 6;
	}

	@Override
	public int getMinorVersion() {
		return 1;
	}

	@Override
	public int getEffectiveMajorVersion() {
		return 6;
	}

	@Override
	public int getEffectiveMinorVersion() {
		return 1;
	}

	@Override
	public String getServerInfo() {
		return "fastcgi-spring-boot";
	}

	@Override
	public String getServletContextName() {
		return this.settings.getDisplayName();
	}

	@Override
	public String getVirtualServerName() {
		return "fastcgi";
	}

	@Override
	public ClassLoader getClassLoader() {
		return this.classLoader;
	}

	void setClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	@Override
	public void declareRoles(String... roleNames) {
		checkNotStarted();
		Collections.addAll(this.declaredRoles, roleNames);
	}

	@Override
	public JspConfigDescriptor getJspConfigDescriptor() {
		return null;
	}

	// MIME types and resources

	@Override
	public String getMimeType(String file) {
		if (file == null) {
			return null;
		}
		int dot = file.lastIndexOf('.');
		if (dot < 0 || dot == file.length() - 1) {
			return null;
		}
		String extension = file.substring(dot + 1).toLowerCase(Locale.ROOT);
		String configured = this.settings.getMimeMappings().get(extension);
		if (configured != null) {
			return configured;
		}
		String cached = this.mimeTypes.get(extension);
		if (cached == null) {
			cached = MediaTypeFactory.getMediaType("f." + extension).map(MediaType::toString).orElse("");
			if (this.mimeTypes.size() < MAX_CACHED_MIME_TYPES) {
				// bounded: extensions come from request paths
				this.mimeTypes.put(extension, cached);
			}
		}
		return cached.isEmpty() ? null : cached;
	}

	@Override
	public URL getResource(String path) throws MalformedURLException {
		if (path == null || !path.startsWith("/")) {
			throw new MalformedURLException("Resource path must start with '/': " + path);
		}
		String normalized = CgiRequestMapping.removeDotSegments(path);
		if (normalized == null) {
			return null;
		}
		Path file = resolveInDocumentRoot(normalized);
		if (file != null && Files.exists(file)) {
			return file.toUri().toURL();
		}
		String name = RESOURCES + normalized;
		if (name.endsWith("/")) {
			name = name.substring(0, name.length() - 1);
		}
		return this.classLoader.getResource(name);
	}

	@Override
	public InputStream getResourceAsStream(String path) {
		try {
			URL url = getResource(path);
			return (url != null) ? url.openStream() : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	@Override
	public Set<String> getResourcePaths(String path) {
		if (path == null || !path.startsWith("/")) {
			return null;
		}
		String normalized = CgiRequestMapping.removeDotSegments(path);
		if (normalized == null) {
			return null;
		}
		String dir = normalized.endsWith("/") ? normalized : normalized + "/";
		Set<String> result = new LinkedHashSet<>();
		Path root = resolveInDocumentRoot(dir);
		if (root != null && Files.isDirectory(root)) {
			listDirectory(root, dir, result);
		}
		try {
			Enumeration<URL> urls = this.classLoader.getResources(RESOURCES + dir);
			while (urls.hasMoreElements()) {
				listClasspath(urls.nextElement(), dir, result);
			}
		}
		catch (IOException ex) {
			logger.debug(ex, "Cannot list classpath resources under " + dir);
		}
		return result.isEmpty() ? null : result;
	}

	private static void listDirectory(Path directory, String dir, Set<String> result) {
		try (Stream<Path> children = Files.list(directory)) {
			children.forEach((child) -> result
				.add(dir + child.getFileName() + (Files.isDirectory(child) ? "/" : "")));
		}
		catch (IOException ex) {
			logger.debug(ex, "Cannot list " + directory);
		}
	}

	private static void listClasspath(URL url, String dir, Set<String> result) throws IOException {
		if ("file".equals(url.getProtocol())) {
			try {
				listDirectory(new File(url.toURI()).toPath(), dir, result);
			}
			catch (URISyntaxException ex) {
				logger.debug(ex, "Bad resource URL " + url);
			}
			return;
		}
		URLConnection connection = url.openConnection();
		if (connection instanceof JarURLConnection jar) {
			jar.setUseCaches(false);
			String prefix = RESOURCES + dir;
			try (JarFile file = jar.getJarFile()) {
				Enumeration<JarEntry> entries = file.entries();
				while (entries.hasMoreElements()) {
					String name = entries.nextElement().getName();
					if (name.startsWith(prefix) && name.length() > prefix.length()) {
						String rest = name.substring(prefix.length());
						int slash = rest.indexOf('/');
						if (slash < 0 || slash == rest.length() - 1) {
							result.add(dir + rest);
						}
					}
				}
			}
		}
	}

	@Override
	public String getRealPath(String path) {
		if (path == null || this.settings.getDocumentRoot() == null) {
			return null;
		}
		String normalized = CgiRequestMapping.removeDotSegments(path.startsWith("/") ? path : "/" + path);
		Path file = (normalized != null) ? resolveInDocumentRoot(normalized) : null;
		return (file != null) ? file.toString() : null;
	}

	/** The file for a normalized path in the document root, or null if none or the path escapes the root. */
	private Path resolveInDocumentRoot(String normalized) {
		Path root = this.settings.getDocumentRoot();
		if (root == null) {
			return null;
		}
		root = root.toAbsolutePath().normalize();
		Path file = root.resolve(normalized.substring(1)).normalize();
		if (!file.startsWith(root)) {
			return null;
		}
		try {
			if (Files.exists(file) && !file.toRealPath().startsWith(root.toRealPath())) {
				return null;
			}
		}
		catch (IOException ex) {
			return null;
		}
		return file;
	}

	// Dispatchers

	@Override
	public RequestDispatcher getRequestDispatcher(String path) {
		if (path == null) {
			return null;
		}
		if (!path.startsWith("/")) {
			throw new IllegalArgumentException("Path '" + path + "' must start with '/'");
		}
		return new FastCgiRequestDispatcher(this.container, path);
	}

	@Override
	public RequestDispatcher getNamedDispatcher(String name) {
		ServletHolder holder = (name != null) ? this.servlets.get(name) : null;
		return (holder != null) ? new FastCgiRequestDispatcher(this.container, holder) : null;
	}

	// Logging

	@Override
	public void log(String msg) {
		logger.info(msg);
	}

	@Override
	public void log(String message, Throwable throwable) {
		logger.error(throwable, message);
	}

	// Init parameters and attributes

	@Override
	public String getInitParameter(String name) {
		if (name == null) {
			throw new NullPointerException("Init parameter name must not be null");
		}
		return this.settings.getInitParameters().get(name);
	}

	@Override
	public Enumeration<String> getInitParameterNames() {
		return Collections.enumeration(new ArrayList<>(this.settings.getInitParameters().keySet()));
	}

	@Override
	public boolean setInitParameter(String name, String value) {
		checkNotStarted();
		if (name == null) {
			throw new NullPointerException("Init parameter name must not be null");
		}
		return this.settings.getInitParameters().putIfAbsent(name, value) == null;
	}

	@Override
	public Object getAttribute(String name) {
		if (name == null) {
			throw new NullPointerException("Attribute name must not be null");
		}
		return this.attributes.get(name);
	}

	@Override
	public Enumeration<String> getAttributeNames() {
		return Collections.enumeration(new ArrayList<>(this.attributes.keySet()));
	}

	@Override
	public void setAttribute(String name, Object object) {
		if (name == null) {
			throw new NullPointerException("Attribute name must not be null");
		}
		if (object == null) {
			removeAttribute(name);
			return;
		}
		Object old = this.attributes.put(name, object);
		if (!this.contextAttributeListeners.isEmpty()) {
			ServletContextAttributeEvent event = new ServletContextAttributeEvent(this, name,
					(old != null) ? old : object);
			for (ServletContextAttributeListener listener : this.contextAttributeListeners) {
				if (old != null) {
					listener.attributeReplaced(event);
				}
				else {
					listener.attributeAdded(event);
				}
			}
		}
	}

	@Override
	public void removeAttribute(String name) {
		Object old = this.attributes.remove(name);
		if (old != null && !this.contextAttributeListeners.isEmpty()) {
			ServletContextAttributeEvent event = new ServletContextAttributeEvent(this, name, old);
			for (ServletContextAttributeListener listener : this.contextAttributeListeners) {
				listener.attributeRemoved(event);
			}
		}
	}

	// Servlets

	@Override
	public ServletRegistration.Dynamic addServlet(String servletName, String className) {
		return addServlet(servletName, loadClass(className, Servlet.class));
	}

	@Override
	public ServletRegistration.Dynamic addServlet(String servletName, Servlet servlet) {
		if (servlet == null) {
			throw new IllegalArgumentException("Servlet must not be null");
		}
		return addServletHolder(servletName, servlet, null);
	}

	@Override
	public ServletRegistration.Dynamic addServlet(String servletName, Class<? extends Servlet> servletClass) {
		if (servletClass == null) {
			throw new IllegalArgumentException("Servlet class must not be null");
		}
		return addServletHolder(servletName, null, servletClass);
	}

	private synchronized ServletRegistration.Dynamic addServletHolder(String name, Servlet servlet,
			Class<? extends Servlet> servletClass) {
		checkNotStarted();
		checkName(name, "Servlet");
		if (this.servlets.containsKey(name)) {
			return null;
		}
		ServletHolder holder = new ServletHolder(this, name, servlet, servletClass, this.servlets.size());
		this.servlets.put(name, holder);
		return holder;
	}

	@Override
	public ServletRegistration.Dynamic addJspFile(String servletName, String jspFile) {
		throw new UnsupportedOperationException("JSP is not supported by the FastCGI servlet container");
	}

	@Override
	public <T extends Servlet> T createServlet(Class<T> clazz) throws ServletException {
		return instantiate(clazz);
	}

	@Override
	public ServletRegistration getServletRegistration(String servletName) {
		return this.servlets.get(servletName);
	}

	@Override
	public Map<String, ? extends ServletRegistration> getServletRegistrations() {
		return Collections.unmodifiableMap(new LinkedHashMap<>(this.servlets));
	}

	// Filters

	@Override
	public FilterRegistration.Dynamic addFilter(String filterName, String className) {
		return addFilter(filterName, loadClass(className, Filter.class));
	}

	@Override
	public FilterRegistration.Dynamic addFilter(String filterName, Filter filter) {
		if (filter == null) {
			throw new IllegalArgumentException("Filter must not be null");
		}
		return addFilterHolder(filterName, filter, null);
	}

	@Override
	public FilterRegistration.Dynamic addFilter(String filterName, Class<? extends Filter> filterClass) {
		if (filterClass == null) {
			throw new IllegalArgumentException("Filter class must not be null");
		}
		return addFilterHolder(filterName, null, filterClass);
	}

	private synchronized FilterRegistration.Dynamic addFilterHolder(String name, Filter filter,
			Class<? extends Filter> filterClass) {
		checkNotStarted();
		checkName(name, "Filter");
		if (this.filters.containsKey(name)) {
			return null;
		}
		FilterHolder holder = new FilterHolder(this, name, filter, filterClass);
		this.filters.put(name, holder);
		return holder;
	}

	@Override
	public <T extends Filter> T createFilter(Class<T> clazz) throws ServletException {
		return instantiate(clazz);
	}

	@Override
	public FilterRegistration getFilterRegistration(String filterName) {
		return this.filters.get(filterName);
	}

	@Override
	public Map<String, ? extends FilterRegistration> getFilterRegistrations() {
		return Collections.unmodifiableMap(new LinkedHashMap<>(this.filters));
	}

	// Listeners

	@Override
	public void addListener(String className) {
		addListener(loadClass(className, EventListener.class));
	}

	@Override
	public <T extends EventListener> void addListener(T listener) {
		checkNotStarted();
		if (listener == null) {
			throw new IllegalArgumentException("Listener must not be null");
		}
		boolean known = false;
		if (listener instanceof ServletContextListener l) {
			this.contextListeners.add(l);
			known = true;
		}
		if (listener instanceof ServletContextAttributeListener l) {
			this.contextAttributeListeners.add(l);
			known = true;
		}
		if (listener instanceof ServletRequestListener l) {
			this.requestListeners.add(l);
			known = true;
		}
		if (listener instanceof ServletRequestAttributeListener l) {
			this.requestAttributeListeners.add(l);
			known = true;
		}
		if (listener instanceof HttpSessionListener || listener instanceof HttpSessionAttributeListener
				|| listener instanceof HttpSessionIdListener) {
			this.sessionListeners.add(listener);
			known = true;
		}
		if (!known) {
			throw new IllegalArgumentException("Unsupported listener type " + listener.getClass().getName());
		}
	}

	@Override
	public void addListener(Class<? extends EventListener> listenerClass) {
		try {
			addListener(createListener(listenerClass));
		}
		catch (ServletException ex) {
			throw new IllegalArgumentException("Cannot create listener " + listenerClass.getName(), ex);
		}
	}

	@Override
	public <T extends EventListener> T createListener(Class<T> clazz) throws ServletException {
		if (!ServletContextListener.class.isAssignableFrom(clazz)
				&& !ServletContextAttributeListener.class.isAssignableFrom(clazz)
				&& !ServletRequestListener.class.isAssignableFrom(clazz)
				&& !ServletRequestAttributeListener.class.isAssignableFrom(clazz)
				&& !HttpSessionListener.class.isAssignableFrom(clazz)
				&& !HttpSessionAttributeListener.class.isAssignableFrom(clazz)
				&& !HttpSessionIdListener.class.isAssignableFrom(clazz)) {
			throw new IllegalArgumentException("Unsupported listener type " + clazz.getName());
		}
		return instantiate(clazz);
	}

	// Sessions and encodings

	@Override
	public SessionCookieConfig getSessionCookieConfig() {
		return this.sessionCookieConfig;
	}

	@Override
	public void setSessionTrackingModes(Set<SessionTrackingMode> sessionTrackingModes) {
		checkNotStarted();
		if (sessionTrackingModes.contains(SessionTrackingMode.SSL)) {
			throw new IllegalArgumentException("SSL session tracking is not supported over FastCGI");
		}
		this.settings.setSessionTrackingModes(Set.copyOf(sessionTrackingModes));
	}

	@Override
	public Set<SessionTrackingMode> getDefaultSessionTrackingModes() {
		return Set.of(SessionTrackingMode.COOKIE, SessionTrackingMode.URL);
	}

	@Override
	public Set<SessionTrackingMode> getEffectiveSessionTrackingModes() {
		return Collections.unmodifiableSet(this.settings.getSessionTrackingModes());
	}

	@Override
	public int getSessionTimeout() {
		return (int) this.settings.getSessionTimeout().toMinutes();
	}

	@Override
	public void setSessionTimeout(int sessionTimeout) {
		checkNotStarted();
		this.settings.setSessionTimeout(java.time.Duration.ofMinutes(sessionTimeout));
	}

	@Override
	public String getRequestCharacterEncoding() {
		return this.requestCharacterEncoding;
	}

	@Override
	public void setRequestCharacterEncoding(String encoding) {
		checkNotStarted();
		this.requestCharacterEncoding = encoding;
	}

	@Override
	public String getResponseCharacterEncoding() {
		return this.responseCharacterEncoding;
	}

	@Override
	public void setResponseCharacterEncoding(String encoding) {
		checkNotStarted();
		this.responseCharacterEncoding = encoding;
	}

	// Helpers

	private static void checkName(String name, String kind) {
		if (name == null || name.isEmpty()) {
			throw new IllegalArgumentException(kind + " name must not be empty");
		}
	}

	@SuppressWarnings("unchecked")
	private <T> Class<? extends T> loadClass(String className, Class<T> type) {
		try {
			Class<?> clazz = Class.forName(className, false, this.classLoader);
			if (!type.isAssignableFrom(clazz)) {
				throw new IllegalArgumentException(className + " is not a " + type.getName());
			}
			return (Class<? extends T>) clazz;
		}
		catch (ClassNotFoundException ex) {
			throw new IllegalArgumentException("Class " + className + " not found", ex);
		}
	}

	private static <T> T instantiate(Class<T> clazz) throws ServletException {
		try {
			return clazz.getDeclaredConstructor().newInstance();
		}
		catch (ReflectiveOperationException ex) {
			throw new ServletException("Cannot instantiate " + clazz.getName(), ex);
		}
	}

	Map<String, Object> attributesView() {
		return new HashMap<>(this.attributes);
	}

}
