package dev.fastcgi.servlet.interop;

import java.nio.file.Path;

import dev.fastcgi.interop.support.CaddyProcess;
import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.Peers;

/** Caddy's {@code reverse_proxy} FastCGI transport in front of the Spring MVC application (no keep-alive). */
class CaddyServletInteropTests extends AbstractServletInteropTests {

	@Override
	protected void requireWebServer() {
		Peers.require(Peers.CADDY);
	}

	@Override
	protected ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket, boolean streaming) {
		return CaddyProcess.builder(directory, unixSocket ? "unix:" + upstream : upstream).streaming(streaming).start();
	}

	@Override
	protected int port(ExternalProcess webServer) {
		return ((CaddyProcess) webServer).port();
	}

	@Override
	protected boolean keepsConnections() {
		return false;
	}

}
