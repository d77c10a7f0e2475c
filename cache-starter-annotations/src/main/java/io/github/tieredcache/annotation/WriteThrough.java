package io.github.tieredcache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Write-through: the method runs (it writes the database), then the value is written to
 * Redis and to this instance's in-process tier (and, once the invalidation bus exists,
 * dropped from other instances' in-process tiers). Inside a transaction the cache is
 * written after commit and left alone on rollback; a method that throws writes nothing.
 *
 * <pre class="code">
 * &#064;WriteThrough(cache = "users", key = "#user.id")
 * public User save(User user) { ... }           // caches the returned User
 *
 * &#064;WriteThrough(cache = "users", key = "#user.id", value = "#user")
 * public void update(User user) { ... }         // caches the argument
 * </pre>
 *
 * On a class, applies to every public method. Usable as a meta-annotation.
 */
@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface WriteThrough {

	/**
	 * Name of the cache.
	 * @return the cache name
	 */
	String cache();

	/**
	 * SpEL over the parameters and {@code #result}; empty means all parameters.
	 * @return the key expression
	 */
	String key() default "";

	/**
	 * SpEL over the parameters and {@code #result} giving the value to cache.
	 * @return the value expression
	 */
	String value() default "#result";

	/**
	 * Redis TTL of the written entry, as {@link CacheAside#ttl()}; empty means the
	 * cache's.
	 * @return the TTL
	 */
	String ttl() default "";

	/**
	 * In-process TTL of the written entry, as {@link CacheAside#localTtl()}.
	 * @return the local TTL
	 */
	String localTtl() default "";

}
