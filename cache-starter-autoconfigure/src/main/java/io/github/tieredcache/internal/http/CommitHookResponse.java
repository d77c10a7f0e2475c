package io.github.tieredcache.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.CharArrayWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.util.function.IntConsumer;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.jspecify.annotations.Nullable;

/**
 * A response that calls a hook, once, just before it can commit: before the first byte or
 * character of the body is written or flushed, and before {@code sendError} or
 * {@code sendRedirect}; the hook gets the status the response commits with. It can also
 * keep a copy of the body as it is written (for the response cache), up to a limit.
 * Confined to the request's thread.
 */
final class CommitHookResponse extends HttpServletResponseWrapper {

	static final String ATTRIBUTE = CommitHookResponse.class.getName();

	private final IntConsumer beforeCommit;

	private boolean fired;

	private @Nullable ServletOutputStream outputStream;

	private @Nullable PrintWriter writer;

	private @Nullable ByteArrayOutputStream capturedBytes;

	private @Nullable CharArrayWriter capturedChars;

	private int captureLimit;

	private boolean overflowed;

	CommitHookResponse(HttpServletResponse response, IntConsumer beforeCommit) {
		super(response);
		this.beforeCommit = beforeCommit;
	}

	void fire(int status) {
		if (!this.fired) {
			this.fired = true;
			this.beforeCommit.accept(status);
		}
	}

	private void fire() {
		fire(getStatus());
	}

	/**
	 * Keep a copy of the body written from now on, up to a limit.
	 * @param limit the most bytes (or characters) kept; past it, nothing is
	 */
	void startCapture(int limit) {
		this.captureLimit = limit;
		this.capturedBytes = new ByteArrayOutputStream();
		this.capturedChars = new CharArrayWriter();
	}

	/**
	 * Return the body written since {@link #startCapture(int)}: its bytes, then its
	 * characters in the response's encoding.
	 * @return the body, or {@code null} if no capture was started or the body outgrew the
	 * limit
	 */
	byte @Nullable [] captured() {
		if (this.capturedBytes == null || this.overflowed) {
			return null;
		}
		if (this.capturedChars.size() > 0) {
			byte[] chars = this.capturedChars.toString().getBytes(Charset.forName(getCharacterEncoding()));
			this.capturedBytes.write(chars, 0, chars.length);
			this.capturedChars.reset();
		}
		return this.capturedBytes.toByteArray();
	}

	private void capture(byte[] bytes, int off, int len) {
		if (this.capturedBytes != null && !this.overflowed) {
			if (this.capturedBytes.size() + len > this.captureLimit) {
				this.overflowed = true;
				this.capturedBytes = new ByteArrayOutputStream();
			}
			else {
				this.capturedBytes.write(bytes, off, len);
			}
		}
	}

	private void capture(char[] chars, int off, int len) {
		if (this.capturedChars != null && !this.overflowed) {
			if (this.capturedChars.size() + len > this.captureLimit) {
				this.overflowed = true;
				this.capturedChars = new CharArrayWriter();
			}
			else {
				this.capturedChars.write(chars, off, len);
			}
		}
	}

	@Override
	public void sendError(int sc, String msg) throws IOException {
		fire(sc);
		super.sendError(sc, msg);
	}

	@Override
	public void sendError(int sc) throws IOException {
		fire(sc);
		super.sendError(sc);
	}

	@Override
	public void sendRedirect(String location) throws IOException {
		fire(SC_FOUND);
		super.sendRedirect(location);
	}

	@Override
	public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
		fire(sc);
		super.sendRedirect(location, sc, clearBuffer);
	}

	@Override
	public void flushBuffer() throws IOException {
		fire();
		super.flushBuffer();
	}

	@Override
	public ServletOutputStream getOutputStream() throws IOException {
		if (this.outputStream == null) {
			this.outputStream = new HookedOutputStream(super.getOutputStream());
		}
		return this.outputStream;
	}

	@Override
	public PrintWriter getWriter() throws IOException {
		if (this.writer == null) {
			this.writer = new PrintWriter(new HookedWriter(super.getWriter()));
		}
		return this.writer;
	}

	private final class HookedOutputStream extends ServletOutputStream {

		private final ServletOutputStream delegate;

		HookedOutputStream(ServletOutputStream delegate) {
			this.delegate = delegate;
		}

		@Override
		public void write(int b) throws IOException {
			fire();
			capture(new byte[] { (byte) b }, 0, 1);
			this.delegate.write(b);
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			fire();
			capture(b, off, len);
			this.delegate.write(b, off, len);
		}

		@Override
		public void flush() throws IOException {
			fire();
			this.delegate.flush();
		}

		@Override
		public void close() throws IOException {
			fire();
			this.delegate.close();
		}

		@Override
		public boolean isReady() {
			return this.delegate.isReady();
		}

		@Override
		public void setWriteListener(WriteListener writeListener) {
			this.delegate.setWriteListener(writeListener);
		}

	}

	private final class HookedWriter extends Writer {

		private final PrintWriter delegate;

		HookedWriter(PrintWriter delegate) {
			this.delegate = delegate;
		}

		@Override
		public void write(char[] buffer, int off, int len) {
			fire();
			capture(buffer, off, len);
			this.delegate.write(buffer, off, len);
		}

		@Override
		public void flush() {
			fire();
			this.delegate.flush();
		}

		@Override
		public void close() {
			fire();
			this.delegate.close();
		}

	}

}
