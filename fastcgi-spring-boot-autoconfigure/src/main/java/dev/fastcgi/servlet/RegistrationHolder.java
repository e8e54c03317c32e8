package dev.fastcgi.servlet;

import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.ServletContext;

/**
 * What a registered servlet and a registered filter share: name, context, init parameters and async support, with
 * the rules of {@code Registration} and {@code ServletConfig}/{@code FilterConfig} (no change after the context
 * started, no null names or values, no overwriting).
 */
abstract class RegistrationHolder {

	final FastCgiServletContext context;

	final String name;

	final Map<String, String> initParameters = new LinkedHashMap<>();

	private volatile boolean asyncSupported;

	RegistrationHolder(FastCgiServletContext context, String name) {
		this.context = context;
		this.name = name;
	}

	boolean isAsyncSupported() {
		return this.asyncSupported;
	}

	public String getName() {
		return this.name;
	}

	public ServletContext getServletContext() {
		return this.context;
	}

	public boolean setInitParameter(String name, String value) {
		this.context.checkNotStarted();
		if (name == null || value == null) {
			throw new IllegalArgumentException("Init parameter name and value must not be null");
		}
		return this.initParameters.putIfAbsent(name, value) == null;
	}

	public String getInitParameter(String name) {
		return this.initParameters.get(name);
	}

	public Enumeration<String> getInitParameterNames() {
		return Collections.enumeration(this.initParameters.keySet());
	}

	public Set<String> setInitParameters(Map<String, String> initParameters) {
		this.context.checkNotStarted();
		Set<String> conflicts = new HashSet<>();
		initParameters.forEach((name, value) -> {
			if (name == null || value == null) {
				throw new IllegalArgumentException("Init parameter name and value must not be null");
			}
			if (this.initParameters.containsKey(name)) {
				conflicts.add(name);
			}
		});
		if (conflicts.isEmpty()) {
			this.initParameters.putAll(initParameters);
		}
		return conflicts;
	}

	public Map<String, String> getInitParameters() {
		return Collections.unmodifiableMap(this.initParameters);
	}

	public void setAsyncSupported(boolean isAsyncSupported) {
		this.context.checkNotStarted();
		this.asyncSupported = isAsyncSupported;
	}

}
