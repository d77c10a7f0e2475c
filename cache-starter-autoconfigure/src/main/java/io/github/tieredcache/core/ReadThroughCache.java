package io.github.tieredcache.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Read-through: a {@link TieredCache} configured with its loader, so callers only ever
 * ask for keys. {@link #get(Object)} loads a missing key (once per key per JVM however
 * many threads miss it); {@link #getAll(Collection)} serves in-process hits, reads the
 * rest from Redis with one {@code MGET}, and loads what is still missing with one call of
 * the batch loader (or the single-key loader per key when no batch loader was given).
 * <p>
 * Create one with {@link TieredCacheManager#readThrough(String, Function)}. Thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class ReadThroughCache<K, V> {

	private final TieredCache cache;

	private final Function<? super K, ? extends @Nullable V> loader;

	private final Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> batchLoader;

	ReadThroughCache(TieredCache cache, Function<? super K, ? extends @Nullable V> loader,
			@Nullable Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> batchLoader) {
		Assert.notNull(loader, "Loader must not be null");
		this.cache = cache;
		this.loader = loader;
		this.batchLoader = (batchLoader != null) ? batchLoader : this::loadOneByOne;
	}

	/**
	 * Return the value of a key, loading it on a miss.
	 * @param key the key
	 * @return the value, or {@code null} if the loader found none
	 * @throws org.springframework.cache.Cache.ValueRetrievalException if the loader
	 * throws
	 */
	public @Nullable V get(K key) {
		return this.cache.get(key, () -> this.loader.apply(key));
	}

	/**
	 * Return the values of several keys, loading the missing ones in one batch.
	 * @param keys the keys
	 * @return the values found or loaded, by key, in the order of {@code keys}; keys
	 * without a value are absent
	 * @throws org.springframework.cache.Cache.ValueRetrievalException if the loader
	 * throws
	 */
	public Map<K, V> getAll(Collection<? extends K> keys) {
		return this.cache.getAll(keys, this.batchLoader, WriteOptions.DEFAULT);
	}

	/**
	 * Remove a key from both tiers.
	 * @param key the key
	 */
	public void invalidate(K key) {
		this.cache.evict(key);
	}

	/**
	 * Return the cache behind this read-through view.
	 * @return the cache
	 */
	public TieredCache getCache() {
		return this.cache;
	}

	private Map<K, V> loadOneByOne(Set<K> keys) {
		Map<K, V> loaded = new LinkedHashMap<>();
		for (K key : keys) {
			V value = this.loader.apply(key);
			if (value != null) {
				loaded.put(key, value);
			}
		}
		return loaded;
	}

}
