package dev.fastcgi.boot;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.fastcgi.server.cgi.CgiMode;
import dev.fastcgi.server.cgi.CgiStdout;

/**
 * Switches the application to CGI mode when it was launched as a CGI program: {@code fastcgi.force-cgi=true},
 * {@code FCGI_FORCE_CGI=Y}, or {@code GATEWAY_INTERFACE} set while fd 0 is not a listening socket.
 * <p>
 * Runs after the config data is loaded and before logging is initialized, so that it can keep stdout for the CGI
 * response alone: it {@linkplain CgiStdout#claim() claims} fd 1 and points {@code System.out} (console logging, the
 * banner, stray prints) at stderr. It also turns the banner off, keeps the FastCGI server (and a management server)
 * from listening, and, under a CGI host that mounts the program below its script name
 * ({@code SCRIPT_NAME=/cgi-bin/app}, {@code PATH_INFO=/hello}), uses the script name as the default context path.
 * {@link FastCgiApplicationListener} then serves the one request and exits.
 */
public class CgiModeEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** The property source holding the CGI mode settings. */
	public static final String PROPERTY_SOURCE_NAME = "fastcgiCgiMode";

	/** Set to {@code true} in the environment when the application runs in CGI mode. */
	public static final String CGI_ACTIVE_PROPERTY = "fastcgi.cgi.active";

	private final Map<String, String> env;

	/** Creates a post-processor reading the process environment. */
	public CgiModeEnvironmentPostProcessor() {
		this(System.getenv());
	}

	CgiModeEnvironmentPostProcessor(Map<String, String> env) {
		this.env = env;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		boolean forced = Boolean.TRUE.equals(environment.getProperty("fastcgi.force-cgi", Boolean.class));
		if (environment.containsProperty(CGI_ACTIVE_PROPERTY) || !CgiMode.isCgi(this.env, forced)) {
			return;
		}
		CgiStdout.claim();
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put(CGI_ACTIVE_PROPERTY, "true");
		settings.put("spring.main.banner-mode", "off");
		settings.put("server.port", "-1");
		settings.put("fastcgi.bind-address", "");
		settings.put("management.server.port", "-1");
		environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, settings));
		String contextPath = scriptContextPath(this.env);
		if (contextPath != null) {
			environment.getPropertySources()
				.addLast(new MapPropertySource(PROPERTY_SOURCE_NAME + "Defaults",
						Map.of("server.servlet.context-path", contextPath)));
		}
	}

	/**
	 * The script name when the request URI is the script name followed by a path info, as a CGI host that mounts
	 * the program at a URL sends it; otherwise null.
	 */
	static String scriptContextPath(Map<String, String> env) {
		String script = env.get("SCRIPT_NAME");
		String pathInfo = env.get("PATH_INFO");
		String uri = env.get("REQUEST_URI");
		if (script == null || script.length() < 2 || !script.startsWith("/") || script.endsWith("/")
				|| pathInfo == null || !pathInfo.startsWith("/") || uri == null) {
			return null;
		}
		int query = uri.indexOf('?');
		String path = (query >= 0) ? uri.substring(0, query) : uri;
		return path.startsWith(script + "/") ? script : null;
	}

}
