package dev.fastcgi.bench.soak;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A servlet filter in front of every request: marks the response with {@value #HEADER} (the soak script checks it)
 * and counts the requests it saw.
 */
@Component
public class SoakFilter extends OncePerRequestFilter {

	/** The response header this filter adds. */
	public static final String HEADER = "X-Soak-Filter";

	private final AtomicLong requests = new AtomicLong();

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		this.requests.incrementAndGet();
		response.setHeader(HEADER, "1");
		chain.doFilter(request, response);
	}

	/**
	 * Return the number of requests that went through this filter.
	 * @return the count
	 */
	public long getRequests() {
		return this.requests.get();
	}

}
