package dev.fastcgi.interop;

import java.nio.file.Path;

import dev.fastcgi.interop.support.ApacheProcess;
import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.Peers;

/**
 * Apache httpd's mod_proxy_fcgi in front of the engine (TCP and Unix socket), with {@code enablereuse=on} so that it
 * keeps FastCGI connections, and {@code flushpackets=on} for streaming.
 */
class ApacheInteropTest extends AbstractWebServerInteropTests {

	@Override
	protected void requireWebServer() {
		Peers.require(Peers.APACHE);
	}

	@Override
	protected ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket, boolean streaming) {
		if (unixSocket) {
			Peers.makeAccessible(Path.of(upstream));
		}
		return ApacheProcess.builder(directory, unixSocket ? "unix:" + upstream : upstream).enableReuse(true)
			.flushPackets(streaming).start();
	}

	@Override
	protected int port(ExternalProcess webServer) {
		return ((ApacheProcess) webServer).port();
	}

	@Override
	protected boolean keepsConnections() {
		return true;
	}

	@Override
	protected String errorLog(ExternalProcess webServer) {
		return ((ApacheProcess) webServer).errorLog();
	}

}
