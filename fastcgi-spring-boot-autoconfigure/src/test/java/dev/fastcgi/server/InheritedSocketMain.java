package dev.fastcgi.server;

import java.time.Duration;

/**
 * A FastCGI application for {@link InteropTests}: serves the echo handler on the listen socket inherited on fd 0
 * (as spawn-fcgi hands it over) until it is killed.
 */
public final class InheritedSocketMain {

	private InheritedSocketMain() {
	}

	public static void main(String[] args) throws Exception {
		if (dev.fastcgi.server.transport.Transports.inheritedListenChannel() == null) {
			System.err.println("fd 0 is not a listening socket");
			System.exit(2);
		}
		FastCgiServer server = new FastCgiServer(
				ServerConfig.builder().bindAddress(new BindAddress.Inherited()).threads(4).build(),
				EngineTestSupport::echo);
		server.start();
		Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(Duration.ofSeconds(1))));
		Thread.currentThread().join();
	}

}
