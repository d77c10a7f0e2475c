package io.github.tieredcache.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Cache a {@code GET} handler's whole response (status, headers, body bytes) in a tiered
 * cache: the next request with the same method, path, query (parameters sorted by name)
 * and values of the {@link #vary()} request headers is answered from the in-process tier
 * or Redis without invoking the handler. The gateway cache, inside the application.
 * <p>
 * <b>Never shared between users.</b> A request carrying {@code Authorization}, a session
 * cookie ({@code JSESSIONID}, {@code SESSION}, or any session the container knows of) or
 * an authenticated principal is neither answered from nor stored into a shared entry;
 * with {@link #perPrincipal()} a request with a principal gets entries of its own and the
 * response is marked {@code private}. Only successful responses (200, 203, 204) without
 * {@code Set-Cookie}, {@code no-store} or {@code private}, and whose {@code Vary} names
 * nothing outside the declared headers, are stored. Headers that belong to one exchange
 * ({@code Set-Cookie}, {@code Date}, {@code Connection}, {@code Transfer-Encoding},
 * authentication challenges…) are never stored nor replayed.
 * <p>
 * A request with {@code Cache-Control: no-cache} (or {@code Pragma: no-cache}) is not
 * answered from the cache; its fresh response replaces the entry.
 * <p>
 * <b>Invalidation.</b> The cached response carries the surrogate keys of the handler's
 * {@link HttpCaching#surrogateKeys()}. Every write or eviction of key {@code K} in a data
 * cache {@code C}, made anywhere in the fleet through any path, invalidates surrogate key
 * {@code C:K} (a clear of {@code C} invalidates {@code C}), and every cached response
 * carrying it is dropped on every instance. A response whose data was invalidated while
 * its handler ran is not kept.
 *
 * @see HttpCaching
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CachedResponse {

	/**
	 * Name of the tiered cache that holds the responses; its changes invalidate no
	 * surrogate key.
	 * @return the cache name
	 */
	String cache() default "http";

	/**
	 * How long a response is kept, such as {@code "30s"} (a bare number is milliseconds).
	 * @return the time to live
	 */
	String ttl() default "30s";

	/**
	 * Request headers whose values select the response, besides those of
	 * {@link HttpCaching#vary()}; added to the response's {@code Vary}.
	 * @return the header names
	 */
	String[] vary() default {};

	/**
	 * Whether a request with an authenticated principal gets entries of its own (keyed by
	 * the principal's name) instead of bypassing the cache; the response is then marked
	 * {@code private}, so that no shared cache downstream keeps it either.
	 * @return whether entries are per principal
	 */
	boolean perPrincipal() default false;

}
