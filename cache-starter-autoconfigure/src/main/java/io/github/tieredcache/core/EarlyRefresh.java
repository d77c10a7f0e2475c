package io.github.tieredcache.core;

import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;

import io.github.tieredcache.core.TwoTierStore.Claim;
import io.github.tieredcache.core.TwoTierStore.Loaded;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.redis.RedisTier.SetIfAbsentResult;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Early refresh (XFetch, Vattani et al., VLDB 2015): a hit may reload its key in the
 * background before it expires, with a probability that rises as expiry nears, so that
 * hot keys never expire under load. One refresh per key at a time in this JVM, and
 * fleet-wide through a refresh lease; the reloaded value replaces the entry only if Redis
 * still holds the entry the refresh began from. Thread-safe.
 */
final class EarlyRefresh {

	private static final Log logger = LogFactory.getLog(TieredCache.class);

	private final String name;

	private final CacheSettings settings;

	private final TwoTierStore store;

	private final @Nullable RedisTier redis;

	private final LocalView localView;

	private final CacheStatistics statistics;

	private final DoubleSupplier random;

	private final Executor executor;

	private final Set<Object> refreshing = ConcurrentHashMap.newKeySet();

	EarlyRefresh(String name, CacheSettings settings, TwoTierStore store, @Nullable RedisTier redis,
			LocalView localView, CacheStatistics statistics, DoubleSupplier random, Executor executor) {
		this.name = name;
		this.settings = settings;
		this.store = store;
		this.redis = redis;
		this.localView = localView;
		this.statistics = statistics;
		this.random = random;
		this.executor = executor;
	}

	/**
	 * Early refresh (XFetch, Vattani et al., VLDB 2015): recompute a fresh entry in the
	 * background with probability {@code exp(-timeLeft / (beta × loadTime))}, so that hot
	 * keys are reloaded before they expire. One refresh per key at a time in this JVM,
	 * and fleet-wide through a refresh lease in Redis.
	 */
	void maybe(Timed timed, long now, Object localKey, Object key, Callable<?> valueLoader, WriteOptions options) {
		double beta = this.settings.earlyRefreshBeta();
		long timeLeft = timed.expiresAt() - now;
		// past 40 load-times the probability is below e^-40: skip the random draw and the
		// log
		if (beta == 0 || timed.loadMillis() == 0 || timeLeft > 40 * beta * timed.loadMillis()) {
			return;
		}
		if (!shouldRefreshEarly(timeLeft, timed.loadMillis(), beta, this.random.getAsDouble())
				|| !this.refreshing.add(localKey)) {
			return;
		}
		try {
			CacheKey cacheKey = CacheKey.of(key, localKey);
			this.executor.execute(() -> refresh(cacheKey, valueLoader, options));
		}
		catch (RuntimeException ex) {
			this.refreshing.remove(localKey);
		}
	}

	/**
	 * XFetch's test: refresh when {@code -beta × loadTime × ln(random) >= timeLeft}, that
	 * is with probability {@code exp(-timeLeft / (beta × loadTime))}.
	 * @param timeLeft milliseconds until the entry expires
	 * @param loadMillis how long its load took
	 * @param beta the beta setting
	 * @param random a number in [0, 1)
	 * @return whether to refresh now
	 */
	static boolean shouldRefreshEarly(long timeLeft, int loadMillis, double beta, double random) {
		return timeLeft > 0 && -beta * loadMillis * Math.log(Math.max(random, Double.MIN_VALUE)) >= timeLeft;
	}

	private void refresh(CacheKey key, Callable<?> valueLoader, WriteOptions options) {
		byte[] refreshLease = null;
		byte[] refreshKey = null;
		try {
			CacheNamespace.Version ns = (this.redis != null) ? this.store.namespace() : null;
			if (ns != null) {
				refreshKey = ns.refreshKey(key.encoded());
				refreshLease = this.store.leases().newLease();
				if (this.store.leases().claim(refreshKey, refreshLease).outcome() != SetIfAbsentResult.Outcome.STORED) {
					return;
				}
			}
			long stamp = this.localView.stamp();
			byte[] redisKey = (ns != null) ? ns.redisKey(key.encoded()) : null;
			byte[] current = (redisKey != null) ? this.redis.get(redisKey) : null;
			if (redisKey != null && (current == null || EntryFormat.isLease(current))) {
				// evicted, or being loaded: the next read loads it
				return;
			}
			this.statistics.earlyRefreshes.increment();
			// over the origin limit, a refresh is skipped: the entry is still fresh
			Loaded loaded = this.store.callLoader(key.key(), valueLoader, true);
			if (redisKey == null) {
				this.store.storeLoaded(key, loaded, options, stamp);
				return;
			}
			// stored only over the entry the refresh began from: a write meanwhile wins
			this.store.storeClaimed(key, new Claim(redisKey, current), loaded, options, stamp);
		}
		catch (RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Early refresh of a key of cache '" + this.name + "' failed", ex);
			}
		}
		finally {
			this.refreshing.remove(key.local());
			if (refreshKey != null && refreshLease != null) {
				this.store.leases().release(refreshKey, refreshLease);
			}
		}
	}

}
