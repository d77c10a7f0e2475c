package io.github.tieredcache.warmup;

import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A bean that warms one cache when the application starts, before it reports ready: it
 * yields the keys worth having in the cache and, optionally, loads the values of those
 * that neither tier holds.
 * <p>
 * Warming reads the keys in batches: it fills this instance's in-process tier from Redis
 * (one {@code MGET} per batch), then passes the keys found in neither tier to
 * {@link #load(Set)}, whose values are stored in both tiers where nothing is stored yet
 * (warming never overwrites a value another instance or a write put there). A warmer that
 * only yields keys ({@link #load(Set)} not overridden) warms from Redis alone.
 * <p>
 * Warming runs on its own threads with a time budget
 * ({@code tiered-cache.warm.time-budget}); past it, it is interrupted and the application
 * reports ready regardless. A warmer that throws is logged and does not prevent start-up.
 * {@link #keys()} may be lazy (a database cursor): the stream is consumed batch by batch,
 * and closed.
 * <p>
 * Example:
 *
 * <pre class="code">
 * &#64;Bean
 * CacheWarmer&lt;Long, Product&gt; topProducts(ProductRepository products) {
 *     return new CacheWarmer&lt;&gt;() {
 *         public String cacheName() { return "products"; }
 *         public Stream&lt;Long&gt; keys() { return products.topSellerIds(1000).stream(); }
 *         public Map&lt;Long, Product&gt; load(Set&lt;Long&gt; ids) { return products.byIds(ids); }
 *     };
 * }
 * </pre>
 *
 * @param <K> the key type, as the application writes the cache's keys
 * @param <V> the value type
 */
public interface CacheWarmer<K, V> {

	/**
	 * Return the name of the cache to warm.
	 * @return the cache name
	 */
	String cacheName();

	/**
	 * Return the keys to warm, most valuable first (the budget may end the stream early).
	 * @return the keys
	 */
	Stream<K> keys();

	/**
	 * Load the values of keys found in neither tier. Called once per batch of
	 * {@code tiered-cache.warm.batch-size} keys at most. The default loads nothing: the
	 * keys are warmed from Redis only.
	 * @param keys the keys to load
	 * @return the values found, by key; keys left out are not cached
	 */
	default Map<K, V> load(Set<K> keys) {
		return Map.of();
	}

}
