package dev.fastcgi.servlet;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletSecurityElement;

/**
 * A registered servlet: its registration data and its lazily initialized instance.
 */
final class ServletHolder extends RegistrationHolder implements ServletRegistration.Dynamic, ServletConfig {

	private final Class<? extends Servlet> servletClass;

	private volatile Servlet servlet;

	private final Set<String> mappings = new LinkedHashSet<>();

	private int loadOnStartup = -1;

	private volatile MultipartConfigElement multipartConfig;

	private String runAsRole;

	private volatile boolean initialized;

	private final int order;

	ServletHolder(FastCgiServletContext context, String name, Servlet servlet, Class<? extends Servlet> servletClass,
			int order) {
		super(context, name);
		this.servlet = servlet;
		this.servletClass = (servlet != null) ? servlet.getClass() : servletClass;
		this.order = order;
	}

	/** The servlet, initialized on first use. */
	Servlet getServlet() throws ServletException {
		if (!this.initialized) {
			initialize();
		}
		return this.servlet;
	}

	synchronized void initialize() throws ServletException {
		if (this.initialized) {
			return;
		}
		if (this.servlet == null) {
			this.servlet = this.context.createServlet(this.servletClass);
		}
		this.servlet.init(this);
		this.initialized = true;
	}

	synchronized void destroy() {
		if (this.initialized) {
			this.initialized = false;
			try {
				this.servlet.destroy();
			}
			catch (RuntimeException ex) {
				this.context.log("Servlet " + this.name + " failed to destroy", ex);
			}
		}
	}

	int getLoadOnStartup() {
		return this.loadOnStartup;
	}

	int getOrder() {
		return this.order;
	}

	MultipartConfigElement getMultipartConfig() {
		return this.multipartConfig;
	}

	@Override
	public String getServletName() {
		return this.name;
	}

	@Override
	public String getClassName() {
		return this.servletClass.getName();
	}

	@Override
	public Set<String> addMapping(String... urlPatterns) {
		this.context.checkNotStarted();
		if (urlPatterns == null || urlPatterns.length == 0) {
			throw new IllegalArgumentException("URL patterns must not be empty");
		}
		Set<String> conflicts = this.context.conflictingMappings(this, urlPatterns);
		if (conflicts.isEmpty()) {
			Collections.addAll(this.mappings, urlPatterns);
			this.context.mappingsChanged();
		}
		return conflicts;
	}

	Set<String> mappingSet() {
		return this.mappings;
	}

	@Override
	public Collection<String> getMappings() {
		return Collections.unmodifiableSet(new LinkedHashSet<>(this.mappings));
	}

	@Override
	public String getRunAsRole() {
		return this.runAsRole;
	}

	@Override
	public void setLoadOnStartup(int loadOnStartup) {
		this.context.checkNotStarted();
		this.loadOnStartup = loadOnStartup;
	}

	@Override
	public Set<String> setServletSecurity(ServletSecurityElement constraint) {
		this.context.checkNotStarted();
		if (constraint == null) {
			throw new IllegalArgumentException("Constraint must not be null");
		}
		// The web server (or Spring Security) enforces access; declarative constraints are not supported.
		return Collections.emptySet();
	}

	@Override
	public void setMultipartConfig(MultipartConfigElement multipartConfig) {
		this.context.checkNotStarted();
		if (multipartConfig == null) {
			throw new IllegalArgumentException("Multipart config must not be null");
		}
		this.multipartConfig = multipartConfig;
	}

	@Override
	public void setRunAsRole(String roleName) {
		this.context.checkNotStarted();
		this.runAsRole = roleName;
	}

	@Override
	public String toString() {
		return "Servlet '" + this.name + "' (" + getClassName() + ")";
	}

}
