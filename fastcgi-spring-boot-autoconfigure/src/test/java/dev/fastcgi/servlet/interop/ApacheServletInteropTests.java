package dev.fastcgi.servlet.interop;

import java.nio.file.Path;

import dev.fastcgi.interop.support.ApacheProcess;
import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.Peers;

/** Apache mod_proxy_fcgi ({@code enablereuse=on}) in front of the Spring MVC application. */
class ApacheServletInteropTests extends AbstractServletInteropTests {

	@Override
	protected void requireWebServer() {
		Peers.require(Peers.APACHE);
	}

	@Override
	protected ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket, boolean streaming) {
		if (unixSocket) {
			Peers.makeAccessible(Path.of(upstream));
		}
		return ApacheProcess.builder(directory, unixSocket ? "unix:" + upstream : upstream)
			.enableReuse(true)
			.flushPackets(streaming)
			.start();
	}

	@Override
	protected int port(ExternalProcess webServer) {
		return ((ApacheProcess) webServer).port();
	}

	@Override
	protected boolean keepsConnections() {
		return true;
	}

}
