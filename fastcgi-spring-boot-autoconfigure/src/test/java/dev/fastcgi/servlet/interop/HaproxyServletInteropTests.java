package dev.fastcgi.servlet.interop;

import java.nio.file.Path;

import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.HaproxyProcess;
import dev.fastcgi.interop.support.Peers;

/** HAProxy {@code fcgi-app} (keep-conn, get-values) in front of the Spring MVC application. */
class HaproxyServletInteropTests extends AbstractServletInteropTests {

	@Override
	protected void requireWebServer() {
		Peers.require(Peers.HAPROXY);
	}

	@Override
	protected ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket, boolean streaming) {
		return HaproxyProcess.builder(directory, unixSocket ? "unix@" + upstream : upstream)
			.keepConn(true)
			.getValues(true)
			.start();
	}

	@Override
	protected int port(ExternalProcess webServer) {
		return ((HaproxyProcess) webServer).port();
	}

	@Override
	protected boolean keepsConnections() {
		return true;
	}

}
