package io.github.tieredcache.actuate;

import java.util.Collection;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.util.Assert;

/**
 * A view of a {@link TieredCacheManager} whose caches' {@link Cache#clear() clear()} is
 * their {@link TieredCache#invalidate() invalidate()}: it returns once every instance has
 * applied the clear, instead of letting the others follow within the invalidation bus's
 * bound. Handed to Spring Boot's {@code caches} endpoint, which clears with
 * {@code clear()}, so that its {@code DELETE} means what an operator expects: after it
 * returns, no instance serves the old entries. Everything else is the manager's and its
 * caches' own behaviour.
 * <p>
 * Thread-safe.
 */
public final class FleetWideClearCacheManager implements CacheManager {

	private final TieredCacheManager cacheManager;

	/**
	 * Create a view.
	 * @param cacheManager the manager
	 */
	public FleetWideClearCacheManager(TieredCacheManager cacheManager) {
		Assert.notNull(cacheManager, "Cache manager must not be null");
		this.cacheManager = cacheManager;
	}

	/**
	 * Return the manager this is a view of.
	 * @return the manager
	 */
	public TieredCacheManager getCacheManager() {
		return this.cacheManager;
	}

	@Override
	public @Nullable Cache getCache(String name) {
		TieredCache cache = this.cacheManager.getCache(name);
		return (cache != null) ? new FleetWideClearCache(cache) : null;
	}

	@Override
	public Collection<String> getCacheNames() {
		return this.cacheManager.getCacheNames();
	}

	@Override
	public void resetCaches() {
		for (String name : getCacheNames()) {
			TieredCache cache = this.cacheManager.getCache(name);
			if (cache != null) {
				cache.invalidate();
			}
		}
	}

	/**
	 * A {@link TieredCache} whose {@code clear()} is its {@code invalidate()}.
	 */
	private static final class FleetWideClearCache implements Cache {

		private final TieredCache cache;

		FleetWideClearCache(TieredCache cache) {
			this.cache = cache;
		}

		@Override
		public String getName() {
			return this.cache.getName();
		}

		@Override
		public Object getNativeCache() {
			return this.cache.getNativeCache();
		}

		@Override
		public @Nullable ValueWrapper get(Object key) {
			return this.cache.get(key);
		}

		@Override
		public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
			return this.cache.get(key, type);
		}

		@Override
		public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
			return this.cache.get(key, valueLoader);
		}

		@Override
		public @Nullable CompletableFuture<?> retrieve(Object key) {
			return this.cache.retrieve(key);
		}

		@Override
		public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
			return this.cache.retrieve(key, valueLoader);
		}

		@Override
		public void put(Object key, @Nullable Object value) {
			this.cache.put(key, value);
		}

		@Override
		public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
			return this.cache.putIfAbsent(key, value);
		}

		@Override
		public void evict(Object key) {
			this.cache.evict(key);
		}

		@Override
		public boolean evictIfPresent(Object key) {
			return this.cache.evictIfPresent(key);
		}

		@Override
		public void clear() {
			this.cache.invalidate();
		}

		@Override
		public boolean invalidate() {
			return this.cache.invalidate();
		}

	}

}
