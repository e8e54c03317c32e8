package dev.fastcgi.servlet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletException;

/**
 * A registered filter: its registration data, its mappings and its instance.
 */
final class FilterHolder extends RegistrationHolder implements FilterRegistration.Dynamic, FilterConfig {

	private final Class<? extends Filter> filterClass;

	private Filter filter;

	private boolean initialized;

	FilterHolder(FastCgiServletContext context, String name, Filter filter, Class<? extends Filter> filterClass) {
		super(context, name);
		this.filter = filter;
		this.filterClass = (filter != null) ? filter.getClass() : filterClass;
	}

	Filter getFilter() {
		return this.filter;
	}

	synchronized void initialize() throws ServletException {
		if (this.initialized) {
			return;
		}
		if (this.filter == null) {
			this.filter = this.context.createFilter(this.filterClass);
		}
		this.filter.init(this);
		this.initialized = true;
	}

	synchronized void destroy() {
		if (this.initialized) {
			this.initialized = false;
			try {
				this.filter.destroy();
			}
			catch (RuntimeException ex) {
				this.context.log("Filter " + this.name + " failed to destroy", ex);
			}
		}
	}

	@Override
	public String getFilterName() {
		return this.name;
	}

	@Override
	public String getClassName() {
		return this.filterClass.getName();
	}

	@Override
	public void addMappingForServletNames(EnumSet<DispatcherType> dispatcherTypes, boolean isMatchAfter,
			String... servletNames) {
		this.context.checkNotStarted();
		if (servletNames == null || servletNames.length == 0) {
			throw new IllegalArgumentException("Servlet names must not be empty");
		}
		this.context.addFilterMapping(
				new FilterMapping(this, List.of(), List.of(servletNames), dispatcherTypes(dispatcherTypes)),
				isMatchAfter);
	}

	@Override
	public Collection<String> getServletNameMappings() {
		List<String> names = new ArrayList<>();
		for (FilterMapping mapping : this.context.filterMappings()) {
			if (mapping.filter() == this) {
				names.addAll(mapping.servletNames());
			}
		}
		return names;
	}

	@Override
	public void addMappingForUrlPatterns(EnumSet<DispatcherType> dispatcherTypes, boolean isMatchAfter,
			String... urlPatterns) {
		this.context.checkNotStarted();
		if (urlPatterns == null || urlPatterns.length == 0) {
			throw new IllegalArgumentException("URL patterns must not be empty");
		}
		for (String pattern : urlPatterns) {
			ServletMapper.checkPattern(pattern);
		}
		this.context.addFilterMapping(
				new FilterMapping(this, List.of(urlPatterns), List.of(), dispatcherTypes(dispatcherTypes)),
				isMatchAfter);
	}

	@Override
	public Collection<String> getUrlPatternMappings() {
		List<String> patterns = new ArrayList<>();
		for (FilterMapping mapping : this.context.filterMappings()) {
			if (mapping.filter() == this) {
				patterns.addAll(mapping.urlPatterns());
			}
		}
		return patterns;
	}

	private static Set<DispatcherType> dispatcherTypes(EnumSet<DispatcherType> types) {
		return (types == null || types.isEmpty()) ? EnumSet.of(DispatcherType.REQUEST) : EnumSet.copyOf(types);
	}

	@Override
	public String toString() {
		return "Filter '" + this.name + "' (" + getClassName() + ")";
	}

}
