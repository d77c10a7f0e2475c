package io.github.tieredcache.internal.http;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.function.IntConsumer;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.jspecify.annotations.Nullable;

/**
 * A response that calls a hook, once, just before it can commit: before the first byte or
 * character of the body is written or flushed, and before {@code sendError} or
 * {@code sendRedirect}; the hook gets the status the response commits with. Confined to
 * the request's thread.
 */
final class CommitHookResponse extends HttpServletResponseWrapper {

	private final IntConsumer beforeCommit;

	private boolean fired;

	private @Nullable ServletOutputStream outputStream;

	private @Nullable PrintWriter writer;

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
			this.delegate.write(b);
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			fire();
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
