package dev.fastcgi.servlet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.log.LogAccessor;

import dev.fastcgi.protocol.Role;
import dev.fastcgi.server.FastCgiExchange;
import dev.fastcgi.server.FastCgiHandler;
import dev.fastcgi.servlet.CgiRequestMapping.CgiRequest;
import dev.fastcgi.servlet.session.SessionManager;

/**
 * The servlet container: a {@link ServletContext} that collects servlets, filters and listeners (registered by
 * Boot's initializers or directly), and a {@link FastCgiHandler} that turns each FastCGI request into a servlet
 * request run through the filter chain into the mapped servlet.
 * <p>
 * Lifecycle: construct; register against {@link #getServletContext()}; {@link #start()} (context listeners,
 * filter init, load-on-startup servlets); serve; {@link #stop()} (destroy in reverse order, invalidate sessions).
 */
public class FastCgiServletContainer implements FastCgiHandler {

	/**
	 * Request attribute holding every raw FastCGI param of the request (extra environ merged in) as an immutable
	 * {@code Map<String, String>}.
	 */
	public static final String PARAMS_ATTRIBUTE = "dev.fastcgi.params";

	private static final LogAccessor logger = new LogAccessor(FastCgiServletContainer.class);

	private static final int MAX_CACHED_CHAINS = 4096;

	private enum State {

		NEW, STARTED, STOPPED

	}

	/**
	 * A resolved dispatch target.
	 *
	 * @param match the servlet mapping, or null if no servlet is mapped
	 * @param path the decoded context-relative path
	 * @param requestUri the raw request URI (with context path)
	 * @param queryString the query of the dispatch path, or null
	 */
	record Target(ServletMapper.Match match, String path, String requestUri, String queryString) {
	}

	private final ContainerSettings settings;

	private final FastCgiServletContext context;

	private final ErrorPageHandler errors;

	private final Map<DispatcherType, Map<String, FilterChainTemplate>> chains = new EnumMap<>(DispatcherType.class);

	private volatile State state = State.NEW;

	private volatile SessionManager sessionManager;

	private volatile ExecutorService asyncExecutor;

	private volatile ScheduledExecutorService timer;

	/**
	 * Creates a container.
	 * @param settings the settings; may still be changed until {@link #start()}
	 */
	public FastCgiServletContainer(ContainerSettings settings) {
		this.settings = settings;
		this.context = new FastCgiServletContext(this, settings);
		this.errors = new ErrorPageHandler(this);
		for (DispatcherType type : DispatcherType.values()) {
			this.chains.put(type, new ConcurrentHashMap<>());
		}
	}

	/** The servlet context to register servlets, filters and listeners with before {@link #start()}. */
	public ServletContext getServletContext() {
		return this.context;
	}

	FastCgiServletContext getContext() {
		return this.context;
	}

	ContainerSettings settings() {
		return this.settings;
	}

	SessionManager sessionManager() {
		SessionManager manager = this.sessionManager;
		if (manager == null) {
			throw new IllegalStateException("The servlet container has not been started");
		}
		return manager;
	}

	/** Active HTTP sessions (0 before start). */
	public int activeSessions() {
		SessionManager manager = this.sessionManager;
		return (manager != null) ? manager.activeSessions() : 0;
	}

	// Lifecycle

