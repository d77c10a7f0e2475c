package io.github.tieredcache.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The HTTP caching headers of a Spring MVC handler method, or of every handler method of
 * a controller class (a method's own annotation replaces its class's). Overrides any
 * matching {@code tiered-cache.http.rules} entry as a whole.
 * <p>
 * Applied only where it is safe (RFC 9111):
 * <ul>
 * <li>to {@code GET} and {@code HEAD} responses with a status cacheable by default (200,
 * 203, 204, 206, 300, 301, 308) or 304;</li>
 * <li>a response with status 400 or above gets {@code Cache-Control: no-store}
 * instead;</li>
 * <li>a {@code Cache-Control} the handler set itself is left alone (so are
 * {@code CDN-Cache-Control}, {@code ETag} and {@code Surrogate-Key} it set);</li>
 * <li>under {@link Scope#AUTO}, a response to a request carrying {@code Authorization} or
 * made by an authenticated principal ({@code HttpServletRequest#getUserPrincipal()},
 * which Spring Security fills) is {@code private}, without {@code s-maxage} and
 * {@code CDN-Cache-Control}.</li>
 * </ul>
 * Durations are written like the other annotations' ({@code "60s"}, {@code "10m"},
 * {@code "PT1H"}); an empty string leaves the directive out.
 *
 * @see CachedETag
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface HttpCaching {

	/**
	 * {@code max-age}: how long any cache may serve the response without revalidating.
	 * @return a duration, or empty for none
	 */
	String maxAge() default "";

	/**
	 * {@code s-maxage}: {@code max-age} for shared caches (CDNs, proxies); left out of
	 * private responses.
	 * @return a duration, or empty for none
	 */
	String sMaxAge() default "";

	/**
	 * {@code stale-while-revalidate} (RFC 5861): how long past freshness a cache may
	 * serve the response while it revalidates in the background.
	 * @return a duration, or empty for none
	 */
	String staleWhileRevalidate() default "";

	/**
	 * {@code stale-if-error} (RFC 5861): how long past freshness a cache may serve the
	 * response when the origin fails.
	 * @return a duration, or empty for none
	 */
	String staleIfError() default "";

	/**
	 * Who may store the response.
	 * @return the scope, {@link Scope#AUTO} by default
	 */
	Scope scope() default Scope.AUTO;

	/**
	 * Whether no cache may store the response ({@code no-store}; every other directive is
	 * then left out).
	 * @return whether to emit {@code no-store}
	 */
	boolean noStore() default false;

	/**
	 * Whether a cache must revalidate a stale response before using it
	 * ({@code must-revalidate}).
	 * @return whether to emit {@code must-revalidate}
	 */
	boolean mustRevalidate() default false;

	/**
	 * Whether the response never changes while fresh ({@code immutable}, RFC 8246).
	 * @return whether to emit {@code immutable}
	 */
	boolean immutable() default false;

	/**
	 * Freshness for CDNs alone, emitted as {@code CDN-Cache-Control: max-age=<seconds>}
	 * (RFC 9213); left out of private responses.
	 * @return a duration, or empty for none
	 */
	String cdnMaxAge() default "";

	/**
	 * SpEL expressions whose values are emitted, space-separated, as
	 * {@code Surrogate-Key} (for CDN purges by tag). They see the request's path
	 * variables and parameters by name (converted to the type of the handler parameter of
	 * the same name, where there is one) and {@code #result}: the body a
	 * {@code @ResponseBody} or {@code ResponseEntity} handler returned. An expression
	 * whose value is a collection or array contributes each element; a {@code null}
	 * contributes nothing.
	 * @return the expressions
	 */
	String[] surrogateKeys() default {};

	/**
	 * Request headers the response varies by, added to {@code Vary}.
	 * @return header names
	 */
	String[] vary() default {};

	/**
	 * Who may store a response (RFC 9111 §5.2.2.6, §5.2.2.7).
	 */
	enum Scope {

		/**
		 * {@code public} for anonymous requests; {@code private} for requests with an
		 * {@code Authorization} header or an authenticated principal.
		 */
		AUTO,

		/**
		 * {@code public}, even for authenticated requests: shared caches may serve the
		 * response to anyone.
		 */
		PUBLIC,

		/**
		 * {@code private}: only the user's own cache may store the response.
		 */
		PRIVATE

	}

}
