package io.github.tieredcache.internal;

import org.jspecify.annotations.Nullable;

/**
 * Told of every change this instance makes to a cache's data: a write of a key (a
 * {@code put}, a {@code putIfAbsent} that stored, whatever called it: the pattern
 * annotations, Spring's {@code @Cacheable}/{@code @CachePut}, the {@code Cache} API), an
 * eviction of a key, or a clear ({@code key} {@code null}). Not told of loads filling a
 * missing entry, nor of other instances' changes heard over the invalidation bus: each
 * change is reported once in the fleet, by the instance that made it.
 * <p>
 * Called on the thread that made the change, after it was applied (in Redis, then in the
 * in-process tier), never on a read. Implementations must be quick and thread-safe; an
 * exception they throw is logged and does not reach the caller.
 */
@FunctionalInterface
public interface CacheChangeListener {

	/**
	 * A key was written or evicted, or the cache was cleared.
	 * @param cacheName the cache's name
	 * @param key the key as the caller gave it, or {@code null} for a clear
	 */
	void changed(String cacheName, @Nullable Object key);

}
