package dev.fastcgi.interop;

import java.nio.file.Path;

import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.HaproxyProcess;
import dev.fastcgi.interop.support.Peers;

/**
 * HAProxy's {@code fcgi-app} in front of the engine (TCP and Unix socket), with keep-conn and get-values; the engine
 * here does not multiplex, so HAProxy keeps to one request per connection at a time.
 */
class HaproxyInteropTest extends AbstractWebServerInteropTests {

	@Override
	protected void requireWebServer() {
		Peers.require(Peers.HAPROXY);
	}

	@Override
	protected ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket, boolean streaming) {
		return HaproxyProcess.builder(directory, unixSocket ? "unix@" + upstream : upstream).keepConn(true)
			.getValues(true).start();
	}

	@Override
	protected int port(ExternalProcess webServer) {
		return ((HaproxyProcess) webServer).port();
	}

	@Override
	protected boolean keepsConnections() {
		return true;
	}

	@Override
	protected String errorLog(ExternalProcess webServer) {
		return webServer.output();
	}

}
