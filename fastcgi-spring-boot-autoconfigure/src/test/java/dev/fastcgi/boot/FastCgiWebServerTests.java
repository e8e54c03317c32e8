package dev.fastcgi.boot;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.MockedConstruction;

import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServerException;

import dev.fastcgi.protocol.RecordType;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.FastCgiServer;
import dev.fastcgi.server.ServerConfig;
import dev.fastcgi.server.ServerListener;
import dev.fastcgi.servlet.FastCgiServletContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockConstruction;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link FastCgiWebServer}'s lifecycle against a mocked engine.
 */
class FastCgiWebServerTests {

	private final AtomicInteger activeRequests = new AtomicInteger();

	private final AtomicReference<ServerListener> registeredListener = new AtomicReference<>();

	private MockedConstruction<FastCgiServer> engines;

	private final FastCgiServletContainer container = mock(FastCgiServletContainer.class);

	@BeforeEach
	void mockEngine() {
		ServletContext servletContext = mock(ServletContext.class);
		given(servletContext.getContextPath()).willReturn("");
		given(this.container.getServletContext()).willReturn(servletContext);
		this.engines = mockConstruction(FastCgiServer.class, (engine, context) -> {
			given(engine.port()).willReturn(45678);
			given(engine.boundAddress()).willReturn(new InetSocketAddress("127.0.0.1", 45678));
			given(engine.isAccepting()).willReturn(true);
			given(engine.activeRequests()).will((invocation) -> this.activeRequests.get());
			org.mockito.BDDMockito.willAnswer((invocation) -> {
				this.registeredListener.set(invocation.getArgument(0));
				return null;
			}).given(engine).addListener(any());
		});
	}

	@AfterEach
	void closeMocks() {
		this.engines.close();
	}

	private FastCgiWebServer webServer(BindAddress bindAddress, Shutdown shutdown) {
		ServerConfig config = ServerConfig.builder().bindAddress(bindAddress).build();
		return new FastCgiWebServer(config, this.container, shutdown);
	}

	private FastCgiServer engine() {
		return this.engines.constructed().get(this.engines.constructed().size() - 1);
	}

	@Test
	void nothingIsBoundBeforeStart() throws IOException {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		verify(engine(), never()).start();
		assertThat(webServer.getPort()).isEqualTo(-1);
		assertThat(webServer.isAccepting()).isFalse();
	}

	@Test
	void startBindsOnceAndReportsTheRealPort() throws IOException {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		webServer.start();
		webServer.start();
		verify(engine(), times(1)).start();
		assertThat(webServer.getPort()).isEqualTo(45678);
		assertThat(webServer.getStartedLogMessage())
			.isEqualTo("FastCGI started on 127.0.0.1:45678 (tcp, not multiplexed, 200 threads, event loops) with context path '/'");
	}

	@Test
	void unixSocketHasNoPort(@org.junit.jupiter.api.io.TempDir Path temp) {
		FastCgiWebServer webServer = webServer(new BindAddress.Unix(temp.resolve("s.sock")), Shutdown.IMMEDIATE);
		webServer.start();
		assertThat(webServer.getPort()).isEqualTo(-1);
		assertThat(webServer.getStartedLogMessage()).startsWith("FastCGI started on unix:" + temp.resolve("s.sock")
				+ " (unix socket, not multiplexed");
	}

