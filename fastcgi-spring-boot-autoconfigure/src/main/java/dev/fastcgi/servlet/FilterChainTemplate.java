package dev.fastcgi.servlet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * The filters and servlet for one (dispatcher type, path) pair, in the specification's order: URL-pattern mappings
 * first, then servlet-name mappings, each in registration order; a filter appears once. Immutable and cached;
 * {@link #newChain()} makes the per-request cursor.
 *
 * @param filters the filters, in order
 * @param servlet the target servlet
 * @param asyncSupported whether every filter and the servlet support async
 */
record FilterChainTemplate(FilterHolder[] filters, ServletHolder servlet, boolean asyncSupported) {

	static FilterChainTemplate build(List<FilterMapping> mappings, DispatcherType type, ServletHolder servlet,
			String path) {
		List<FilterHolder> selected = new ArrayList<>();
		if (path != null) {
			for (FilterMapping mapping : mappings) {
				if (mapping.dispatcherTypes().contains(type) && mapping.matchesPath(path)
						&& !selected.contains(mapping.filter())) {
					selected.add(mapping.filter());
				}
			}
		}
		for (FilterMapping mapping : mappings) {
			if (mapping.dispatcherTypes().contains(type) && mapping.matchesServlet(servlet.getName())
					&& !selected.contains(mapping.filter())) {
				selected.add(mapping.filter());
			}
		}
		boolean async = servlet.isAsyncSupported();
		for (FilterHolder filter : selected) {
			async &= filter.isAsyncSupported();
		}
		return new FilterChainTemplate(selected.toArray(new FilterHolder[0]), servlet, async);
	}

	FilterChain newChain() {
		return new Chain(this);
	}

	/** Names of the filters, for tests and diagnostics. */
	List<String> filterNames() {
		List<String> names = new ArrayList<>(this.filters.length);
		for (FilterHolder filter : this.filters) {
			names.add(filter.getName());
		}
		return names;
	}

	private static final class Chain implements FilterChain {

		private final FilterChainTemplate template;

		private int position;

		Chain(FilterChainTemplate template) {
			this.template = template;
		}

		@Override
		public void doFilter(ServletRequest request, ServletResponse response) throws IOException, ServletException {
			FilterHolder[] filters = this.template.filters;
			if (this.position < filters.length) {
				FilterHolder filter = filters[this.position++];
				filter.getFilter().doFilter(request, response, this);
				return;
			}
			if (this.position++ > filters.length) {
				throw new IllegalStateException("The filter chain has already reached the servlet");
			}
			this.template.servlet.getServlet().service(request, response);
		}

	}

}
