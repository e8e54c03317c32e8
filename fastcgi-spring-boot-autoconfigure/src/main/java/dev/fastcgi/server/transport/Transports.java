package dev.fastcgi.server.transport;

import java.io.IOException;
import java.net.BindException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.ServerConfig;

/**
 * Opens the listen socket for a {@link BindAddress}: TCP (IPv4 or IPv6, port 0 for an ephemeral port), a Unix
 * domain socket created with its configured permissions from the start, or the socket inherited on fd 0.
 */
public final class Transports {

	private Transports() {
	}

	/** An open listen socket. */
	public static final class Listening implements AutoCloseable {

		private final ServerSocketChannel channel;

		private final SocketAddress boundAddress;

		private final Path unixPath;

		private final boolean unix;

		Listening(ServerSocketChannel channel, SocketAddress boundAddress, Path unixPath, boolean unix) {
			this.channel = channel;
			this.boundAddress = boundAddress;
			this.unixPath = unixPath;
			this.unix = unix;
		}

		public ServerSocketChannel channel() {
			return this.channel;
		}

		/** What was bound: the real TCP port, or the Unix socket path. */
		public SocketAddress boundAddress() {
			return this.boundAddress;
		}

		/** Whether peers are Unix-socket peers (not subject to the address allow-list). */
		public boolean isUnix() {
			return this.unix;
		}

		/** Closes the socket and removes the Unix socket file this server created. Idempotent. */
		@Override
		public void close() {
			try {
				this.channel.close();
			}
			catch (IOException ex) {
				// closing anyway
			}
			if (this.unixPath != null) {
				try {
					Files.deleteIfExists(this.unixPath);
				}
				catch (IOException ex) {
					// best effort
				}
			}
		}

	}

	/**
	 * The listening socket inherited on fd 0 ({@code FCGI_LISTENSOCK_FILENO}), as spawn-fcgi, mod_fcgid and
	 * lighttpd hand it over, or {@code null} when fd 0 is not a listening socket.
	 */
	public static ServerSocketChannel inheritedListenChannel() {
		try {
			Channel channel = System.inheritedChannel();
			return (channel instanceof ServerSocketChannel server) ? server : null;
		}
		catch (IOException | SecurityException ex) {
			return null;
		}
	}

	/**
	 * Opens the listen socket the configuration asks for.
	 * @throws BindException when the address is in use or the inherited socket is missing
	 */
	public static Listening open(ServerConfig config) throws IOException {
		BindAddress address = config.bindAddress();
		if (address instanceof BindAddress.Tcp tcp) {
			return openTcp(tcp, config.backlog());
		}
		if (address instanceof BindAddress.Unix unix) {
			return openUnix(unix.path(), config.unixSocketPermissions(), config.backlog());
		}
		return openInherited();
	}

	private static Listening openTcp(BindAddress.Tcp tcp, int backlog) throws IOException {
		ServerSocketChannel channel = ServerSocketChannel.open();
		try {
			channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
			channel.bind(tcp.toSocketAddress(), backlog);
			channel.configureBlocking(true);
			return new Listening(channel, channel.getLocalAddress(), null, false);
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			if (ex instanceof BindException) {
				BindException bind = new BindException("Cannot bind FastCGI to " + tcp + ": " + ex.getMessage());
				bind.initCause(ex);
				throw bind;
			}
			throw ex;
		}
	}

	private static Listening openInherited() throws IOException {
		ServerSocketChannel channel = inheritedListenChannel();
		if (channel == null) {
			throw new BindException("fastcgi.bind-address is fd:0 but file descriptor 0 is not a listening socket");
		}
		channel.configureBlocking(true);
		SocketAddress local = channel.getLocalAddress();
		return new Listening(channel, local, null, local instanceof UnixDomainSocketAddress);
	}

	/**
	 * Binds a Unix socket with no window of wider access: it is bound inside a fresh directory only the owner can
	 * enter, given its permissions there, then renamed into place (which also replaces a stale socket file).
	 */
	static Listening openUnix(Path path, String permissions, int backlog) throws IOException {
		Path target = path.toAbsolutePath();
		Path parent = target.getParent();
		Files.createDirectories(parent);
		checkReplaceable(target);
		Set<PosixFilePermission> mode = parsePermissions(permissions);
		boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
		FileAttribute<?>[] privateDir = new FileAttribute<?>[0];
		if (posix) {
			privateDir = new FileAttribute<?>[] {
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")) };
		}
		Path staging = Files.createTempDirectory(parent, ".fcgi", privateDir);
		Path temporary = staging.resolve("s");
		ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.bind(UnixDomainSocketAddress.of(temporary), backlog);
			if (mode != null && posix) {
				Files.setPosixFilePermissions(temporary, mode);
			}
			Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
			channel.configureBlocking(true);
			return new Listening(channel, UnixDomainSocketAddress.of(target), target, true);
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			Files.deleteIfExists(temporary);
			throw ex;
		}
		finally {
			Files.deleteIfExists(staging);
		}
	}

	/** A stale socket file may be replaced; a live socket, a regular file or a directory may not. */
	private static void checkReplaceable(Path target) throws IOException {
		if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			return;
		}
		if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)
				|| Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
			throw new BindException("Cannot bind FastCGI to unix:" + target + ": the path exists and is not a socket");
		}
		try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
			throw new BindException("Cannot bind FastCGI to unix:" + target + ": another process listens on it");
		}
		catch (BindException ex) {
			throw ex;
		}
		catch (IOException ex) {
			// nobody listens: a stale socket file, replaced by the rename
		}
	}

	/**
	 * Parses {@code rw-rw----} or octal {@code 660}/{@code 0660}; null or blank means "keep the umask".
	 * @throws IllegalArgumentException naming fastcgi.unix-socket.permissions
	 */
	static Set<PosixFilePermission> parsePermissions(String permissions) {
		if (permissions == null || permissions.isBlank()) {
			return null;
		}
		String text = permissions.trim();
		try {
			if (text.matches("0?[0-7]{3}")) {
				int bits = Integer.parseInt(text, 8);
				StringBuilder symbolic = new StringBuilder();
				String letters = "rwx";
				for (int i = 8; i >= 0; i--) {
					symbolic.append(((bits >> i) & 1) != 0 ? letters.charAt((8 - i) % 3) : '-');
				}
				text = symbolic.toString();
			}
			return PosixFilePermissions.fromString(text);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("fastcgi.unix-socket.permissions is '" + permissions
					+ "'; expected rwxrwxrwx form (e.g. rw-rw----) or octal (e.g. 660)");
		}
	}

}
