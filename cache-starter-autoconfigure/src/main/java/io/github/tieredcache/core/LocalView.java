package io.github.tieredcache.core;

import io.github.tieredcache.internal.local.FillGuard;
import io.github.tieredcache.internal.local.LocalTier;
import org.jspecify.annotations.Nullable;

/**
 * A cache's view of its in-process tier: whether the tier may be trusted now (it is
 * bypassed while the invalidation bus cannot vouch for it), and every read and install of
 * it, each install going through the {@link FillGuard} so that nothing read or loaded
 * before an invalidation of its key is installed after it. Without an in-process tier the
 * guard still records invalidations, for the loads in flight. Thread-safe.
 */
final class LocalView {

	private final @Nullable LocalTier local;

	private final FillGuard guard;

	private final EntryExpiry expiry;

	private final @Nullable CacheNamespace namespace;

	private final CacheStatistics statistics;

	private final boolean watched;

	private volatile boolean usable;

	/**
	 * Create a view.
	 * @param local the tier, or {@code null}
	 * @param guard the guard the tier also uses
	 * @param expiry the in-process TTL rules
	 * @param namespace the cache's namespace in Redis, forgotten whenever the tier is
	 * emptied because it may have missed invalidations; {@code null} without Redis
	 * @param statistics counts the fills the guard refuses
	 * @param watched whether an invalidation bus vouches for the tier (only then is it
	 * ever distrusted)
	 * @param usable whether it may serve from the start
	 */
	LocalView(@Nullable LocalTier local, FillGuard guard, EntryExpiry expiry, @Nullable CacheNamespace namespace,
			CacheStatistics statistics, boolean watched, boolean usable) {
		this.local = local;
		this.guard = guard;
		this.expiry = expiry;
		this.namespace = namespace;
		this.statistics = statistics;
		this.watched = watched;
		this.usable = usable;
	}

	long stamp() {
		return this.guard.stamp();
	}

	boolean invalidatedSince(Object localKey, long stamp) {
		return this.guard.invalidatedSince(localKey, stamp);
	}

	/**
	 * Return what the tier holds for a key, stale entries included, or {@code null} while
	 * the tier is not trusted.
	 */
	@Nullable Object get(Object localKey) {
		return (this.local != null && this.usable) ? this.local.get(localKey) : null;
	}

	/**
	 * Install a written value (see {@link LocalTier#write}).
	 */
	void write(Object localKey, Object stored, WriteOptions options, long stamp) {
		if (this.local != null) {
			this.local.write(localKey, stored, this.expiry.localTtl(stored, options), stamp);
		}
		else {
			this.guard.invalidated(localKey);
		}
	}

	/**
	 * Install a value read or loaded, unless its key was invalidated since the stamp.
	 */
	void fill(Object localKey, Object stored, WriteOptions options, long stamp) {
		if (this.local != null && this.usable
				&& !this.local.fill(localKey, stored, this.expiry.localTtl(stored, options), stamp)) {
			this.statistics.guardedFills.increment();
		}
	}

	/**
	 * Install a stale value for a short while, unless its key was invalidated since the
	 * stamp.
	 */
	void fill(Object localKey, Object stored, java.time.Duration ttl, long stamp) {
		if (this.local != null && this.usable && !this.local.fill(localKey, stored, ttl, stamp)) {
			this.statistics.guardedFills.increment();
		}
	}

	boolean invalidate(Object localKey) {
		if (this.local != null) {
			return this.local.remove(localKey);
		}
		this.guard.invalidated(localKey);
		return false;
	}

	boolean clear() {
		if (this.local != null) {
			return this.local.clear();
		}
		this.guard.invalidatedAll();
		return false;
	}

	/**
	 * Apply what {@link LocalTrust} decided. Emptying the tier also forgets the namespace
	 * version first, so that nothing read under the old one lands after the flush.
	 * @param change the decision
	 */
	void apply(LocalTrust.Change change) {
		switch (change) {
			case SERVE_DURING_OUTAGE -> {
				if (this.watched) {
					this.usable = true;
				}
			}
			case FLUSH_AFTER_OUTAGE -> {
				if (this.namespace != null) {
					this.namespace.forget();
					clear();
				}
			}
			default -> {
				if (this.watched) {
					forgetNamespace();
					if (change == LocalTrust.Change.BYPASS) {
						this.usable = false;
					}
					clear();
					if (change == LocalTrust.Change.TRUST) {
						this.usable = true;
					}
				}
			}
		}
	}

	private void forgetNamespace() {
		if (this.namespace != null) {
			this.namespace.forget();
		}
	}

	/**
	 * Store a value unless one is present (a cache without Redis).
	 * @return the value present, or {@code null} if this one was stored
	 */
	@Nullable Object putIfAbsent(Object localKey, Object stored, WriteOptions options) {
		return (this.local != null) ? this.local.putIfAbsent(localKey, stored, this.expiry.localTtl(stored, options))
				: null;
	}

	boolean isWatched() {
		return this.watched;
	}

	boolean hasTier() {
		return this.local != null;
	}

	boolean isServing() {
		return this.local != null && this.usable;
	}

	@Nullable Object nativeCache() {
		return (this.local != null) ? this.local.getNativeCache() : null;
	}

}