	/**
	 * Starts the context: session manager, {@code ServletContextListener.contextInitialized} in registration order,
	 * filter {@code init}, then servlets with a load-on-startup value (ascending). Idempotent.
	 * @throws ServletException if a filter or servlet fails to initialize
	 */
	public synchronized void start() throws ServletException {
		if (this.state != State.NEW) {
			return;
		}
		if (this.settings.isRegisterDefaultServlet() && this.context.getServletRegistration("default") == null) {
			this.context.addServlet("default", new DefaultServlet()).addMapping("/");
		}
		SessionManager manager = new SessionManager(this.context, this.settings.getSessionTimeout());
		this.context.sessionListeners.forEach(manager::addListener);
		manager.start();
		this.sessionManager = manager;
		ServletContextEvent event = new ServletContextEvent(this.context);
		for (ServletContextListener listener : this.context.contextListeners) {
			listener.contextInitialized(event);
		}
		this.context.markStarted();
		this.state = State.STARTED;
		for (FilterHolder filter : this.context.filterHolders().values()) {
			filter.initialize();
		}
		List<ServletHolder> onStartup = new ArrayList<>();
		for (ServletHolder servlet : this.context.servletHolders().values()) {
			if (servlet.getLoadOnStartup() >= 0) {
				onStartup.add(servlet);
			}
		}
		onStartup.sort(Comparator.comparingInt(ServletHolder::getLoadOnStartup).thenComparingInt(ServletHolder::getOrder));
		for (ServletHolder servlet : onStartup) {
			servlet.initialize();
		}
	}

	/**
	 * Stops the context: invalidates sessions, destroys servlets and filters in reverse order, runs
	 * {@code contextDestroyed} in reverse order and stops the async threads. Idempotent.
	 */
	public synchronized void stop() {
		if (this.state != State.STARTED) {
			this.state = State.STOPPED;
			return;
		}
		this.state = State.STOPPED;
		try {
			this.sessionManager.stop();
		}
		catch (RuntimeException ex) {
			logger.warn(ex, "Failed to stop the session manager");
		}
		List<ServletHolder> servlets = new ArrayList<>(this.context.servletHolders().values());
		for (int i = servlets.size() - 1; i >= 0; i--) {
			servlets.get(i).destroy();
		}
		List<FilterHolder> filters = new ArrayList<>(this.context.filterHolders().values());
		for (int i = filters.size() - 1; i >= 0; i--) {
			filters.get(i).destroy();
		}
		ServletContextEvent event = new ServletContextEvent(this.context);
		List<ServletContextListener> listeners = this.context.contextListeners;
		for (int i = listeners.size() - 1; i >= 0; i--) {
			try {
				listeners.get(i).contextDestroyed(event);
			}
			catch (RuntimeException ex) {
				logger.warn(ex, "ServletContextListener " + listeners.get(i) + " failed in contextDestroyed");
			}
		}
		shutdown(this.asyncExecutor);
		shutdown(this.timer);
	}

