package dev.fastcgi.interop.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;

/**
 * Where the real peers live, and free loopback ports for them. A test calls {@link #require(String)} first, which
 * skips it (JUnit assumption) only when the binary is not installed.
 */
public final class Peers {

	public static final Path NGINX = Path.of("/usr/sbin/nginx");

	public static final Path CGI_FCGI = Path.of("/usr/bin/cgi-fcgi");

	public static final Path SPAWN_FCGI = Path.of("/usr/bin/spawn-fcgi");

	public static final Path LIGHTTPD = Path.of("/usr/sbin/lighttpd");

	public static final Path CADDY = Path.of("/usr/bin/caddy");

	public static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

	public static final Path APACHE = Path.of("/usr/sbin/apache2");

	public static final Path APACHE_MODULES = Path.of("/usr/lib/apache2/modules");

	public static final Path PHP_CGI = Path.of("/usr/bin/php-cgi");

	private Peers() {
	}

	/** Skips the calling test unless {@code binary} is installed and executable; returns it. */
	public static Path require(Path binary) {
		Assumptions.assumeTrue(Files.isExecutable(binary), binary + " is not installed");
		return binary;
	}

	/**
	 * Makes {@code path} and its parent directories readable and traversable by everyone (JUnit temp directories are
	 * private), so that a web server whose workers run as another user (Apache as www-data) can reach a Unix socket
	 * or file inside.
	 */
	public static void makeAccessible(Path path) {
		try {
			Path target = path.toAbsolutePath();
			for (Path p = target; p != null && !p.equals(p.getRoot()); p = p.getParent()) {
				Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
				Set<PosixFilePermission> wanted = EnumSet.copyOf(permissions);
				wanted.add(PosixFilePermission.OTHERS_READ);
				wanted.add(PosixFilePermission.OTHERS_EXECUTE);
				if (p.equals(target) && !Files.isDirectory(p)) {
					wanted.add(PosixFilePermission.OTHERS_WRITE);
				}
				// only ever add bits, and touch nothing that has them (chmod here would drop /tmp's sticky bit)
				if (!wanted.equals(permissions)) {
					Files.setPosixFilePermissions(p, wanted);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A command line running {@code mainClass} of the test classpath in a new JVM (the running JVM's {@code java},
	 * a small heap), for peers that spawn the application: spawn-fcgi, lighttpd {@code bin-path}, mod_fcgid.
	 */
	public static List<String> javaCommand(Class<?> mainClass, String... args) {
		List<String> command = new ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+UseSerialGC",
				"-cp", System.getProperty("java.class.path"), mainClass.getName()));
		command.addAll(List.of(args));
		return command;
	}

	/** Every port {@link #freePort()} has handed out in this JVM. */
	private static final Set<Integer> handedOut = java.util.concurrent.ConcurrentHashMap.newKeySet();

	/**
	 * A TCP port that was free on 127.0.0.1 a moment ago, and that this method has not handed out before in this JVM.
	 * The kernel may give the same free port to two binds in a row once the first socket is closed; a test that asks
	 * for two ports (HAProxy's web and stats frontends, say) would then get one port twice, and HAProxy, which binds
	 * with {@code SO_REUSEPORT}, would share it between both listeners.
	 */
	public static int freePort() {
		for (int attempt = 1;; attempt++) {
			int port;
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				socket.setReuseAddress(true);
				port = socket.getLocalPort();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			if (handedOut.add(port) || attempt == 1000) {
				return port;
			}
		}
	}

}
