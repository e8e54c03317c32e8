package dev.fastcgi.interop.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The open file descriptors of this JVM, for leak checks that compare a count after a test with one before it.
 */
public final class FileDescriptors {

	private FileDescriptors() {
	}

	/** How many file descriptors this JVM has open ({@code /proc/self/fd}), or -1 where that is not available. */
	public static int open() {
		Path fds = Path.of("/proc/self/fd");
		if (!Files.isDirectory(fds)) {
			return -1;
		}
		try (Stream<Path> list = Files.list(fds)) {
			return (int) list.count();
		}
		catch (IOException ex) {
			return -1;
		}
	}

}
