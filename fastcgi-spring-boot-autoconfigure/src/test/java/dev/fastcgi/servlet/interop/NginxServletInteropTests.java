package dev.fastcgi.servlet.interop;

import java.nio.file.Path;

import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.NginxProcess;
import dev.fastcgi.interop.support.Peers;

/** nginx ({@code fastcgi_keep_conn on}, upstream keepalive) in front of the Spring MVC application. */
class NginxServletInteropTests extends AbstractServletInteropTests {

	@Override
	protected void requireWebServer() {
		Peers.require(Peers.NGINX);
	}

	@Override
	protected ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket, boolean streaming) {
		return NginxProcess.builder(directory, unixSocket ? "unix:" + upstream : upstream)
			.keepConn(true)
			.buffering(!streaming)
			.start();
	}

	@Override
	protected int port(ExternalProcess webServer) {
		return ((NginxProcess) webServer).port();
	}

	@Override
	protected boolean keepsConnections() {
		return true;
	}

}
