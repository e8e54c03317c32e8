package dev.fastcgi.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the kernel's scheduling state of one thread of this process (Linux: the letter after the name in
 * {@code /proc/self/task/<tid>/stat}: R running or waiting for a core, S asleep, D asleep in I/O, ...).
 * <p>
 * The file stays open while the same thread is asked about, and is read again from its start each time (procfs
 * renders it anew on every read): one {@code pread} and no allocation per look, where opening, reading and closing
 * it with a new String each time cost the event loop watch about three times as much, hundreds of times a second
 * under load. One instance per watched loop, used by one thread (the watch); not thread-safe.
 */
final class KernelThreadState implements AutoCloseable {

	/** Room for the stat line's start: pid, a name of at most 64 bytes in parentheses, the state. */
	private static final int READ_BYTES = 128;

	private final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BYTES);

	private int tid;

	private FileChannel file;

	/**
	 * The state letter of thread {@code tid} of this process, or 0 if it cannot be read (no {@code /proc}, or the
	 * thread has ended).
	 */
	char state(int tid) {
		if (tid != this.tid || this.file == null) {
			close();
			this.tid = tid;
		}
		// a file kept open for a thread that ended fails to read; a thread of the same id since then gets a new one
		for (int attempt = 0; attempt < 2; attempt++) {
			try {
				if (this.file == null) {
					this.file = FileChannel.open(statPath(tid), StandardOpenOption.READ);
				}
				return readState();
			}
			catch (IOException | RuntimeException ex) {
				close();
			}
		}
		return 0;
	}

	private char readState() throws IOException {
		this.buffer.clear();
		int length = 0;
		while (this.buffer.hasRemaining()) {
			int read = this.file.read(this.buffer, length);
			if (read <= 0) {
				break;
			}
			length += read;
		}
		// "tid (name) S ...": the name may hold spaces and parentheses, the state follows the last ')' (a name is at
		// most 15 bytes on Linux, so the state is within the bytes read)
		int end = -1;
		for (int i = 0; i < length; i++) {
			if (this.buffer.get(i) == ')') {
				end = i;
			}
		}
		if (end < 0 || end + 2 >= length) {
			throw new IOException("no thread state in /proc/self/task/" + this.tid + "/stat");
		}
		return (char) (this.buffer.get(end + 2) & 0xff);
	}

	@Override
	public void close() {
		if (this.file != null) {
			try {
				this.file.close();
			}
			catch (IOException ex) {
				// nothing to do: it was only read
			}
			this.file = null;
		}
	}

	/** Whether the thread sleeps in the kernel (Linux: state S or D) or, without /proc, waits in Java. */
	static boolean isAsleep(KernelThreadState states, int tid, Thread thread) {
		if (tid > 0) {
			char state = states.state(tid);
			if (state != 0) {
				return state == 'S' || state == 'D';
			}
		}
		Thread.State state = thread.getState();
		return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.BLOCKED;
	}

	/** The calling thread's Linux thread id (from {@code /proc/thread-self}), or 0 where there is none. */
	static int currentTid() {
		try {
			String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
			return Integer.parseInt(link.substring(link.lastIndexOf('/') + 1));
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

	private static Path statPath(int tid) {
		return Path.of("/proc/self/task/" + tid + "/stat");
	}

}
