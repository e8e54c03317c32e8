package dev.fastcgi.servlet.interop;

import java.nio.file.Path;

import dev.fastcgi.interop.support.ExternalProcess;
import dev.fastcgi.interop.support.LighttpdProcess;
import dev.fastcgi.interop.support.Peers;

/** lighttpd mod_fastcgi in front of the Spring MVC application (one FastCGI connection per request). */
class LighttpdServletInteropTests extends AbstractServletInteropTests {

	@Override
	protected void requireWebServer() {
		Peers.require(Peers.LIGHTTPD);
	}

	@Override
	protected ExternalProcess startWebServer(Path directory, String upstream, boolean unixSocket, boolean streaming) {
		LighttpdProcess.Builder builder = LighttpdProcess.builder(directory).streaming(streaming);
		if (unixSocket) {
			builder.unixSocket(Path.of(upstream));
		}
		else {
			builder.tcp(Integer.parseInt(upstream.substring(upstream.lastIndexOf(':') + 1)));
		}
		return builder.start();
	}

	@Override
	protected int port(ExternalProcess webServer) {
		return ((LighttpdProcess) webServer).port();
	}

	@Override
	protected boolean keepsConnections() {
		return false;
	}

}
