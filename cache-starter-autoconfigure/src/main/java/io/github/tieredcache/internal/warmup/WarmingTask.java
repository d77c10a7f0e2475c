package io.github.tieredcache.internal.warmup;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.warmup.CacheWarmer;

/**
 * One source warming one cache. Runs on a warming thread, batch by batch, and stops at
 * the first batch boundary after its thread is interrupted (the time budget ended).
 */
public interface WarmingTask {

	/**
	 * Return the name of the cache to warm.
	 * @return the cache name
	 */
	String cacheName();

	/**
	 * Return the source, as the report and the logs name it.
	 * @return the source, such as {@code keys} or {@code from-l2}
	 */
	String source();

	/**
	 * Warm the cache.
	 * @param cache the cache
	 * @param batchSize the most keys per Redis round trip or load
	 * @param warmed told how many keys each batch warmed
	 * @throws Exception if warming failed (logged; start-up goes on)
	 */
	void warm(TieredCache cache, int batchSize, Consumer<Integer> warmed) throws Exception;

	/**
	 * A fixed list of keys, warmed from Redis.
	 * @param cacheName the cache
	 * @param keys the keys, as the application writes them
	 * @return the task
	 */
	static WarmingTask keys(String cacheName, List<?> keys) {
		return new WarmingTask() {

			@Override
			public String cacheName() {
				return cacheName;
			}

			@Override
			public String source() {
				return "keys";
			}

			@Override
			public void warm(TieredCache cache, int batchSize, Consumer<Integer> warmed) {
				for (int from = 0; from < keys.size() && !Thread.currentThread().isInterrupted(); from += batchSize) {
					List<?> batch = keys.subList(from, Math.min(keys.size(), from + batchSize));
					warmed.accept(batch.size() - cache.fillLocalFromRedis(batch).size());
				}
			}

		};
	}

	/**
	 * The keys Redis holds for the cache (found with {@code SCAN}), at most
	 * {@code maxKeys} of them.
	 * @param cacheName the cache
	 * @param maxKeys the most keys to warm
	 * @return the task
	 */
	static WarmingTask fromRedis(String cacheName, int maxKeys) {
		return encodedKeys(cacheName, "from-l2", (cache) -> cache.scanEncodedKeys(maxKeys));
	}

	/**
	 * The cache's hot set as the running instances last recorded it in Redis (see
	 * {@link TieredCache#getRecordedHotKeys()}), filled from Redis.
	 * @param cacheName the cache
	 * @return the task
	 */
	static WarmingTask hotSet(String cacheName) {
		return encodedKeys(cacheName, "hot-set", TieredCache::getRecordedHotKeys);
	}

	/**
	 * Keys in their encoded form, listed by the cache when the task runs, filled from
	 * Redis batch by batch.
	 */
	private static WarmingTask encodedKeys(String cacheName, String source,
			Function<TieredCache, List<String>> keysOf) {
		return new WarmingTask() {

			@Override
			public String cacheName() {
				return cacheName;
			}

			@Override
			public String source() {
				return source;
			}

			@Override
			public void warm(TieredCache cache, int batchSize, Consumer<Integer> warmed) {
				List<String> keys = keysOf.apply(cache);
				for (int from = 0; from < keys.size() && !Thread.currentThread().isInterrupted(); from += batchSize) {
					warmed.accept(cache
						.fillLocalFromRedisEncoded(keys.subList(from, Math.min(keys.size(), from + batchSize))));
				}
			}

		};
	}

	/**
	 * A {@link CacheWarmer} bean: its keys from Redis, the rest from its loader.
	 * @param warmer the warmer
	 * @param beanName the bean's name, for the report
	 * @return the task
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	static WarmingTask warmer(CacheWarmer<?, ?> warmer, String beanName) {
		CacheWarmer<Object, Object> typed = (CacheWarmer) warmer;
		return new WarmingTask() {

			@Override
			public String cacheName() {
				return typed.cacheName();
			}

			@Override
			public String source() {
				return "warmer '" + beanName + "'";
			}

			@Override
			public void warm(TieredCache cache, int batchSize, Consumer<Integer> warmed) {
				try (Stream<Object> keys = typed.keys()) {
					Iterator<Object> iterator = keys.iterator();
					List<Object> batch = new ArrayList<>(batchSize);
					while (iterator.hasNext() && !Thread.currentThread().isInterrupted()) {
						batch.add(iterator.next());
						if (batch.size() == batchSize || !iterator.hasNext()) {
							warmed.accept(warmBatch(cache, batch));
							batch.clear();
						}
					}
				}
			}

			private int warmBatch(TieredCache cache, List<Object> batch) {
				List<Object> absent = cache.fillLocalFromRedis(batch);
				int count = batch.size() - absent.size();
				if (absent.isEmpty() || Thread.currentThread().isInterrupted()) {
					return count;
				}
				Set<Object> request = new LinkedHashSet<>(absent);
				Map<Object, Object> loaded = new LinkedHashMap<>(typed.load(request));
				for (Object key : request) {
					Object value = loaded.get(key);
					if (value != null) {
						// stored only where nothing is: never over a value written
						// meanwhile
						cache.putIfAbsent(key, value);
						count++;
					}
				}
				return count;
			}

		};
	}

}
