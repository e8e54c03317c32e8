package dev.fastcgi.servlet.modes;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fastcgi.client.FastCgiClient;
import dev.fastcgi.client.FastCgiRequest;
import dev.fastcgi.client.FastCgiResponse;
import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.LighttpdProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;
import dev.fastcgi.interop.support.SpawnFcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Spring MVC application as a separate process ({@link ModesAppMain}) spawned by real spawners that hand the
 * listen socket over on fd 0 (spawn-fcgi over TCP and a Unix socket, lighttpd {@code bin-path}), and stopped by
 * signals: an in-flight request completes and the process exits 0. The application runs under coreutils'
 * {@code env --default-signal}, as a process started from a terminal would: a child inherits ignored signals, and the
 * build running these tests may itself have been started with SIGHUP or SIGINT ignored ({@code nohup}, a background
 * job of a script).
 */
class SpawnedModesTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** Whether /usr/bin/env takes --default-signal and --ignore-signal (probed once). */
	private static final boolean ENV_HAS_SIGNAL_OPTIONS = envHasSignalOptions();

	@TempDir
	Path directory;

	@Test
	void spawnFcgiOverTcpThenSigtermWithARequestInFlight() throws Exception {
		try (SpawnFcgi spawned = SpawnFcgi.builder(this.directory, app("--default-signal=INT,HUP"))
			.environment("MODES_STOPPED_FILE", stoppedFile().toString())
			.start()) {
			awaitServing(spawned);
			try (FastCgiClient client = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", spawned.port()))
				.build()) {
				FastCgiResponse role = client.execute(FastCgiRequest.get("/role"));
				assertThat(role.bodyAsString()).isEqualTo("RESPONDER /role /role");
				assertThat(client.execute(FastCgiRequest.get("/pid")).bodyAsString())
					.isEqualTo(Long.toString(spawned.pid()));
				assertGracefulStop(spawned, client, "TERM");
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "INT", "HUP" })
	void otherSignalsStopGracefullyToo(String signal) throws Exception {
		Path socket = this.directory.resolve("app.sock");
		try (SpawnFcgi spawned = SpawnFcgi.builder(this.directory, app("--default-signal=INT,HUP"))
			.environment("MODES_STOPPED_FILE", stoppedFile().toString())
			.unixSocket(socket)
			.start()) {
			awaitServing(spawned);
			try (FastCgiClient client = FastCgiClient.builder(java.net.UnixDomainSocketAddress.of(socket)).build()) {
				assertThat(client.execute(FastCgiRequest.get("/role").role(dev.fastcgi.protocol.Role.AUTHORIZER))
					.status()).isEqualTo(403);
				assertGracefulStop(spawned, client, signal);
			}
		}
	}

	@Test
	void aSignalIgnoredWhenTheProcessStartedStaysIgnored() throws Exception {
		// nohup: SIGHUP ignored from the start
		try (SpawnFcgi spawned = SpawnFcgi.builder(this.directory, app("--ignore-signal=HUP"))
			.environment("MODES_STOPPED_FILE", stoppedFile().toString())
			.start()) {
			awaitServing(spawned);
			assertThat(spawned.output())
				.contains("SIGHUP left ignored, as when this process started (nohup, or a background job of a shell)");
			try (FastCgiClient client = FastCgiClient.builder(new InetSocketAddress("127.0.0.1", spawned.port()))
				.build()) {
				// the kernel drops an ignored signal when it is sent: the TERM right after it is what stops the process
				spawned.signal("HUP");
				assertGracefulStop(spawned, client, "TERM");
			}
			assertThat(spawned.output()).contains("SIGTERM received: stopping gracefully")
				.doesNotContain("SIGHUP received");
		}
	}

	@Test
	void lighttpdBinPathSpawnsTheApplicationAndStopsIt() throws Exception {
		Peers.require(Peers.LIGHTTPD);
		Path socket = this.directory.resolve("spawned.sock");
		Path pidFile = this.directory.resolve("app.pid");
		String command = String.join(" ", Peers.javaCommand(ModesAppMain.class));
		LighttpdProcess lighttpd = LighttpdProcess.builder(this.directory)
			.binPath(command, socket)
			.binEnvironment("MODES_STOPPED_FILE", stoppedFile().toString())
			.start();
		try {
			HttpResponse role = await().atMost(WAIT).until(() -> RawHttpClient.get(lighttpd.port(), "/role?x=1"),
					(response) -> response.status() == 200);
			assertThat(role.bodyAsString()).isEqualTo("RESPONDER /role /role?x=1");
			long pid = Long.parseLong(RawHttpClient.get(lighttpd.port(), "/pid").bodyAsString());
			Files.writeString(pidFile, Long.toString(pid));
			ProcessHandle app = ProcessHandle.of(pid).orElseThrow();
			lighttpd.signal("TERM");
			lighttpd.awaitExit(WAIT);
			await().atMost(WAIT).until(() -> !app.isAlive());
			assertThat(stoppedFile()).hasContent("stopped gracefully");
		}
		finally {
			lighttpd.stop();
			if (Files.exists(pidFile)) {
				ProcessHandle.of(Long.parseLong(Files.readString(pidFile))).ifPresent(ProcessHandle::destroyForcibly);
			}
		}
	}

	/**
	 * The application under coreutils' {@code env} with {@code signalOption} ({@code --default-signal} and
	 * {@code --ignore-signal} came in coreutils 8.31; spawn-fcgi does not search the PATH). Where {@code env} has no
	 * such option, the application runs as it is for {@code --default-signal}, and a test that needs a signal ignored
	 * is skipped.
	 */
	private static List<String> app(String signalOption) {
		List<String> command = new ArrayList<>();
		if (ENV_HAS_SIGNAL_OPTIONS) {
			command.addAll(List.of("/usr/bin/env", signalOption));
		}
		else {
			Assumptions.assumeTrue(signalOption.startsWith("--default-signal"),
					"/usr/bin/env cannot start a process with a signal ignored (coreutils 8.31 or later)");
		}
		command.addAll(Peers.javaCommand(ModesAppMain.class));
		return command;
	}

	private static boolean envHasSignalOptions() {
		try {
			Process env = new ProcessBuilder("/usr/bin/env", "--default-signal=HUP", "true")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			return env.waitFor(10, TimeUnit.SECONDS) && env.exitValue() == 0;
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static void awaitServing(ExternalProcess process) {
		process.awaitCondition("the application serving", WAIT, () -> process.output().contains("serving on fd:0"));
	}

	private Path stoppedFile() {
		return this.directory.resolve("stopped.txt");
	}

	private void assertGracefulStop(ExternalProcess process, FastCgiClient client, String signal)
			throws Exception {
		CompletableFuture<FastCgiResponse> slow = CompletableFuture.supplyAsync(() -> {
			try {
				return client.execute(FastCgiRequest.get("/slow?ms=1500"));
			}
			catch (IOException ex) {
				throw new java.io.UncheckedIOException(ex);
			}
		});
		process.awaitCondition("the slow request", WAIT, () -> process.output().contains("slow request started"));
		process.signal(signal);
		FastCgiResponse response = slow.get(30, TimeUnit.SECONDS);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.bodyAsString()).isEqualTo("slow done after 1500 ms");
		assertThat(process.awaitExit(WAIT)).as(process.output()).isZero();
		assertThat(stoppedFile()).hasContent("stopped gracefully");
	}

}
