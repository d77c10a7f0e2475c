package io.github.tieredcache.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one {@link TieredCache}, cumulative since start-up. Thread-safe; reading
 * them is cheap, and metrics binders poll them.
 */
public final class CacheStatistics {

	final LongAdder localHits = new LongAdder();

	final LongAdder redisHits = new LongAdder();

	final LongAdder misses = new LongAdder();

	final LongAdder loads = new LongAdder();

	final LongAdder loadFailures = new LongAdder();

	final LongAdder undecodable = new LongAdder();

	final LongAdder unencodable = new LongAdder();

	final LongAdder leaseWaits = new LongAdder();

	final LongAdder rejectedFills = new LongAdder();

	final LongAdder staleServed = new LongAdder();

	final LongAdder earlyRefreshes = new LongAdder();

	final LongAdder saturated = new LongAdder();

	CacheStatistics() {
	}

	/**
	 * Return lookups answered by the in-process tier.
	 * @return the count
	 */
	public long localHits() {
		return this.localHits.sum();
	}

	/**
	 * Return lookups answered by Redis.
	 * @return the count
	 */
	public long redisHits() {
		return this.redisHits.sum();
	}

	/**
	 * Return lookups answered by neither tier.
	 * @return the count
	 */
	public long misses() {
		return this.misses.sum();
	}

	/**
	 * Return loader invocations.
	 * @return the count
	 */
	public long loads() {
		return this.loads.sum();
	}

	/**
	 * Return loader invocations that threw or completed exceptionally.
	 * @return the count
	 */
	public long loadFailures() {
		return this.loadFailures.sum();
	}

	/**
	 * Return Redis entries that could not be decoded (corrupt, or naming a type that is
	 * not allowed) and were treated as misses.
	 * @return the count
	 */
	public long undecodable() {
		return this.undecodable.sum();
	}

	/**
	 * Return misses that waited for another caller's lease to be filled.
	 * @return the count
	 */
	public long leaseWaits() {
		return this.leaseWaits.sum();
	}

	/**
	 * Return loaded values kept out of the cache because their key was written or
	 * invalidated while they loaded (their lease was voided).
	 * @return the count
	 */
	public long rejectedFills() {
		return this.rejectedFills.sum();
	}

	/**
	 * Return stale entries served because the loader failed (stale-if-error).
	 * @return the count
	 */
	public long staleServed() {
		return this.staleServed.sum();
	}

	/**
	 * Return background reloads started before expiry (early refresh).
	 * @return the count
	 */
	public long earlyRefreshes() {
		return this.earlyRefreshes.sum();
	}

	/**
	 * Return values that could not be encoded and so were kept out of Redis.
	 * @return the count
	 */
	public long unencodable() {
		return this.unencodable.sum();
	}

	/**
	 * Return how many asynchronous Redis operations were skipped because the cache's
	 * executor was saturated (a lookup then counts as a miss; a sweep is left to the TTL).
	 * @return the count
	 */
	public long getSaturated() {
		return this.saturated.sum();
	}

}
