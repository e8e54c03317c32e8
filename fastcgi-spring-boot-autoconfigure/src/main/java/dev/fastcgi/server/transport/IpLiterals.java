package dev.fastcgi.server.transport;

/**
 * Strict parsing of IP address literals and CIDR blocks, without DNS: dotted-quad IPv4 and RFC 4291 IPv6 (with
 * {@code ::}, an embedded IPv4 tail, an optional zone id and optional brackets). IPv4-mapped IPv6 addresses
 * ({@code ::ffff:10.0.0.1}) are reduced to IPv4, so they match IPv4 networks. Shared by the engine's allow-list and
 * the servlet layer's forwarded-header handling.
 */
public final class IpLiterals {

	private IpLiterals() {
	}

	/**
	 * A CIDR block.
	 * @param address the network address bytes (4 or 16)
	 * @param prefixLength the number of leading bits that must match
	 */
	public record Network(byte[] address, int prefixLength) {

		/** Whether {@code candidate} (4 or 16 bytes, as {@link IpLiterals#parse} returns) is in this block. */
		public boolean contains(byte[] candidate) {
			if (candidate.length != this.address.length) {
				return false;
			}
			int fullBytes = this.prefixLength / 8;
			for (int i = 0; i < fullBytes; i++) {
				if (candidate[i] != this.address[i]) {
					return false;
				}
			}
			int remainingBits = this.prefixLength % 8;
			if (remainingBits == 0) {
				return true;
			}
			int mask = (0xFF << (8 - remainingBits)) & 0xFF;
			return (candidate[fullBytes] & mask) == (this.address[fullBytes] & mask);
		}

		@Override
		public String toString() {
			StringBuilder text = new StringBuilder();
			if (this.address.length == 4) {
				for (int i = 0; i < 4; i++) {
					text.append((i > 0) ? "." : "").append(this.address[i] & 0xFF);
				}
			}
			else {
				for (int i = 0; i < 16; i += 2) {
					text.append((i > 0) ? ":" : "")
						.append(Integer.toHexString(((this.address[i] & 0xFF) << 8) | (this.address[i + 1] & 0xFF)));
				}
			}
			return text.append('/').append(this.prefixLength).toString();
		}

	}

