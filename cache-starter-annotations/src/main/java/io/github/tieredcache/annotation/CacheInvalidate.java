package io.github.tieredcache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Event-based invalidation: after the method returns, the entry is removed from both
 * tiers (or, with {@link #allEntries()}, the whole cache moves to a new namespace
 * version). Inside a transaction this happens after commit, and not at all on rollback; a
 * method that throws invalidates nothing unless {@link #beforeInvocation()}.
 *
 * <pre class="code">
 * &#064;CacheInvalidate(cache = "users", key = "#id")
 * &#064;CacheInvalidate(cache = "userLists", allEntries = true)
 * public void delete(long id) { ... }
 * </pre>
 *
 * Repeatable. On a class, applies to every public method. Usable as a meta-annotation.
 */
@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
@Repeatable(CacheInvalidate.List.class)
public @interface CacheInvalidate {

	/**
	 * Name of the cache.
	 * @return the cache name
	 */
	String cache();

	/**
	 * SpEL over the parameters (and {@code #result} unless before invocation); empty
	 * means all parameters. Ignored with {@link #allEntries()}.
	 * @return the key expression
	 */
	String key() default "";

	/**
	 * Whether to remove every entry of the cache (an O(1) namespace bump).
	 * @return whether to clear the cache
	 */
	boolean allEntries() default false;

	/**
	 * Whether to invalidate before the method runs, so even a method that throws
	 * invalidates (inside a transaction, it also invalidates again after commit).
	 * @return whether to invalidate first
	 */
	boolean beforeInvocation() default false;

	/**
	 * Container of repeated {@link CacheInvalidate}s.
	 */
	@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
	@Retention(RetentionPolicy.RUNTIME)
	@Inherited
	@Documented
	@interface List {

		/**
		 * The repeated annotations.
		 * @return the annotations
		 */
		CacheInvalidate[] value();

	}

}