	@Test
	void addressInUseBecomesPortInUseException() throws IOException {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 9000), Shutdown.IMMEDIATE);
		willThrow(new BindException("Address already in use")).given(engine()).start();
		assertThatExceptionOfType(PortInUseException.class).isThrownBy(webServer::start)
			.isInstanceOf(FastCgiPortInUseException.class)
			.satisfies((ex) -> assertThat(ex.getPort()).isEqualTo(9000));
		verify(engine()).stop(Duration.ZERO);
	}

	@Test
	void otherBindFailureBecomesFastCgiBindException(@org.junit.jupiter.api.io.TempDir Path temp) throws IOException {
		BindAddress.Unix unix = new BindAddress.Unix(temp.resolve("s.sock"));
		FastCgiWebServer webServer = webServer(unix, Shutdown.IMMEDIATE);
		willThrow(new IOException("Permission denied")).given(engine()).start();
		assertThatExceptionOfType(FastCgiBindException.class).isThrownBy(webServer::start)
			.satisfies((ex) -> assertThat(ex.getBindAddress()).isEqualTo(unix));
	}

	@Test
	void unexpectedStartFailureIsWrapped() throws IOException {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		willThrow(new IllegalStateException("boom")).given(engine()).start();
		assertThatExceptionOfType(WebServerException.class).isThrownBy(webServer::start)
			.withMessage("Unable to start embedded FastCGI server");
	}

	@Test
	void autoStartFalseBindsNothing() throws IOException {
		ServerConfig config = ServerConfig.builder().bindAddress(new BindAddress.Tcp("127.0.0.1", 0)).build();
		FastCgiWebServer webServer = new FastCgiWebServer(config, this.container, Shutdown.IMMEDIATE, false);
		webServer.start();
		verify(engine(), never()).start();
	}

	@Test
	void stopIsIdempotentAndDestroyStopsTheContainerOnce() {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		webServer.start();
		webServer.stop();
		webServer.stop();
		verify(engine(), times(1)).stop(Duration.ZERO);
		webServer.destroy();
		webServer.destroy();
		verify(this.container, times(1)).stop();
	}

	@Test
	void startAfterStopUsesAFreshEngine() throws IOException {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		webServer.start();
		FastCgiServer first = engine();
		webServer.stop();
		webServer.start();
		assertThat(this.engines.constructed()).hasSize(2);
		assertThat(webServer.getServer()).isNotSameAs(first);
		verify(engine()).start();
	}

	@Test
	void immediateShutdownReportsImmediate() {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		AtomicReference<GracefulShutdownResult> result = new AtomicReference<>();
		webServer.shutDownGracefully(result::set);
		assertThat(result).hasValue(GracefulShutdownResult.IMMEDIATE);
	}

	@Test
	void gracefulShutdownStopsAcceptingAndWaitsForActiveRequests() {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.GRACEFUL);
		webServer.start();
		this.activeRequests.set(1);
		AtomicReference<GracefulShutdownResult> result = new AtomicReference<>();
		webServer.shutDownGracefully(result::set);
		verify(engine()).stopAccepting();
		assertThat(result).hasValue(null);
		this.activeRequests.set(0);
		await().atMost(Duration.ofSeconds(5)).untilAtomic(result, org.hamcrest.Matchers.is(GracefulShutdownResult.IDLE));
	}

	@Test
	void stopAbortsGracefulShutdownWithRequestsActive() {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.GRACEFUL);
		webServer.start();
		this.activeRequests.set(2);
		AtomicReference<GracefulShutdownResult> result = new AtomicReference<>();
		webServer.shutDownGracefully(result::set);
		webServer.stop();
		await().atMost(Duration.ofSeconds(5))
			.untilAtomic(result, org.hamcrest.Matchers.is(GracefulShutdownResult.REQUESTS_ACTIVE));
	}

	@Test
	void listenersCanBeAddedAfterStartThroughTheComposite() {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		webServer.start();
		ServerListener listener = mock(ServerListener.class);
		webServer.addListener(listener);
		this.registeredListener.get().recordReceived(RecordType.STDIN, 10);
		verify(listener).recordReceived(RecordType.STDIN, 10);
		webServer.removeListener(listener);
		this.registeredListener.get().recordReceived(RecordType.STDIN, 10);
		verify(listener, times(1)).recordReceived(RecordType.STDIN, 10);
	}

	@Test
	void failingListenerDoesNotBreakTheOthers() {
		FastCgiWebServer webServer = webServer(new BindAddress.Tcp("127.0.0.1", 0), Shutdown.IMMEDIATE);
		ServerListener failing = mock(ServerListener.class);
		willThrow(new IllegalStateException("bug")).given(failing).bytesSent(any(Long.class));
		ServerListener other = mock(ServerListener.class);
		webServer.addListener(failing);
		webServer.addListener(other);
		this.registeredListener.get().bytesSent(5);
		verify(other).bytesSent(5);
	}

	@Test
	void describesModes() {
		assertThat(FastCgiWebServer.describeMode(ServerConfig.builder().multiplexed(true).build()))
			.isEqualTo("tcp, multiplexed, 200 threads");
		assertThat(FastCgiWebServer.describeMode(ServerConfig.builder().multithreaded(false).build()))
			.isEqualTo("tcp, not multiplexed, single-threaded");
		assertThat(FastCgiWebServer.describeMode(
				ServerConfig.builder().virtualThreads(true).bindAddress(new BindAddress.Inherited()).build()))
			.isEqualTo("inherited listen socket, not multiplexed, virtual threads");
		assertThat(FastCgiWebServer.describeMode(ServerConfig.builder().eventLoop(false).build()))
			.isEqualTo("tcp, not multiplexed, 200 threads");
	}

}
