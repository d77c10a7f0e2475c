package io.github.tieredcache.internal.http;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Writes the caching headers {@link HttpCachingInterceptor} resolved for a request at the
 * last moment they can be written: just before the response commits (its first body byte,
 * a flush, {@code sendError}, {@code sendRedirect}), or after the chain if it never did.
 * The status is final then, whatever produced the response: a {@code @ResponseBody}, a
 * view, an exception handler, {@code sendError}. Ordered inside Spring Security's filter
 * chain ({@code -100}), so that its own {@code Cache-Control} writer, which writes only
 * when no {@code Cache-Control} is set, sees these headers. Thread-safe.
 */
public final class HttpCachingFilter extends OncePerRequestFilter implements Ordered {

	/**
	 * The filter's order: just inside Spring Security's filter chain.
	 */
	public static final int ORDER = -90;

	private final @Nullable ResponseCache responseCache;

	/**
	 * Create a filter that writes headers only.
	 */
	public HttpCachingFilter() {
		this(null);
	}

	/**
	 * Create a filter that also stores the responses of {@code @CachedResponse} handlers
	 * once the chain is done.
	 * @param responseCache the response cache, or {@code null}
	 */
	public HttpCachingFilter(@Nullable ResponseCache responseCache) {
		this.responseCache = responseCache;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		CommitHookResponse hooked = new CommitHookResponse(response,
				(status) -> CachingHeaders.beforeCommit(request, response, status));
		request.setAttribute(CommitHookResponse.ATTRIBUTE, hooked);
		chain.doFilter(request, hooked);
		if (!response.isCommitted()) {
			hooked.fire(response.getStatus());
		}
		if (this.responseCache != null) {
			this.responseCache.store(request, response, hooked);
		}
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
