package dev.fastcgi.server;

import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The engine on a Unix domain socket: permissions from the start, stale file replaced, file removed at stop.
 */
class UnixSocketTests extends EngineTestSupport {

	@Test
	void servesOnAUnixSocketWithTheConfiguredPermissions() throws Exception {
		Path socket = this.tempDir.resolve("run/app.sock");
		FastCgiServer server = start(
				config().bindAddress(new BindAddress.Unix(socket)).unixSocketPermissions("rw-------"),
				EngineTestSupport::echo);
		assertThat(server.port()).isEqualTo(-1);
		assertThat(server.boundAddress()).isEqualTo(UnixDomainSocketAddress.of(socket.toAbsolutePath()));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
		try (Stream files = new Stream(socket.getParent())) {
			assertThat(files.names()).containsExactly("app.sock");
		}
		RawClient client = connect(server);
		client.request(1, false, get("/unix"), new byte[0]);
		RawClient.Response response = client.response(1);
		assertThat(response.stdout()).endsWith("uri=/unix length=0");
		server.stop(Duration.ofSeconds(1));
		assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isFalse();
	}

	@Test
	void socketFileNeverExistsWithWiderPermissions() throws Exception {
		Path dir = Files.createDirectories(this.tempDir.resolve("window"));
		Path socket = dir.resolve("app.sock");
		java.util.Set<String> targetModes = java.util.concurrent.ConcurrentHashMap.newKeySet();
		java.util.Set<String> stagingModes = java.util.concurrent.ConcurrentHashMap.newKeySet();
		java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
		java.util.concurrent.atomic.AtomicInteger looks = new java.util.concurrent.atomic.AtomicInteger();
		Thread watcher = new Thread(() -> {
			while (watching.get()) {
				looks.incrementAndGet();
				modeOf(socket, targetModes);
				try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
					entries.filter((p) -> p.getFileName().toString().startsWith(".fcgi"))
						.forEach((p) -> modeOf(p, stagingModes));
				}
				catch (java.io.IOException ex) {
					// raced with a rename or delete
				}
			}
		}, "test-socket-watcher");
		watcher.start();
		try {
			for (int i = 0; i < 30; i++) {
				FastCgiServer server = new FastCgiServer(
						config().bindAddress(new BindAddress.Unix(socket)).unixSocketPermissions("rw-------").build(),
						EngineTestSupport::echo);
				server.start();
				modeOf(socket, targetModes);
				server.stop(Duration.ofSeconds(1));
			}
		}
		finally {
			watching.set(false);
			watcher.join(5000);
		}
		assertThat(looks.get()).isPositive();
		// whenever the socket was visible at its path it already had its mode; staging was private to the owner
		assertThat(targetModes).containsExactly("rw-------");
		assertThat(stagingModes).isSubsetOf("rwx------");
	}

	private static void modeOf(Path path, java.util.Set<String> seen) {
		try {
			seen.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)));
		}
		catch (java.io.IOException ex) {
			// not there (yet, or any more)
		}
	}

	@Test
	void octalPermissionsAreAccepted() throws Exception {
		Path socket = this.tempDir.resolve("octal.sock");
		start(config().bindAddress(new BindAddress.Unix(socket)).unixSocketPermissions("660"), EngineTestSupport::echo);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
	}

	@Test
	void staleSocketFileIsReplaced() throws Exception {
		Path socket = this.tempDir.resolve("stale.sock");
		try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			old.bind(UnixDomainSocketAddress.of(socket));
		}
		assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isTrue();
		FastCgiServer server = start(config().bindAddress(new BindAddress.Unix(socket)), EngineTestSupport::echo);
		RawClient client = connect(server);
		client.request(1, true, get("/fresh"), new byte[0]);
		assertThat(client.response(1).stdout()).endsWith("uri=/fresh length=0");
	}

	@Test
	void liveSocketOrRegularFileIsNotReplaced() throws Exception {
		Path socket = this.tempDir.resolve("live.sock");
		start(config().bindAddress(new BindAddress.Unix(socket)), EngineTestSupport::echo);
		FastCgiServer second = new FastCgiServer(config().bindAddress(new BindAddress.Unix(socket)).build(),
				EngineTestSupport::echo);
		assertThatExceptionOfType(BindException.class).isThrownBy(second::start).withMessageContaining("listens");
		Path file = Files.writeString(this.tempDir.resolve("file.sock"), "data");
		FastCgiServer third = new FastCgiServer(config().bindAddress(new BindAddress.Unix(file)).build(),
				EngineTestSupport::echo);
		assertThatExceptionOfType(BindException.class).isThrownBy(third::start).withMessageContaining("not a socket");
		assertThat(Files.readString(file)).isEqualTo("data");
	}

	/** Lists a directory. */
	private static final class Stream implements AutoCloseable {

		private final java.util.stream.Stream<Path> files;

		Stream(Path dir) throws java.io.IOException {
			this.files = Files.list(dir);
		}

		java.util.List<String> names() {
			return this.files.map((p) -> p.getFileName().toString()).toList();
		}

		@Override
		public void close() {
			this.files.close();
		}

	}

}