	/**
	 * Parses an IP literal or CIDR block ({@code 10.0.0.0/8}, {@code fc00::/7}, {@code 10.1.2.3} = {@code /32}).
	 * @param text the text
	 * @return the network, or null if the text is not one
	 */
	public static Network parseNetwork(String text) {
		int slash = text.indexOf('/');
		String addressText = (slash >= 0) ? text.substring(0, slash) : text;
		byte[] address = parse(addressText);
		if (address == null) {
			return null;
		}
		int bits = address.length * 8;
		int prefixLength = bits;
		if (slash >= 0) {
			String prefix = text.substring(slash + 1);
			if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch((c) -> c >= '0' && c <= '9')) {
				return null;
			}
			prefixLength = Integer.parseInt(prefix);
			boolean mappedV4 = address.length == 4 && addressText.indexOf(':') >= 0;
			if (mappedV4) {
				prefixLength -= 96;
				if (prefixLength < 0) {
					return null;
				}
			}
			if (prefixLength > bits) {
				return null;
			}
		}
		return new Network(address, prefixLength);
	}

	/**
	 * Parses an IP literal.
	 * @param text IPv4 ({@code 10.1.2.3}), IPv6 ({@code ::1}, {@code fe80::1%eth0}), optionally in brackets
	 * @return 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6, or null if the text is not an IP literal
	 */
	public static byte[] parse(String text) {
		if (text == null || text.isEmpty() || text.length() > 64) {
			return null;
		}
		String literal = unbracket(text);
		if (literal == null) {
			return null;
		}
		if (literal.indexOf(':') < 0) {
			return parseIpv4(literal);
		}
		int percent = literal.indexOf('%');
		if (percent >= 0) {
			if (percent == literal.length() - 1) {
				return null;
			}
			literal = literal.substring(0, percent);
		}
		byte[] v6 = parseIpv6(literal);
		return (v6 != null && isIpv4Mapped(v6)) ? new byte[] { v6[12], v6[13], v6[14], v6[15] } : v6;
	}

	/** The text without surrounding brackets; null if only one bracket is there. */
	public static String unbracket(String text) {
		boolean open = text.startsWith("[");
		boolean close = text.endsWith("]");
		if (open != close) {
			return null;
		}
		return open ? text.substring(1, text.length() - 1) : text;
	}

	private static byte[] parseIpv4(String text) {
		byte[] result = new byte[4];
		int part = 0;
		int value = -1;
		int digits = 0;
		for (int i = 0; i <= text.length(); i++) {
			char c = (i < text.length()) ? text.charAt(i) : '.';
			if (c >= '0' && c <= '9') {
				value = ((value < 0) ? 0 : value * 10) + (c - '0');
				if (++digits > 3 || value > 255) {
					return null;
				}
			}
			else if (c == '.') {
				if (value < 0 || part == 4) {
					return null;
				}
				result[part++] = (byte) value;
				value = -1;
				digits = 0;
			}
			else {
				return null;
			}
		}
		return (part == 4) ? result : null;
	}

	private static byte[] parseIpv6(String text) {
		int doubleColon = text.indexOf("::");
		if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
			return null;
		}
		String head = (doubleColon >= 0) ? text.substring(0, doubleColon) : text;
		String tail = (doubleColon >= 0) ? text.substring(doubleColon + 2) : "";
		int[] headGroups = groups(head, doubleColon < 0);
		int[] tailGroups = groups(tail, true);
		if (headGroups == null || tailGroups == null) {
			return null;
		}
		int total = headGroups.length + tailGroups.length;
		if ((doubleColon < 0 && total != 8) || (doubleColon >= 0 && total > 7)) {
			return null;
		}
		int[] all = new int[8];
		System.arraycopy(headGroups, 0, all, 0, headGroups.length);
		System.arraycopy(tailGroups, 0, all, 8 - tailGroups.length, tailGroups.length);
		byte[] result = new byte[16];
		for (int i = 0; i < 8; i++) {
			result[2 * i] = (byte) (all[i] >> 8);
			result[2 * i + 1] = (byte) all[i];
		}
		return result;
	}

	/** The 16-bit groups of a colon-separated part; an IPv4 tail counts as two groups when allowed. */
	private static int[] groups(String part, boolean ipv4TailAllowed) {
		if (part.isEmpty()) {
			return new int[0];
		}
		String[] texts = part.split(":", -1);
		int lastDot = texts[texts.length - 1].indexOf('.');
		int count = texts.length + ((lastDot >= 0) ? 1 : 0);
		if (count > 8) {
			return null;
		}
		int[] result = new int[count];
		for (int i = 0; i < texts.length; i++) {
			String group = texts[i];
			if (i == texts.length - 1 && lastDot >= 0) {
				byte[] v4 = ipv4TailAllowed ? parseIpv4(group) : null;
				if (v4 == null) {
					return null;
				}
				result[i] = ((v4[0] & 0xFF) << 8) | (v4[1] & 0xFF);
				result[i + 1] = ((v4[2] & 0xFF) << 8) | (v4[3] & 0xFF);
				continue;
			}
			if (group.isEmpty() || group.length() > 4) {
				return null;
			}
			int value = 0;
			for (int j = 0; j < group.length(); j++) {
				char c = group.charAt(j);
				int digit = (c < 0x80) ? Character.digit(c, 16) : -1;
				if (digit < 0) {
					return null;
				}
				value = (value << 4) | digit;
			}
			result[i] = value;
		}
		return result;
	}

	private static boolean isIpv4Mapped(byte[] address) {
		for (int i = 0; i < 10; i++) {
			if (address[i] != 0) {
				return false;
			}
		}
		return address[10] == (byte) 0xFF && address[11] == (byte) 0xFF;
	}

}
