package dev.fastcgi.servlet.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.filter.CharacterEncodingFilter;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.fastcgi.client.GeneratedInputStream;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.servlet.ContainerSettings;
import dev.fastcgi.servlet.ContainerSettings.ErrorPageMapping;
import dev.fastcgi.servlet.FastCgiServletContainer;

/**
 * The Spring MVC application of the interop matrix: a controller per check, in the servlet container, served by one
 * engine on a loopback port and one on a Unix socket.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebMvc
public class InteropApp {

	static final String TEXT_UTF8 = "text/plain;charset=UTF-8";

	/** Lets the waiting SSE stream send its second event. */
	static volatile CountDownLatch sseRelease = new CountDownLatch(1);

	/** A running container and its two engines. */
	static final class Running implements AutoCloseable {

		private final FastCgiServletContainer container;

		private final AnnotationConfigWebApplicationContext context;

		private final FastCgiServer tcp;

		private final FastCgiServer unix;

		Running(java.nio.file.Path socket) throws Exception {
			ContainerSettings settings = new ContainerSettings();
			settings.getErrorPages().add(new ErrorPageMapping(0, null, "/error"));
			this.container = new FastCgiServletContainer(settings);
			this.context = new AnnotationConfigWebApplicationContext();
			this.context.register(InteropApp.class);
			ServletRegistration.Dynamic dispatcher = this.container.getServletContext()
				.addServlet("dispatcherServlet", new DispatcherServlet(this.context));
			dispatcher.addMapping("/");
			dispatcher.setAsyncSupported(true);
			dispatcher.setLoadOnStartup(1);
			var encoding = this.container.getServletContext()
				.addFilter("characterEncodingFilter", new CharacterEncodingFilter("UTF-8", true));
			encoding.setAsyncSupported(true);
			encoding.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), false, "/*");
			this.container.start();
			this.tcp = new FastCgiServer(
					ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build(), this.container);
			this.tcp.start();
			this.unix = new FastCgiServer(ServerConfig.builder().bindAddress(new BindAddress.Unix(socket))
				.unixSocketPermissions("rw-rw-rw-").build(), this.container);
			this.unix.start();
		}

		int port() {
			return this.tcp.port();
		}

		@Override
		public void close() {
			sseRelease.countDown();
			this.tcp.stop(Duration.ofSeconds(5));
			this.unix.stop(Duration.ofSeconds(5));
			this.container.stop();
			this.context.close();
		}

	}

	@RestController
	static class InteropController {

		@GetMapping(path = "/hello", produces = TEXT_UTF8)
		String hello(@RequestParam(defaultValue = "world") String name,
				@RequestHeader(name = "X-Custom", defaultValue = "-") String custom) {
			return "Hello, " + name + " custom=" + custom;
		}

		@PostMapping(path = "/form", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE, produces = TEXT_UTF8)
		String form(@RequestParam String name, @RequestParam String x) {
			return "name=" + name + " x=" + x;
		}

		@PostMapping("/upload")
		String upload(HttpServletRequest request) throws IOException {
			CRC32 crc = new CRC32();
			long length = 0;
			byte[] buffer = new byte[65536];
			InputStream in = request.getInputStream();
			int n;
			while ((n = in.read(buffer)) > 0) {
				crc.update(buffer, 0, n);
				length += n;
			}
			return "length=" + length + " crc=" + crc.getValue();
		}

		@GetMapping("/big")
		void big(@RequestParam long n, HttpServletResponse response) throws IOException {
			response.setContentType("application/octet-stream");
			response.setContentLengthLong(n);
			try (OutputStream out = response.getOutputStream()) {
				new GeneratedInputStream(n).transferTo(out);
			}
		}

		@GetMapping("/connection")
		String connection(HttpServletRequest request) {
			return "connection=" + request.getServletConnection().getConnectionId();
		}

		@GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		SseEmitter sse() {
			SseEmitter emitter = new SseEmitter(30_000L);
			CountDownLatch release = sseRelease;
			Thread sender = new Thread(() -> {
				try {
					emitter.send(SseEmitter.event().data("one"));
					boolean released = release.await(20, TimeUnit.SECONDS);
					emitter.send(SseEmitter.event().data(released ? "two" : "timeout"));
					emitter.complete();
				}
				catch (IOException | InterruptedException | RuntimeException ex) {
					emitter.completeWithError(ex);
				}
			}, "interop-sse");
			sender.setDaemon(true);
			sender.start();
			return emitter;
		}

		@RequestMapping("/error")
		String error(HttpServletRequest request, HttpServletResponse response) {
			Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
			response.setStatus((status instanceof Integer code) ? code : 500);
			return "error page " + status + " " + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		}

	}

}
