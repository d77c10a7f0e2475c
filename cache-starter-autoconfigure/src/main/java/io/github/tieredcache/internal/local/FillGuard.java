package io.github.tieredcache.internal.local;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Remembers when keys were last invalidated, so that a value read or loaded before an
 * invalidation of its key is never installed after it (the fill race: a read from Redis
 * that started before another instance's write must not put the old value into the
 * in-process tier once the write's invalidation has arrived).
 * <p>
 * Invalidations are stamped from one counter and recorded per stripe of keys (1,024
 * stripes): memory is constant, and two keys sharing a stripe only cost a skipped fill,
 * never a stale one.
 * <p>
 * Thread-safe and lock-free.
 */
public final class FillGuard {

	private static final int STRIPE_BITS = 10;

	private final AtomicLong clock = new AtomicLong();

	private final AtomicLongArray invalidatedAt = new AtomicLongArray(1 << STRIPE_BITS);

	private volatile long clearedAt;

	/**
	 * Return a stamp to take before reading or loading a value.
	 * @return the stamp
	 */
	public long stamp() {
		return this.clock.get();
	}

	/**
	 * Record that a key was invalidated (written, evicted, or invalidated by another
	 * instance).
	 * @param key the local key
	 */
	public void invalidated(Object key) {
		long at = this.clock.incrementAndGet();
		this.invalidatedAt.accumulateAndGet(stripe(key), at, Math::max);
	}

	/**
	 * Record that every key was invalidated.
	 */
	public void invalidatedAll() {
		this.clearedAt = this.clock.incrementAndGet();
	}

	/**
	 * Return whether a key may have been invalidated since a stamp was taken.
	 * @param key the local key
	 * @param stamp the stamp taken before the read or load
	 * @return whether the value read or loaded must not be installed
	 */
	public boolean invalidatedSince(Object key, long stamp) {
		return this.clearedAt > stamp || this.invalidatedAt.get(stripe(key)) > stamp;
	}

	private static int stripe(Object key) {
		return (key.hashCode() * 0x9E3779B9) >>> (32 - STRIPE_BITS);
	}

}
