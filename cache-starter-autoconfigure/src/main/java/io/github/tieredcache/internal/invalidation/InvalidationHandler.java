package io.github.tieredcache.internal.invalidation;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What the {@link InvalidationBus} tells the caches of its instance. Called on the bus's
 * threads, never concurrently for the last four methods; implementations must be quick
 * and must not throw.
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

	/**
	 * Invalidations of this instance could not be published: the other instances must
	 * learn some other way that their in-process tiers may hold what this one overwrote.
	 */
	void undelivered();

	/**
	 * Messages were lost but the bus works: empty the in-process tiers and forget the
	 * namespace versions; the tiers keep serving.
	 */
	void flushLocalTiers();

	/**
	 * The subscription is silent while Redis answers (or the bus is starting): empty the
	 * in-process tiers and bypass them until {@link #trustLocalTiers()}.
	 */
	void bypassLocalTiers();

	/**
	 * Redis does not answer: no instance can write through it, so the in-process tiers
	 * serve what they hold (each entry at most its local TTL) until Redis is back.
	 */
	void serveLocalTiersDuringOutage();

	/**
	 * The bus is healthy again: empty the in-process tiers once more, forget the
	 * namespace versions (they may have moved meanwhile), and serve from the tiers.
	 */
	void trustLocalTiers();

}
