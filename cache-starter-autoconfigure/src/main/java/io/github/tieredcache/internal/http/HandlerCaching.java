package io.github.tieredcache.internal.http;

import java.util.List;

import io.github.tieredcache.http.CachedETag;
import io.github.tieredcache.http.CachedResponse;
import io.github.tieredcache.http.HttpCaching;
import org.jspecify.annotations.Nullable;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;

/**
 * What one handler method declares, resolved once: its {@link HttpCaching} policy (its
 * own, else its class's) with parsed surrogate-key expressions, and its
 * {@link CachedETag} and its {@link CachedResponse}.
 *
 * @param policy the declared policy, or {@code null} (a rule may then apply)
 * @param surrogateKeys the parsed {@code surrogateKeys}
 * @param etagCache the {@code @CachedETag} cache, or {@code null}
 * @param etagKey the parsed {@code @CachedETag} key, or {@code null}
 * @param response the {@code @CachedResponse}, or {@code null}
 */
record HandlerCaching(@Nullable HttpCachePolicy policy, List<RequestExpressions.Parsed> surrogateKeys,
		@Nullable String etagCache, RequestExpressions.@Nullable Parsed etagKey,
		ResponseCache.@Nullable Declared response) {

	static final HandlerCaching NONE = new HandlerCaching(null, List.of(), null, null, null);

	static HandlerCaching of(HandlerMethod handler) {
		HttpCaching annotation = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), HttpCaching.class);
		Object where = handler.getMethod();
		if (annotation == null) {
			annotation = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), HttpCaching.class);
			where = handler.getBeanType();
		}
		HttpCachePolicy policy = (annotation != null) ? HttpCachePolicy.of(annotation, where) : null;
		CachedETag etag = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), CachedETag.class);
		CachedResponse cachedResponse = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(),
				CachedResponse.class);
		if (policy == null && etag == null && cachedResponse == null) {
			return NONE;
		}
		return new HandlerCaching(policy, parse(policy, handler), (etag != null) ? etag.cache() : null,
				(etag != null) ? RequestExpressions.Parsed.of(etag.key(), "@CachedETag on " + handler.getMethod())
						: null,
				(cachedResponse != null) ? ResponseCache.Declared.of(cachedResponse, handler.getMethod()) : null);
	}

	/**
	 * Return the parsed surrogate-key expressions of a policy.
	 */
	static List<RequestExpressions.Parsed> parse(@Nullable HttpCachePolicy policy, Object where) {
		if (policy == null) {
			return List.of();
		}
		return policy.surrogateKeys()
			.stream()
			.map((text) -> RequestExpressions.Parsed.of(text, "surrogate keys of " + where))
			.toList();
	}

}
