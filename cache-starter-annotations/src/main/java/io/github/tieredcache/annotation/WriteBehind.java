package io.github.tieredcache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Write-behind: the call updates the cache at once (both tiers, and other instances' L1),
 * records the deferred call durably in a Redis Stream (the caller returns once Redis has
 * acknowledged it), and returns without running the method. A flusher runs it later,
 * batched and coalesced per key (last write wins), on any instance of the application.
 *
 * <pre class="code">
 * &#064;WriteBehind(cache = "users", key = "#user.id", value = "#user")
 * public void save(User user) { ... }                 // run later by the flusher
 *
 * &#064;WriteBehind(cache = "counters", key = "#id", value = "#count", batchWriter = "counterWriter")
 * public void setCount(long id, long count) { ... }   // never run: counterWriter.writeAll(batch)
 * </pre>
 *
 * The method must return {@code void}; its arguments must be encodable by the cache's
 * value codec (their types in {@code tiered-cache.serialization.allowed-packages}), which
 * is checked at start-up. Delivery is at least once: make the write idempotent.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface WriteBehind {

	/**
	 * Name of the cache.
	 * @return the cache name
	 */
	String cache();

	/**
	 * SpEL over the parameters; also the key writes are coalesced by. Empty means all
	 * parameters.
	 * @return the key expression
	 */
	String key() default "";

	/**
	 * SpEL over the parameters giving the value to cache (and to hand to a batch writer).
	 * @return the value expression
	 */
	String value();

	/**
	 * Name of a {@code WriteBehindBatchWriter} bean that writes coalesced batches instead
	 * of running the method once per key.
	 * @return the batch writer bean name, or empty
	 */
	String batchWriter() default "";

}
