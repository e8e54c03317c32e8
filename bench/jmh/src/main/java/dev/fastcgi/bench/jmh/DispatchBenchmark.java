package dev.fastcgi.bench.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ServletRegistration;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import dev.fastcgi.bench.app.BenchController;
import dev.fastcgi.servlet.ContainerSettings;
import dev.fastcgi.servlet.FastCgiServletContainer;

/**
 * One request through the servlet bridge with no sockets: {@link FastCgiServletContainer#handle} with an
 * {@link InMemoryExchange} carrying nginx's params, into a {@link DispatcherServlet} serving the benchmarked
 * controller. This is the app's share of a request minus the engine's I/O; with {@code -prof gc} it shows the bytes
 * allocated per request by the bridge plus Spring MVC.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DispatchBenchmark {

	/** Which request: GET /hello, GET /bytes/64k or POST /echo with 16 KiB. */
	@Param({ "hello", "bytes64k", "echo16k" })
	public String request;

	private AnnotationConfigWebApplicationContext context;

	private FastCgiServletContainer container;

	private InMemoryExchange exchange;

	@Setup(Level.Trial)
	public void start() throws Exception {
		this.context = new AnnotationConfigWebApplicationContext();
		this.context.register(MvcConfiguration.class);
		this.container = new FastCgiServletContainer(new ContainerSettings());
		ServletRegistration.Dynamic registration = this.container.getServletContext()
			.addServlet("dispatcherServlet", new DispatcherServlet(this.context));
		registration.addMapping("/");
		registration.setLoadOnStartup(1);
		this.container.start();
		this.exchange = exchange(this.request, null);
		verify();
	}

	private static InMemoryExchange exchange(String request, ByteArrayOutputStream capture) {
		return switch (request) {
			case "hello" -> new InMemoryExchange(NginxRequests.params("GET", "/hello", 0), new byte[0], capture);
			case "bytes64k" -> new InMemoryExchange(NginxRequests.params("GET", "/bytes/64k", 0), new byte[0], capture);
			case "echo16k" -> new InMemoryExchange(NginxRequests.params("POST", "/echo", 16384), new byte[16384], capture);
			default -> throw new IllegalArgumentException("unknown request " + request);
		};
	}

	/** Fails the trial at once if the container does not answer 200 with the expected body size. */
	private void verify() throws Exception {
		ByteArrayOutputStream capture = new ByteArrayOutputStream();
		InMemoryExchange probe = exchange(this.request, capture);
		this.container.handle(probe);
		probe.finish();
		String head = new String(capture.toByteArray(), 0, Math.min(capture.size(), 512), StandardCharsets.ISO_8859_1);
		int expected = switch (this.request) {
			case "hello" -> 5;
			case "bytes64k" -> BenchController.BODY_64K;
			default -> 16384;
		};
		int headerEnd = head.indexOf("\r\n\r\n");
		if (headerEnd < 0 || (head.contains("Status:") && !head.contains("Status: 200"))
				|| capture.size() - headerEnd - 4 != expected) {
			throw new IllegalStateException("unexpected response for " + this.request + " (" + capture.size()
					+ " bytes): " + head);
		}
	}

	/**
	 * Handles one request and ends it as the engine would.
	 * @return bytes written to stdout
	 * @throws Exception if the container fails
	 */
	@Benchmark
	public long handle() throws Exception {
		InMemoryExchange exchange = this.exchange;
		exchange.reset();
		this.container.handle(exchange);
		exchange.finish();
		return exchange.stdoutBytes();
	}

	@TearDown(Level.Trial)
	public void stop() {
		if (this.container != null) {
			this.container.stop();
		}
		if (this.context != null) {
			this.context.close();
		}
	}

	/** Spring MVC with the benchmarked controller, no Boot. */
	@Configuration(proxyBeanMethods = false)
	@EnableWebMvc
	@Import(BenchController.class)
	static class MvcConfiguration {

	}

}
