package dev.fastcgi.servlet.modes;

import java.time.Duration;
import java.util.EnumSet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRegistration;

import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.ContainerSettings;
import dev.fastcgi.servlet.FastCgiServletContainer;

/**
 * {@link ModesTestApp} in the servlet container behind the engine on a loopback port, a Unix socket or the
 * inherited socket (or without an engine, for CGI).
 */
final class ModesServer implements AutoCloseable {

	private final FastCgiServletContainer container;

	private final AnnotationConfigWebApplicationContext webContext;

	private final FastCgiServer server;

	private ModesServer(BindAddress bindAddress, String authorizerPath, String contextPath) throws Exception {
		this(bindAddress, authorizerPath, contextPath, false);
	}

	private ModesServer(BindAddress bindAddress, String authorizerPath, String contextPath, boolean multiplexed)
			throws Exception {
		ContainerSettings settings = new ContainerSettings();
		settings.setContextPath(contextPath);
		settings.setAuthorizerPath(authorizerPath);
		this.container = new FastCgiServletContainer(settings);
		this.webContext = new AnnotationConfigWebApplicationContext();
		this.webContext.register(ModesTestApp.class);
		ServletRegistration.Dynamic dispatcher = this.container.getServletContext()
			.addServlet("dispatcherServlet", new DispatcherServlet(this.webContext));
		dispatcher.addMapping("/");
		dispatcher.setLoadOnStartup(1);
		this.container.getServletContext()
			.addFilter("audit", new ModesTestApp.AuditFilter())
			.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
		this.container.start();
		if (bindAddress != null) {
			this.server = new FastCgiServer(ServerConfig.builder().bindAddress(bindAddress).multiplexed(multiplexed).build(), this.container);
			this.server.start();
		}
		else {
			this.server = null;
		}
	}

	static ModesServer start(String authorizerPath) throws Exception {
		return new ModesServer(new BindAddress.Tcp("127.0.0.1", 0), authorizerPath, "");
	}

	static ModesServer start(BindAddress bindAddress, String authorizerPath) throws Exception {
		return new ModesServer(bindAddress, authorizerPath, "");
	}

	static ModesServer start(BindAddress bindAddress, String authorizerPath, String contextPath) throws Exception {
		return new ModesServer(bindAddress, authorizerPath, contextPath);
	}

	/** On a loopback port, accepting several requests per connection (FCGI_MPXS_CONNS=1). */
	static ModesServer multiplexed() throws Exception {
		return new ModesServer(new BindAddress.Tcp("127.0.0.1", 0), null, "", true);
	}

	/** Without an engine, for one CGI request; the servlet context at {@code contextPath}. */
	static ModesServer forCgi(String contextPath) throws Exception {
		return new ModesServer(null, null, contextPath);
	}

	FastCgiServletContainer container() {
		return this.container;
	}

	int port() {
		return this.server.port();
	}

	@Override
	public void close() {
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(10));
		}
		this.container.stop();
		this.webContext.close();
	}

}
