package dev.fastcgi.servlet.modes;

import java.util.concurrent.CountDownLatch;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.ShutdownSignals;
import dev.fastcgi.server.cgi.CgiMode;
import dev.fastcgi.server.cgi.CgiRunner;
import dev.fastcgi.server.cgi.CgiStdout;
import dev.fastcgi.server.transport.Transports;

/**
 * {@link ModesTestApp} as a process: on the listen socket inherited on fd 0 (spawn-fcgi, lighttpd {@code bin-path},
 * mod_fcgid), on {@code host:port} given as the first argument, or as one CGI request. SIGTERM, SIGINT and SIGHUP stop
 * it gracefully with exit status 0 ({@link ShutdownSignals}). Prints "serving on ADDRESS" when ready, and writes
 * "stopped gracefully" to the file named by {@code MODES_STOPPED_FILE} when stopped.
 */
public final class ModesAppMain {

	private ModesAppMain() {
	}

	public static void main(String[] args) throws Exception {
		if (CgiMode.isCgi(System.getenv(), false)) {
			System.exit(runCgi(CgiStdout.claim()));
		}
		BindAddress address;
		if (args.length > 0) {
			address = BindAddress.parse(args[0]);
		}
		else if (Transports.inheritedListenChannel() != null) {
			address = new BindAddress.Inherited();
		}
		else {
			System.err.println("no bind address and fd 0 is not a listening socket");
			System.exit(2);
			return;
		}
		ShutdownSignals.install();
		String contextPath = System.getenv("MODES_CONTEXT_PATH");
		ModesServer server = ModesServer.start(address, "/fastcgi/authorize", (contextPath != null) ? contextPath : "");
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			server.close();
			// closing the inherited listen socket made the JDK point fds 0, 1 and 2 at /dev/null
			// (sun.nio.ch.InheritedChannel): report to a file
			String marker = System.getenv("MODES_STOPPED_FILE");
			if (marker != null) {
				try {
					java.nio.file.Files.writeString(java.nio.file.Path.of(marker), "stopped gracefully");
				}
				catch (java.io.IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
			}
			System.out.println("stopped gracefully");
			stopped.countDown();
		}, "modes-app-stop"));
		System.out.println("serving on " + address + " pid " + ProcessHandle.current().pid());
		System.out.flush();
		stopped.await();
	}

	private static int runCgi(java.io.OutputStream stdout) throws Exception {
		// under a CGI host the application lives below its script's URL (/app.cgi/...)
		String script = System.getenv("SCRIPT_NAME");
		String uri = System.getenv("REQUEST_URI");
		String contextPath = (script != null && uri != null && uri.startsWith(script + "/")) ? script : "";
		try (ModesServer server = ModesServer.forCgi(contextPath)) {
			System.out.println("this line goes to stderr, not into the CGI response");
			return CgiRunner.run(server.container(), System.getenv(), java.util.Map.of(), System.in, stdout,
					System.err, java.time.Duration.ofSeconds(30));
		}
	}

}
