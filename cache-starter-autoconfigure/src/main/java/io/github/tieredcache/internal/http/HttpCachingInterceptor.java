package io.github.tieredcache.internal.http;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.http.CachedETag;
import io.github.tieredcache.http.HttpCaching;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.convert.ConversionService;
import org.springframework.http.HttpHeaders;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Resolves a request's caching policy ({@link HttpCaching} on the handler method or its
 * class, else the first matching rule) and, for a {@link CachedETag} handler, reads the
 * entry's version and answers {@code 304} when {@code If-None-Match} names it — in
 * {@code preHandle}, so before argument binding and without invoking the handler — and,
 * on other methods, {@code 412} when {@code If-Match} does not name it. The headers
 * themselves are written by {@link HttpCachingFilter} when the response commits.
 * Thread-safe.
 */
public final class HttpCachingInterceptor implements HandlerInterceptor {

	private static final Log logger = LogFactory.getLog(HttpCachingInterceptor.class);

	private final HttpCachingRules rules;

	private final Map<HttpCachePolicy, List<RequestExpressions.Parsed>> ruleSurrogateKeys = new IdentityHashMap<>();

	private final Function<String, @Nullable TieredCache> caches;

	private final RequestExpressions expressions;

	private final Map<HandlerKey, HandlerCaching> handlers = new ConcurrentHashMap<>();

	private final @Nullable ResponseCache responseCache;

	/**
	 * Create an interceptor.
	 * @param rules the configured rules
	 * @param caches the caches by name ({@code null} for an unknown name)
	 * @param conversionService converts path variables and request parameters to the
	 * types of the handler parameters they bind to; asked on first use (Spring MVC's own
	 * is created after its interceptors)
	 * @throws IllegalStateException if a rule's surrogate-key expression does not parse
	 */
	public HttpCachingInterceptor(HttpCachingRules rules, Function<String, @Nullable TieredCache> caches,
			Supplier<ConversionService> conversionService) {
		this(rules, caches, conversionService, null);
	}

	/**
	 * Create an interceptor that also answers {@code @CachedResponse} handlers from the
	 * response cache.
	 * @param rules the configured rules
	 * @param caches the caches by name ({@code null} for an unknown name)
	 * @param conversionService converts path variables and request parameters, asked on
	 * first use
	 * @param responseCache the response cache, or {@code null}
	 * @throws IllegalStateException if a rule's surrogate-key expression does not parse
	 */
	public HttpCachingInterceptor(HttpCachingRules rules, Function<String, @Nullable TieredCache> caches,
			Supplier<ConversionService> conversionService, @Nullable ResponseCache responseCache) {
		this.responseCache = responseCache;
		this.rules = rules;
		for (HttpCachingRules.Rule rule : rules.rules()) {
			this.ruleSurrogateKeys.put(rule.policy(), HandlerCaching.parse(rule.policy(), "rule " + rule.path()));
		}
		this.caches = caches;
		this.expressions = new RequestExpressions(conversionService);
	}

	/**
	 * Resolve a handler's declarations ahead of its first request, so that a malformed
	 * one fails at start-up.
	 * @param handler the handler method
	 * @throws IllegalStateException naming the method if a duration or expression is
	 * malformed
	 */
	public void validate(HandlerMethod handler) {
		HandlerCaching declared = declared(handler);
		if (declared.response() != null) {
			if (this.responseCache == null) {
				throw new IllegalStateException("@CachedResponse on " + handler.getMethod()
						+ " needs the response cache, which is not configured");
			}
			this.responseCache.prepare(declared.response(), handler.getMethod());
		}
	}

	private HandlerCaching declared(HandlerMethod handler) {
		return this.handlers.computeIfAbsent(new HandlerKey(handler.getBeanType(), handler.getMethod()),
				(key) -> HandlerCaching.of(handler));
	}

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
			throws IOException {
		if (request.getAttribute(CachingExchange.ATTRIBUTE) != null) {
			return true;
		}
		HandlerMethod handlerMethod = (handler instanceof HandlerMethod method) ? method : null;
		HandlerCaching declared = (handlerMethod != null) ? declared(handlerMethod) : HandlerCaching.NONE;
		HttpCachePolicy policy = declared.policy();
		List<RequestExpressions.Parsed> surrogateKeys = declared.surrogateKeys();
		if (policy == null) {
			policy = this.rules.match(request);
			surrogateKeys = (policy != null) ? this.ruleSurrogateKeys.get(policy) : List.of();
		}
		if (policy == null && declared.etagCache() == null && declared.response() == null) {
			return true;
		}
		boolean read = CachingHeaders.isRead(request);
		boolean etag = declared.etagKey() != null && (read || request.getHeader(HttpHeaders.IF_MATCH) != null);
		Map<String, @Nullable Object> variables = (etag || !surrogateKeys.isEmpty())
				? this.expressions.variables(request, handlerMethod) : null;
		CachingExchange exchange = new CachingExchange(policy, surrogateKeys, variables);
		request.setAttribute(CachingExchange.ATTRIBUTE, exchange);
		if (etag && variables != null) {
			boolean proceed = read ? checkNotModified(request, response, exchange, declared, variables)
					: checkPrecondition(request, response, declared, variables);
			if (!proceed) {
				return false;
			}
		}
		if (declared.response() != null && this.responseCache != null) {
			return this.responseCache.serve(request, response, exchange, declared.response(),
					handlerMethod.getMethod());
		}
		return true;
	}

	private boolean checkNotModified(HttpServletRequest request, HttpServletResponse response, CachingExchange exchange,
			HandlerCaching declared, Map<String, @Nullable Object> variables) {
		TieredCache cache = this.caches.apply(declared.etagCache());
		Object key = key(declared, variables);
		if (cache == null || key == null) {
			return true;
		}
		exchange.etagCache = cache;
		exchange.etagKey = key;
		exchange.versionBefore = cache.entryVersion(key);
		if (exchange.versionBefore != null
				&& CachingHeaders.matches(request, HttpHeaders.IF_NONE_MATCH, exchange.versionBefore)) {
			exchange.notModified = true;
			response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
			CachingHeaders.beforeCommit(request, response, HttpServletResponse.SC_NOT_MODIFIED);
			return false;
		}
		return true;
	}

	/**
	 * {@code If-Match} on a write: {@code 412} unless it names the entry's current
	 * version. An entry whose version cannot be told (absent, Redis unavailable) fails
	 * the precondition too: lost-update protection must not guess.
	 */
	private boolean checkPrecondition(HttpServletRequest request, HttpServletResponse response, HandlerCaching declared,
			Map<String, @Nullable Object> variables) throws IOException {
		TieredCache cache = this.caches.apply(declared.etagCache());
		Object key = key(declared, variables);
		if (cache == null || key == null) {
			return true;
		}
		String version = cache.entryVersion(key);
		if (version != null && CachingHeaders.matches(request, HttpHeaders.IF_MATCH, version)) {
			return true;
		}
		response.sendError(HttpServletResponse.SC_PRECONDITION_FAILED);
		return false;
	}

	private static @Nullable Object key(HandlerCaching declared, Map<String, @Nullable Object> variables) {
		try {
			return declared.etagKey().evaluate(variables);
		}
		catch (RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("@CachedETag key \"" + declared.etagKey().text() + "\" not evaluated", ex);
			}
			return null;
		}
	}

	private record HandlerKey(Class<?> beanType, Method method) {
	}

}
