package dev.fastcgi.server.cgi;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether the process was launched as a CGI program rather than as a FastCGI application, as the seed did:
 * {@code FCGI_FORCE_CGI} starting with {@code Y} forces CGI; otherwise CGI when the environment carries
 * {@code GATEWAY_INTERFACE} and fd 0 is not a listening socket (a FastCGI spawner hands the listen socket over on
 * fd 0; a CGI host gives a pipe or nothing).
 */
public final class CgiMode {

	/** The environment variable that forces CGI mode when its value starts with {@code Y} or {@code y}. */
	public static final String FORCE_CGI = "FCGI_FORCE_CGI";

	private CgiMode() {
	}

	/** Whether {@code FCGI_FORCE_CGI} asks for CGI mode. */
	public static boolean isForced(Map<String, String> env) {
		String value = env.get(FORCE_CGI);
		return value != null && value.trim().toUpperCase(Locale.ROOT).startsWith("Y");
	}

	/** Whether to serve one CGI request: forced, or a CGI environment without an inherited listen socket. */
	public static boolean isCgi(Map<String, String> env, boolean forcedByConfiguration) {
		if (forcedByConfiguration || isForced(env)) {
			return true;
		}
		return env.containsKey("GATEWAY_INTERFACE") && !stdinIsListeningSocket();
	}

	/** Whether fd 0 is a listening socket (TCP or Unix). */
	public static boolean stdinIsListeningSocket() {
		try {
			Channel channel = System.inheritedChannel();
			return channel instanceof ServerSocketChannel;
		}
		catch (IOException | SecurityException ex) {
			return false;
		}
	}

}
