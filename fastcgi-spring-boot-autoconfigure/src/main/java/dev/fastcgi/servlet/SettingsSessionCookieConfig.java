package dev.fastcgi.servlet;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.SessionCookieConfig;

/**
 * The context's {@link SessionCookieConfig}, reading and writing the {@link ContainerSettings} so Boot's
 * initializers and the container see one configuration. Changes are refused once the context has started.
 */
final class SettingsSessionCookieConfig implements SessionCookieConfig {

	private static final String SAME_SITE = "SameSite";

	private final FastCgiServletContext context;

	private final ContainerSettings settings;

	private final Map<String, String> attributes = new LinkedHashMap<>();

	SettingsSessionCookieConfig(FastCgiServletContext context, ContainerSettings settings) {
		this.context = context;
		this.settings = settings;
	}

	@Override
	public void setName(String name) {
		this.context.checkNotStarted();
		this.settings.setSessionCookieName(name);
	}

	@Override
	public String getName() {
		return this.settings.getSessionCookieName();
	}

	@Override
	public void setDomain(String domain) {
		this.context.checkNotStarted();
		this.settings.setSessionCookieDomain(domain);
	}

	@Override
	public String getDomain() {
		return this.settings.getSessionCookieDomain();
	}

	@Override
	public void setPath(String path) {
		this.context.checkNotStarted();
		this.settings.setSessionCookiePath(path);
	}

	@Override
	public String getPath() {
		return this.settings.getSessionCookiePath();
	}

	@Override
	@Deprecated
	public void setComment(String comment) {
		this.context.checkNotStarted();
	}

	@Override
	@Deprecated
	public String getComment() {
		return null;
	}

	@Override
	public void setHttpOnly(boolean httpOnly) {
		this.context.checkNotStarted();
		this.settings.setSessionCookieHttpOnly(httpOnly);
	}

	@Override
	public boolean isHttpOnly() {
		return this.settings.isSessionCookieHttpOnly();
	}

	@Override
	public void setSecure(boolean secure) {
		this.context.checkNotStarted();
		this.settings.setSessionCookieSecure(secure);
	}

	@Override
	public boolean isSecure() {
		return Boolean.TRUE.equals(this.settings.getSessionCookieSecure());
	}

	@Override
	public void setMaxAge(int maxAge) {
		this.context.checkNotStarted();
		this.settings.setSessionCookieMaxAge((maxAge < 0) ? null : Duration.ofSeconds(maxAge));
	}

	@Override
	public int getMaxAge() {
		Duration maxAge = this.settings.getSessionCookieMaxAge();
		return (maxAge != null) ? (int) maxAge.getSeconds() : -1;
	}

	@Override
	public void setAttribute(String name, String value) {
		this.context.checkNotStarted();
		if (name == null || name.isEmpty()) {
			throw new IllegalArgumentException("Cookie attribute name must not be empty");
		}
		if (SAME_SITE.equalsIgnoreCase(name)) {
			this.settings.setSessionCookieSameSite(value);
			return;
		}
		this.attributes.put(name.toLowerCase(Locale.ROOT), value);
	}

	@Override
	public String getAttribute(String name) {
		if (SAME_SITE.equalsIgnoreCase(name)) {
			return this.settings.getSessionCookieSameSite();
		}
		return this.attributes.get(name.toLowerCase(Locale.ROOT));
	}

	@Override
	public Map<String, String> getAttributes() {
		Map<String, String> all = new LinkedHashMap<>(this.attributes);
		if (this.settings.getSessionCookieSameSite() != null) {
			all.put(SAME_SITE, this.settings.getSessionCookieSameSite());
		}
		return Collections.unmodifiableMap(all);
	}

	/** Extra attributes set through {@link #setAttribute} (besides SameSite), for the session cookie. */
	Map<String, String> extraAttributes() {
		return this.attributes;
	}

}