	private static void shutdown(ExecutorService executor) {
		if (executor != null) {
			executor.shutdownNow();
			try {
				executor.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	void mappingsChanged() {
		for (Map<String, FilterChainTemplate> cache : this.chains.values()) {
			cache.clear();
		}
	}

	// Request handling

	@Override
	public void handle(FastCgiExchange exchange) throws Exception {
		CgiRequest line = CgiRequestMapping.map(exchange.params(), exchange.remoteAddress(), exchange.localAddress());
		ForwardedHeaders forwardedHeaders = this.settings.getForwardedHeaders();
		if (forwardedHeaders != null) {
			line = forwardedHeaders.apply(line, exchange.params());
		}
		CgiRequest original = null;
		String authorizerPath = this.settings.getAuthorizerPath();
		if (authorizerPath != null && exchange.role() == Role.AUTHORIZER) {
			original = line;
			line = atPath(line, this.settings.getContextPath() + authorizerPath);
		}
		FastCgiResponse response = new FastCgiResponse(this, exchange, this.settings.getResponseBufferSize());
		String path = (line.path() != null) ? contextRelative(line.path()) : null;
		FastCgiRequest request = new FastCgiRequest(this, exchange, line, path, response);
		request.setOriginalLine(original);
		response.setRequest(request);
		if (path == null || this.state != State.STARTED) {
			int status = (this.state != State.STARTED) ? HttpServletResponse.SC_SERVICE_UNAVAILABLE
					: (line.path() == null) ? HttpServletResponse.SC_BAD_REQUEST : HttpServletResponse.SC_NOT_FOUND;
			this.errors.writeBareError(response, status, null);
			finish(request, response);
			return;
		}
		List<ServletRequestListener> requestListeners = this.context.requestListeners;
		if (!requestListeners.isEmpty()) {
			ServletRequestEvent event = new ServletRequestEvent(this.context, request);
			for (ServletRequestListener listener : requestListeners) {
				listener.requestInitialized(event);
			}
		}
		boolean async = false;
		try {
			ServletMapper.Match match = this.context.mapper().match(path);
			request.setMatch(match);
			if (match == null) {
				response.sendError(HttpServletResponse.SC_NOT_FOUND);
			}
			else {
				try {
					invoke(request, response, DispatcherType.REQUEST, match, path);
				}
				catch (Throwable ex) {
					this.errors.handleException(request, response, ex);
				}
			}
			if (request.asyncContextInternal() != null
					&& (request.isAsyncStarted() || request.asyncContextInternal().hasPending())) {
				exchange.deferCompletion();
				async = true;
				request.asyncContextInternal().dispatchReturned();
				return;
			}
			if (response.isError()) {
				this.errors.errorPageForStatus(request, response);
			}
			finish(request, response);
		}
		finally {
			if (!async) {
				requestDestroyed(request);
			}
		}
	}

	/** The request line with another raw URI (same query), for the authorizer dispatch. */
	private static CgiRequest atPath(CgiRequest line, String rawUri) {
		return new CgiRequest(line.method(), rawUri, line.queryString(), CgiRequestMapping.normalizePath(rawUri),
				line.protocol(), line.scheme(), line.secure(), line.serverName(), line.serverPort(), line.remoteAddr(),
				line.remoteHost(), line.remotePort(), line.localAddr(), line.localName(), line.localPort(),
				line.remoteUser(), line.authType());
	}

	private String contextRelative(String path) {
		String contextPath = this.settings.getContextPath();
		if (contextPath.isEmpty()) {
			return path;
		}
		if (!path.startsWith(contextPath)) {
			return null;
		}
		if (path.length() == contextPath.length()) {
			return "/";
		}
		return (path.charAt(contextPath.length()) == '/') ? path.substring(contextPath.length()) : null;
	}

	private void requestDestroyed(FastCgiRequest request) {
		request.cleanUp();
		List<ServletRequestListener> requestListeners = this.context.requestListeners;
		if (!requestListeners.isEmpty()) {
			ServletRequestEvent event = new ServletRequestEvent(this.context, request);
			for (int i = requestListeners.size() - 1; i >= 0; i--) {
				try {
					requestListeners.get(i).requestDestroyed(event);
				}
				catch (RuntimeException ex) {
					logger.warn(ex, "ServletRequestListener failed in requestDestroyed");
				}
			}
		}
	}

	/** Ends the response body; a failure to write (client gone) only sets a non-zero app status. */
	private void finish(FastCgiRequest request, FastCgiResponse response) {
		try {
			response.finish();
		}
		catch (IOException ex) {
			request.exchange().setAppStatus(1);
			if (logger.isDebugEnabled()) {
				logger.debug("Could not finish response to " + request.getRequestURI() + ": " + ex.getMessage());
			}
		}
	}

	/**
	 * Runs a filter chain and servlet for a dispatch.
	 * @param request the request as the target sees it
	 * @param response the response as the target sees it
	 * @param type the dispatcher type
	 * @param match the target servlet
	 * @param path the context-relative path for URL-pattern filters, or null for a named dispatch
	 */
	void invoke(ServletRequest request, ServletResponse response, DispatcherType type, ServletMapper.Match match,
			String path) throws ServletException, IOException {
		FastCgiRequest core = unwrap(request);
		FilterChainTemplate template = chainFor(type, match.holder(), path);
		jakarta.servlet.MultipartConfigElement previousConfig = core.multipartConfig();
		boolean previous = core.enterDispatch(template.asyncSupported(), match.holder().getMultipartConfig());
		try {
			template.newChain().doFilter(request, response);
		}
		finally {
			core.exitDispatch(previous, previousConfig);
		}
	}

	private FilterChainTemplate chainFor(DispatcherType type, ServletHolder servlet, String path) {
		if (path == null) {
			return FilterChainTemplate.build(this.context.filterMappings(), type, servlet, null);
		}
		Map<String, FilterChainTemplate> cache = this.chains.get(type);
		FilterChainTemplate template = cache.get(path);
		if (template == null || template.servlet() != servlet) {
			template = FilterChainTemplate.build(this.context.filterMappings(), type, servlet, path);
			if (cache.size() >= MAX_CACHED_CHAINS) {
				cache.clear();
			}
			cache.put(path, template);
		}
		return template;
	}

	/**
	 * Resolves a dispatcher path ({@code /path?query}, raw) to its servlet.
	 * @param pathWithQuery the context-relative path, starting with {@code /}
	 * @return the target (with a null match if no servlet is mapped)
	 */
	Target resolve(String pathWithQuery) {
		int q = pathWithQuery.indexOf('?');
		String rawPath = (q >= 0) ? pathWithQuery.substring(0, q) : pathWithQuery;
		String query = (q >= 0) ? pathWithQuery.substring(q + 1) : null;
		String path = CgiRequestMapping.normalizePath(rawPath);
		if (path == null) {
			path = rawPath;
		}
		return new Target(this.context.mapper().match(path), path, this.settings.getContextPath() + rawPath, query);
	}

	static FastCgiRequest unwrap(ServletRequest request) {
		ServletRequest current = request;
		while (!(current instanceof FastCgiRequest)) {
			if (current instanceof ServletRequestWrapper wrapper) {
				current = wrapper.getRequest();
			}
			else {
				throw new IllegalArgumentException("Not a request of this container: " + request
						+ " (custom requests must extend ServletRequestWrapper)");
			}
		}
		return (FastCgiRequest) current;
	}

	// Async

	ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
		ScheduledExecutorService scheduler = this.timer;
		if (scheduler == null) {
			synchronized (this) {
				if (this.state == State.STOPPED) {
					return null;
				}
				scheduler = this.timer;
				if (scheduler == null) {
					ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
							threadFactory("fastcgi-async-timer-"));
					executor.setRemoveOnCancelPolicy(true);
					scheduler = executor;
					this.timer = scheduler;
				}
			}
		}
		try {
			return scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
		}
		catch (java.util.concurrent.RejectedExecutionException ex) {
			return null;
		}
	}

	void runAsync(Runnable task) {
		ExecutorService executor = this.asyncExecutor;
		if (executor == null) {
			synchronized (this) {
				if (this.state == State.STOPPED) {
					throw new java.util.concurrent.RejectedExecutionException("The servlet container is stopped");
				}
				executor = this.asyncExecutor;
				if (executor == null) {
					executor = Executors.newCachedThreadPool(threadFactory("fastcgi-async-"));
					this.asyncExecutor = executor;
				}
			}
		}
		executor.execute(() -> {
			try {
				task.run();
			}
			catch (Throwable ex) {
				logger.error(ex, "Asynchronous task failed");
			}
		});
	}

	private static ThreadFactory threadFactory(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	/** Runs an ASYNC dispatch on an async thread. */
	void asyncDispatch(FastCgiAsyncContext async, String path) {
		runAsync(() -> runAsyncDispatch(async, path));
	}

	private void runAsyncDispatch(FastCgiAsyncContext async, String path) {
		async.enterDispatch();
		HttpServletRequest request = (HttpServletRequest) async.request();
		ServletResponse response = async.response();
		FastCgiRequest core = unwrap(request);
		FastCgiResponse coreResponse = core.response();
		try {
			Target target;
			if (path != null) {
				target = resolve(path);
			}
			else if (async.isOriginal()) {
				target = new Target(this.context.mapper().match(core.path()), core.path(), core.getRequestURI(),
						core.getQueryString());
			}
			else {
				String targetPath = request.getServletPath() + ((request.getPathInfo() != null) ? request.getPathInfo() : "");
				target = new Target(this.context.mapper().match(targetPath), targetPath, request.getRequestURI(),
						request.getQueryString());
			}
			if (target.match() == null) {
				coreResponse.sendError(HttpServletResponse.SC_NOT_FOUND);
			}
			else {
				try {
					invoke(new DispatchedRequest(request, DispatcherType.ASYNC, target.match(), target.requestUri(),
							target.queryString()), response, DispatcherType.ASYNC, target.match(), target.path());
				}
				catch (Throwable ex) {
					this.errors.handleException(core, coreResponse, ex);
				}
			}
			if (!core.isAsyncStarted() && !async.hasPending() && coreResponse.isError()) {
				this.errors.errorPageForStatus(core, coreResponse);
			}
		}
		catch (Throwable ex) {
			logger.error(ex, "Asynchronous dispatch failed for " + core.getRequestURI());
		}
		finally {
			async.dispatchReturned();
		}
	}

	/** After an unhandled async timeout: status 500 and the error page. */
	void asyncTimeoutError(FastCgiRequest core) {
		FastCgiResponse response = core.response();
		if (response.isCommitted() || core.exchange().isAborted()) {
			return;
		}
		try {
			response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR, "Asynchronous request timed out");
			this.errors.errorPageForStatus(core, response);
		}
		catch (IOException | RuntimeException ex) {
			logger.debug(ex, "Could not send the async timeout error");
		}
	}

	/** Completes an async request: finish the body, run the listeners' onComplete, end the exchange. */
	void completeAsync(FastCgiRequest core, Runnable onComplete) {
		FastCgiExchange exchange = core.exchange();
		if (!exchange.isAborted()) {
			if (core.response().isError()) {
				this.errors.errorPageForStatus(core, core.response());
			}
			finish(core, core.response());
		}
		try {
			onComplete.run();
		}
		finally {
			requestDestroyed(core);
			exchange.complete(exchange.isAborted() ? Math.max(exchange.appStatus(), 1) : exchange.appStatus());
		}
	}

	void startNonBlockingWrite(FastCgiRequest request, WriteListener listener) {
		if (!request.isAsyncStarted()) {
			throw new IllegalStateException("A WriteListener can only be set in asynchronous mode");
		}
		runAsync(() -> {
			try {
				listener.onWritePossible();
			}
			catch (Throwable ex) {
				listener.onError(ex);
			}
		});
	}

	// Sessions and multipart

	void writeSessionCookie(FastCgiRequest request, FastCgiResponse response, String sessionId) {
		if (!this.settings.getSessionTrackingModes().contains(SessionTrackingMode.COOKIE)) {
			return;
		}
		Cookie cookie = new Cookie(this.settings.getSessionCookieName(), sessionId);
		String path = this.settings.getSessionCookiePath();
		if (path == null) {
			path = this.settings.getContextPath().isEmpty() ? "/" : this.settings.getContextPath();
		}
		cookie.setPath(path);
		if (this.settings.getSessionCookieDomain() != null) {
			cookie.setDomain(this.settings.getSessionCookieDomain());
		}
		Boolean secure = this.settings.getSessionCookieSecure();
		cookie.setSecure((secure != null) ? secure : request.isSecure());
		cookie.setHttpOnly(this.settings.isSessionCookieHttpOnly());
		if (this.settings.getSessionCookieMaxAge() != null) {
			cookie.setMaxAge((int) this.settings.getSessionCookieMaxAge().getSeconds());
		}
		this.context.sessionCookieConfigInternal().extraAttributes().forEach(cookie::setAttribute);
		if (this.settings.getSessionCookieSameSite() != null) {
			cookie.setAttribute("SameSite", this.settings.getSessionCookieSameSite());
		}
		response.addCookie(cookie);
	}

	Path multipartLocation() {
		Path temp = this.settings.getTempDirectory();
		return (temp != null) ? temp : Path.of(System.getProperty("java.io.tmpdir"));
	}

}
