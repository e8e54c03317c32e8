package dev.fastcgi.boot;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;

/**
 * Detects the listening socket a spawning web server (lighttpd {@code bin-path}, mod_fcgid, spawn-fcgi,
 * {@code fcgistarter}) hands over on file descriptor 0 ({@code FCGI_LISTENSOCK_FILENO}).
 */
final class InheritedChannels {

	private InheritedChannels() {
	}

	/**
	 * Whether fd 0 is an inherited listening socket (TCP or Unix).
	 * @return true when {@link System#inheritedChannel()} is a {@link ServerSocketChannel}
	 */
	static boolean isListeningSocket() {
		try {
			Channel channel = System.inheritedChannel();
			return channel instanceof ServerSocketChannel;
		}
		catch (IOException | SecurityException ex) {
			return false;
		}
	}

}
