package dev.fastcgi.server.cgi;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;

/**
 * Keeps the process's standard output for the CGI response alone. In CGI mode every byte on stdout is part of the
 * response, so {@link #claim()} takes fd 1 for the response and points {@link System#out} at {@link System#err}:
 * banners, console logging and stray {@code System.out.println} calls then go to the CGI host's error log. Call it
 * before anything prints, in particular before logging is initialized.
 */
public final class CgiStdout {

	private static OutputStream claimed;

	private CgiStdout() {
	}

	/**
	 * Claims stdout for the CGI response (once per process; later calls return the same stream).
	 * @return the real standard output, unbuffered
	 */
	public static synchronized OutputStream claim() {
		if (claimed == null) {
			System.out.flush();
			claimed = new FileOutputStream(FileDescriptor.out);
			System.setOut(System.err);
		}
		return claimed;
	}

	/** The stream {@link #claim()} returned, or null if stdout was not claimed. */
	public static synchronized OutputStream claimed() {
		return claimed;
	}

}
