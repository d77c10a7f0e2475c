package io.github.tieredcache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Cache-aside read: the result is looked up in the in-process tier, then Redis, and only
 * on a miss is the method called; its result is then stored in both tiers. Concurrent
 * misses on one key in one JVM call the method once.
 *
 * <pre class="code">
 * &#064;CacheAside(cache = "users", key = "#id", ttl = "10m")
 * public User find(long id) { ... }
 *
 * &#064;CacheAside(cache = "prices", key = "#sku + ':' + #currency", ttl = "${catalog.price-ttl:1m}",
 *         condition = "#currency != null", unless = "#result.price() == null")
 * public Price price(String sku, String currency) { ... }
 * </pre>
 *
 * Return types: plain values, {@code Optional} (an empty one is a {@code null} result),
 * {@code CompletableFuture} (the cache holds the completed value, a failed future stores
 * nothing) and Reactor {@code Mono}. On a class, applies to every public method that
 * returns a value. Usable as a meta-annotation.
 */
@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface CacheAside {

	/**
	 * Name of the cache.
	 * @return the cache name
	 */
	String cache();

	/**
	 * SpEL over the parameters ({@code #name}, {@code #p0}/{@code #a0},
	 * {@code #root.args}); empty means all parameters, as Spring's {@code @Cacheable}
	 * builds its default key, so the two can share a cache.
	 * @return the key expression
	 */
	String key() default "";

	/**
	 * Redis TTL for entries stored by this method: a duration ({@code "30s"},
	 * {@code "10m"}, {@code "PT1H"}) or a property placeholder; empty means the cache's.
	 * @return the TTL
	 */
	String ttl() default "";

	/**
	 * In-process TTL for entries stored by this method, at most the cache's
	 * {@code local.ttl}; empty means the cache's.
	 * @return the local TTL
	 */
	String localTtl() default "";

	/**
	 * SpEL deciding, before the call, whether the cache is used at all; empty means
	 * always.
	 * @return the condition expression
	 */
	String condition() default "";

	/**
	 * SpEL over the parameters and {@code #result} vetoing storing the result when true.
	 * @return the unless expression
	 */
	String unless() default "";

	/**
	 * Whether a {@code null} result (or an empty {@code Optional}) is cached, for the
	 * cache's {@code null-ttl}, even if the cache does not cache nulls.
	 * @return whether to cache nulls
	 */
	boolean cacheNull() default false;

}
