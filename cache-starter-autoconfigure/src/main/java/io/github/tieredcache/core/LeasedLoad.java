package io.github.tieredcache.core;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.core.TwoTierStore.Claim;
import io.github.tieredcache.core.TwoTierStore.Loaded;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.redis.RedisTier.SetIfAbsentResult;
import org.jspecify.annotations.Nullable;

/**
 * Leases (after "Scaling Memcache at Facebook", NSDI 2013): a key missing from both tiers
 * is loaded once across the fleet. The first caller takes a lease in the key itself; it
 * loads and replaces the lease with the value, atomically, only if the lease is still
 * there (a write or eviction meanwhile replaced or removed it, and the loaded value then
 * goes to the caller only). Others wait for the value up to {@code lease.max-wait},
 * polling with a doubling pause, then load themselves and store only where nothing is
 * stored yet. A stale entry kept for stale-if-error is replaced by a lease atomically,
 * and put back (for what is left of its window) if the load fails. Thread-safe.
 */
final class LeasedLoad {

	private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

	private final TwoTierStore store;

	private final CacheSettings settings;

	private final RedisTier redis;

	private final RedisEntries entries;

	private final EntryExpiry expiry;

	private final LocalView localView;

	private final CacheStatistics statistics;

	private final Clock clock;

	private final Ticker ticker;

	LeasedLoad(TwoTierStore store, CacheSettings settings, RedisTier redis, RedisEntries entries, EntryExpiry expiry,
			LocalView localView, CacheStatistics statistics, Clock clock, Ticker ticker) {
		this.store = store;
		this.settings = settings;
		this.redis = redis;
		this.entries = entries;
		this.expiry = expiry;
		this.localView = localView;
		this.statistics = statistics;
		this.clock = clock;
		this.ticker = ticker;
	}

	/**
	 * Load a key missing from both tiers under a lease: take it with {@code SET NX}; the
	 * holder loads and fills through {@link LeaseStore#replace}, which fails if a write
	 * or eviction replaced the lease meanwhile (the loaded value then goes to the caller
	 * only). Others find the lease, wait for the fill up to {@code lease.wait}, then load
	 * themselves and store only if the key is still absent.
	 * @param staleServable whether the caller can serve a stale value instead of loading
	 * past the origin limit
	 */
	Object load(CacheKey key, Callable<?> valueLoader, WriteOptions options, long stamp, boolean staleServable) {
		CacheNamespace.Version ns = this.store.namespaceFor(key.encoded());
		RedisTier redis = this.redis;
		if (ns == null) {
			this.statistics.misses.increment();
			return this.store.storeUnclaimed(key, this.store.callLoader(key.key(), valueLoader, staleServable), options,
					stamp);
		}
		byte[] redisKey = ns.redisKey(key.encoded());
		LeaseStore leases = this.store.leases();
		byte[] lease = leases.newLease();
		long deadline = this.ticker.read() + this.settings.lease().maxWait().toNanos();
		long pause = TimeUnit.MILLISECONDS.toNanos(1);
		boolean waited = false;
		long waitStarted = 0;
		while (true) {
			SetIfAbsentResult result = leases.claim(redisKey, lease);
			if (result.outcome() == SetIfAbsentResult.Outcome.STORED) {
				endWait(waited, CacheStatistics.LeaseWait.ACQUIRED, waitStarted);
				this.statistics.misses.increment();
				return loadAndFill(key, redisKey, lease, null, valueLoader, options, stamp, staleServable);
			}
			if (result.outcome() == SetIfAbsentResult.Outcome.FAILED) {
				endWait(waited, CacheStatistics.LeaseWait.GAVE_UP, waitStarted);
				this.statistics.misses.increment();
				return this.store.storeUnclaimed(key, this.store.callLoader(key.key(), valueLoader, staleServable),
						options, stamp);
			}
			byte[] present = result.previous();
			if (present != null && !EntryFormat.isLease(present)) {
				Object stored = this.entries.decode(redisKey, present);
				if (stored instanceof Timed timed && !timed.isFresh(this.clock.millis())) {
					// a stale entry kept for stale-if-error: take the lease in its place,
					// atomically
					if (leases.takeOver(redisKey, present, lease)) {
						endWait(waited, CacheStatistics.LeaseWait.ACQUIRED, waitStarted);
						this.statistics.misses.increment();
						return loadAndFill(key, redisKey, lease, present, valueLoader, options, stamp, staleServable);
					}
					continue;
				}
				if (stored != null) {
					endWait(waited, CacheStatistics.LeaseWait.FILLED, waitStarted);
					this.statistics.redisHits.increment();
					this.localView.fill(key.local(), stored, WriteOptions.DEFAULT, stamp);
					return stored;
				}
				continue;
			}
			if (!waited) {
				waited = true;
				waitStarted = this.ticker.read();
				this.statistics.leaseWaits.increment();
			}
			if (this.ticker.read() - deadline >= 0) {
				break;
			}
			LockSupport.parkNanos(pause);
			pause = Math.min(pause * 2, MAX_POLL_NANOS);
		}
		// the holder is slow or gone: load, and store only where nothing is stored yet
		endWait(true, CacheStatistics.LeaseWait.GAVE_UP, waitStarted);
		this.statistics.misses.increment();
		Loaded loaded = this.store.callLoader(key.key(), valueLoader, staleServable);
		Object stored = this.expiry.timed(EntryExpiry.toStored(loaded.value()), loaded.millis(), options);
		byte[] bytes = this.expiry.storable(stored, options) ? this.entries.encode(stored) : null;
		if (bytes != null && !this.localView.invalidatedSince(key.local(), stamp)
				&& redis.setIfAbsent(redisKey, bytes, this.expiry.redisTtl(stored, options))
					.outcome() == SetIfAbsentResult.Outcome.STORED) {
			this.localView.fill(key.local(), stored, options, stamp);
			this.store.published(key.encoded());
		}
		return stored;
	}

	private void endWait(boolean waited, CacheStatistics.LeaseWait outcome, long waitStarted) {
		if (waited) {
			this.statistics.recordLeaseWait(outcome, this.ticker.read() - waitStarted);
		}
	}

	private Object loadAndFill(CacheKey key, byte[] redisKey, byte[] lease, byte @Nullable [] staleEntry,
			Callable<?> valueLoader, WriteOptions options, long stamp, boolean staleServable) {
		Loaded loaded;
		try {
			loaded = this.store.callLoader(key.key(), valueLoader, staleServable);
		}
		catch (RuntimeException | Error ex) {
			Timed stale = (staleEntry != null) ? this.entries.decodeTimed(staleEntry) : null;
			long left = (stale != null) ? this.expiry.staleMillisLeft(stale) : 0;
			if (staleEntry != null && left > 0) {
				// put the stale entry back for the other instances' stale-if-error, for
				// what is
				// left of its window only
				this.store.leases().replace(redisKey, lease, staleEntry, Duration.ofMillis(left));
			}
			else {
				this.store.leases().release(redisKey, lease);
			}
			throw ex;
		}
		return this.store.storeClaimed(key, new Claim(redisKey, lease), loaded, options, stamp);
	}

}
