package io.github.tieredcache.internal.invalidation;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What the {@link InvalidationBus} carries to the caches of its instance: the other
 * instances' invalidations. Called on the bus's receiving thread, one message at a time;
 * implementations must be quick and must not throw. What the bus's state means for the
 * in-process tiers is told to {@link BusListener}s.
 */
public interface InvalidationHandler {

	/**
	 * Another instance wrote or evicted these keys: drop them from the in-process tier.
	 * @param cacheName the cache
	 * @param encodedKeys the keys, as {@code CacheKeyEncoder} encodes them
	 */
	void keysInvalidated(String cacheName, List<String> encodedKeys);

	/**
	 * Another instance cleared a cache: empty its in-process tier and read its namespace
	 * version from Redis again (the message only says that it changed; the version is
	 * never taken from a message), then acknowledge it.
	 * @param cacheName the cache
	 * @param announced the version the sender announced, which names the acknowledgement
	 * (never trusted as the version), or {@code null}
	 */
	void namespaceChanged(String cacheName, @Nullable String announced);

}
