package dev.fastcgi.servlet;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.Charset;

/**
 * An unbuffered {@link Writer} encoding straight into the response output, so the response buffer is the only
 * buffer (reset and commit behave as with the output stream). A high surrogate at the end of a write is held until
 * the next one.
 */
final class ResponseWriter extends Writer {

	private final OutputStream output;

	private final Charset charset;

	private char pendingSurrogate;

	ResponseWriter(OutputStream output, Charset charset) {
		this.output = output;
		this.charset = charset;
	}

	@Override
	public void write(char[] chars, int offset, int length) throws IOException {
		if (length > 0) {
			write(new String(chars, offset, length));
		}
	}

	@Override
	public void write(String str, int offset, int length) throws IOException {
		if (length > 0) {
			write((offset == 0 && length == str.length()) ? str : str.substring(offset, offset + length));
		}
	}

	@Override
	public void write(int c) throws IOException {
		write(String.valueOf((char) c));
	}

	@Override
	public void write(String str) throws IOException {
		if (str.isEmpty()) {
			return;
		}
		if (this.pendingSurrogate != 0) {
			str = this.pendingSurrogate + str;
			this.pendingSurrogate = 0;
		}
		char last = str.charAt(str.length() - 1);
		if (Character.isHighSurrogate(last)) {
			this.pendingSurrogate = last;
			str = str.substring(0, str.length() - 1);
		}
		this.output.write(str.getBytes(this.charset));
	}

	@Override
	public void flush() throws IOException {
		this.output.flush();
	}

	@Override
	public void close() throws IOException {
		this.output.close();
	}

}
