package dev.fastcgi.servlet;

import java.util.List;
import java.util.Set;

import jakarta.servlet.DispatcherType;

/**
 * One filter mapping: a filter applied to URL patterns or servlet names, for some dispatcher types.
 *
 * @param filter the filter
 * @param urlPatterns the URL patterns (empty for a servlet-name mapping)
 * @param servletNames the servlet names ({@code *} for all; empty for a URL-pattern mapping)
 * @param dispatcherTypes the dispatcher types the mapping applies to
 */
record FilterMapping(FilterHolder filter, List<String> urlPatterns, List<String> servletNames,
		Set<DispatcherType> dispatcherTypes) {

	/** Whether a URL pattern of this mapping matches the context-relative path. */
	boolean matchesPath(String path) {
		for (String pattern : this.urlPatterns) {
			if (ServletMapper.matches(pattern, path)) {
				return true;
			}
		}
		return false;
	}

	/** Whether this mapping names the servlet. */
	boolean matchesServlet(String servletName) {
		if (servletName == null) {
			return false;
		}
		for (String name : this.servletNames) {
			if (name.equals("*") || name.equals(servletName)) {
				return true;
			}
		}
		return false;
	}

}
