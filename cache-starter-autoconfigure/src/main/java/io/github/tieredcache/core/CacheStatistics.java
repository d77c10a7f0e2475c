package io.github.tieredcache.core;

import java.util.concurrent.atomic.LongAdder;

import io.github.tieredcache.core.ValueCodecException.Reason;

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

	private final LongAdder[] undecodableByReason = adders(Reason.values().length);

	private final LongAdder[] unencodableByReason = adders(Reason.values().length);

	final LongAdder leaseWaits = new LongAdder();

	private final LongAdder[] leaseWaitsByOutcome = adders(LeaseWait.values().length);

	private final LongAdder[] leaseWaitNanos = adders(LeaseWait.values().length);

	final LongAdder guardedFills = new LongAdder();

	final LongAdder rejectedFills = new LongAdder();

	final LongAdder staleServed = new LongAdder();

	final LongAdder earlyRefreshes = new LongAdder();

	final LongAdder saturated = new LongAdder();

	final LongAdder unacknowledgedClears = new LongAdder();

	final LongAdder loadSuccesses = new LongAdder();

	private final LongAdder loadSuccessNanos = new LongAdder();

	private final LongAdder loadFailureNanos = new LongAdder();

	final LongAdder puts = new LongAdder();

	final LongAdder evictions = new LongAdder();

	final LongAdder namespaceBumps = new LongAdder();

	final LongAdder missedWrites = new LongAdder();

	final LongAdder replayedWrites = new LongAdder();

	CacheStatistics() {
	}

	private static LongAdder[] adders(int count) {
		LongAdder[] adders = new LongAdder[count];
		for (int i = 0; i < adders.length; i++) {
			adders[i] = new LongAdder();
		}
		return adders;
	}

	void recordUndecodable(Reason reason) {
		this.undecodable.increment();
		this.undecodableByReason[reason.ordinal()].increment();
	}

	void recordLeaseWait(LeaseWait outcome, long nanos) {
		this.leaseWaitsByOutcome[outcome.ordinal()].increment();
		this.leaseWaitNanos[outcome.ordinal()].add(nanos);
	}

	void recordLoad(boolean succeeded, long nanos) {
		if (succeeded) {
			this.loadSuccesses.increment();
			this.loadSuccessNanos.add(nanos);
		}
		else {
			this.loadFailures.increment();
			this.loadFailureNanos.add(nanos);
		}
	}

	void recordUnencodable(Reason reason) {
		this.unencodable.increment();
		this.unencodableByReason[reason.ordinal()].increment();
	}

	/**
	 * Return lookups answered by the in-process tier, including those that joined a load
	 * of the same key already running in this JVM.
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
	 * Return lookups answered by neither tier: the value had to be loaded (or, for a
	 * lookup without a loader, was absent). Each lookup counts once, as a local hit, a
	 * Redis hit or a miss; one that waited for another instance's lease and then found
	 * the value in Redis is a Redis hit.
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
	 * Return loader invocations that returned a value (a batch load counts once).
	 * Together with {@link #loadFailures()} this counts finished loads; {@link #loads()}
	 * counts started ones.
	 * @return the count
	 */
	public long loadSuccesses() {
		return this.loadSuccesses.sum();
	}

	/**
	 * Return the time spent in loader invocations that returned a value.
	 * @return the total, in nanoseconds
	 */
	public long loadSuccessNanos() {
		return this.loadSuccessNanos.sum();
	}

	/**
	 * Return the time spent in loader invocations that failed.
	 * @return the total, in nanoseconds
	 */
	public long loadFailureNanos() {
		return this.loadFailureNanos.sum();
	}

	/**
	 * Return values written by callers ({@code put}, and {@code putIfAbsent} when it
	 * stored its value); values stored after a load are not counted here but in
	 * {@link #loadSuccesses()}.
	 * @return the count
	 */
	public long puts() {
		return this.puts.sum();
	}

	/**
	 * Return keys evicted by callers ({@code evict}, {@code evictIfPresent}), whether or
	 * not they were present. Entries the in-process tier drops for its size or TTL and
	 * clears are not counted.
	 * @return the count
	 */
	public long evictions() {
		return this.evictions.sum();
	}

	/**
	 * Return clears of this instance that moved the cache to a new namespace version in
	 * Redis.
	 * @return the count
	 */
	public long namespaceBumps() {
		return this.namespaceBumps.sum();
	}

	/**
	 * Return writes and evictions that could not be applied in Redis and were remembered,
	 * to be applied (as deletions) when Redis answers.
	 * @return the count
	 */
	public long missedWrites() {
		return this.missedWrites.sum();
	}

	/**
	 * Return remembered writes applied in Redis once it answered again.
	 * @return the count
	 */
	public long replayedWrites() {
		return this.replayedWrites.sum();
	}

	/**
	 * Return Redis entries that could not be decoded, whatever the reason (corrupt,
	 * naming a type that is not allowed, not fitting their type), and were treated as
	 * misses and deleted.
	 * @return the count, the sum of {@link #undecodable(Reason)} over every reason
	 */
	public long undecodable() {
		return this.undecodable.sum();
	}

	/**
	 * Return Redis entries that could not be decoded for one reason.
	 * @param reason the reason the codec gave
	 * @return the count
	 */
	public long undecodable(Reason reason) {
		return this.undecodableByReason[reason.ordinal()].sum();
	}

	/**
	 * Return Redis entries refused because they name a type outside the codec's
	 * allow-list: {@code undecodable(Reason.TYPE_NOT_ALLOWED)}. Outside an attack or a
	 * misconfiguration (a type dropped from the allow-list, instances sharing Redis with
	 * different lists) this stays at zero, so it is worth an alert.
	 * @return the count
	 */
	public long rejectedTypes() {
		return undecodable(Reason.TYPE_NOT_ALLOWED);
	}

	/**
	 * Return misses that waited for another caller's lease to be filled.
	 * @return the count
	 */
	public long leaseWaits() {
		return this.leaseWaits.sum();
	}

	/**
	 * Return finished lease waits that ended one way.
	 * @param outcome how they ended
	 * @return the count
	 */
	public long leaseWaits(LeaseWait outcome) {
		return this.leaseWaitsByOutcome[outcome.ordinal()].sum();
	}

	/**
	 * Return the time spent in lease waits that ended one way.
	 * @param outcome how they ended
	 * @return the total, in nanoseconds
	 */
	public long leaseWaitNanos(LeaseWait outcome) {
		return this.leaseWaitNanos[outcome.ordinal()].sum();
	}

	/**
	 * Return values read from Redis or loaded that the in-process tier refused because
	 * their key was invalidated (by a write, an eviction or another instance) after the
	 * read or load began: the fill race closed.
	 * @return the count
	 */
	public long guardedFills() {
		return this.guardedFills.sum();
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
	 * Return values that could not be encoded, whatever the reason, and so were kept out
	 * of Redis (the in-process tier still holds them).
	 * @return the count, the sum of {@link #unencodable(Reason)} over every reason
	 */
	public long unencodable() {
		return this.unencodable.sum();
	}

	/**
	 * Return values that could not be encoded for one reason:
	 * {@link Reason#TYPE_NOT_ALLOWED} for a value of, or holding a value of, a type
	 * outside the allow-list; {@link Reason#UNREADABLE_TYPE} for one that could be
	 * written but not read back.
	 * @param reason the reason the codec gave
	 * @return the count
	 */
	public long unencodable(Reason reason) {
		return this.unencodableByReason[reason.ordinal()].sum();
	}

	/**
	 * Return how many asynchronous Redis operations were skipped because the cache's
	 * executor was saturated (a lookup then counts as a miss; a sweep is left to the
	 * TTL).
	 * @return the count
	 */
	public long saturated() {
		return this.saturated.sum();
	}

	/**
	 * Return how many {@code invalidate()} calls returned before every live instance had
	 * acknowledged them (within one heartbeat interval).
	 * @return the count
	 */
	public long unacknowledgedClears() {
		return this.unacknowledgedClears.sum();
	}

	/**
	 * How a wait for another caller's lease ended.
	 */
	public enum LeaseWait {

		/**
		 * The lease holder stored the value, which the waiter then read.
		 */
		FILLED,

		/**
		 * The lease went away (released after a failed load, or expired) and the waiter
		 * took one itself and loaded.
		 */
		ACQUIRED,

		/**
		 * The wait reached {@code lease.max-wait}, or Redis failed, and the waiter loaded
		 * without a lease.
		 */
		GAVE_UP

	}

}
