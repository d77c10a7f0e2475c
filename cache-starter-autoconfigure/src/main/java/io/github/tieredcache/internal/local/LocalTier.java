package io.github.tieredcache.internal.local;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * The in-process tier: a bounded Caffeine cache. Entries live for the tier's TTL; an
 * entry given a shorter TTL (a cached {@code null}, say) carries its own deadline,
 * checked when it is read. A longer TTL is cut to the tier's.
 * <p>
 * Keys are local keys ({@code CacheKeyEncoder.localKey}); values are what the cache
 * stores (Spring's {@code NullValue} standing for a cached {@code null}).
 * <p>
 * Thread-safe. A hit on an entry with the tier's TTL allocates nothing and reads no clock
 * beyond Caffeine's own.
 */
public final class LocalTier {

	private final Cache<Object, Object> cache;

	private final Ticker ticker;

	private final long ttlNanos;

	private final FillGuard guard;

	private final @Nullable Set<Object> pinned;

	// pinned entries Caffeine evicted for size anyway (its admission policy may drop an
	// entry of weight zero): served from here on a Caffeine miss, until written,
	// removed, expired or unpinned
	private final @Nullable Map<Object, Expiring> spilled;

	/**
	 * Create a tier.
	 * @param ttl how long entries live
	 * @param maximumSize the maximum number of entries
	 * @param ticker the time source (tests inject a fake one; see {@link CoarseTicker})
	 * @param executor where Caffeine runs maintenance and removal work
	 * @param guard records invalidations, so that {@link #fill} never installs a value
	 * read before one
	 */
	public LocalTier(Duration ttl, long maximumSize, Ticker ticker, Executor executor, FillGuard guard) {
		this(ttl, maximumSize, ticker, executor, guard, false);
	}

	/**
	 * Create a tier, optionally one whose entries can be pinned.
	 * @param ttl how long entries live
	 * @param maximumSize the maximum number of entries that are not pinned
	 * @param ticker the time source (tests inject a fake one; see {@link CoarseTicker})
	 * @param executor where Caffeine runs maintenance and removal work
	 * @param guard records invalidations, so that {@link #fill} never installs a value
	 * read before one
	 * @param pinnable whether {@link #pin(Object)} keeps keys from eviction for size: the
	 * tier is then bounded by weight, a pinned entry weighing nothing (Caffeine never
	 * evicts an entry of weight zero for size); its hits are the same
	 */
	public LocalTier(Duration ttl, long maximumSize, Ticker ticker, Executor executor, FillGuard guard,
			boolean pinnable) {
		this.ticker = ticker;
		this.guard = guard;
		this.ttlNanos = ttl.toNanos();
		this.pinned = pinnable ? ConcurrentHashMap.newKeySet() : null;
		this.spilled = pinnable ? new ConcurrentHashMap<>() : null;
		Caffeine<Object, Object> builder = Caffeine.newBuilder();
		Set<Object> pins = this.pinned;
		Map<Object, Expiring> spill = this.spilled;
		if (pins != null && spill != null) {
			builder.maximumWeight(maximumSize)
				.weigher((key, value) -> pins.contains(key) ? 0 : 1)
				.evictionListener((key, value, cause) -> {
					if (cause == RemovalCause.SIZE && key != null && value != null && pins.contains(key)) {
						spill.put(key, (value instanceof Expiring expiring) ? expiring
								: new Expiring(value, ticker.read() + this.ttlNanos));
					}
				});
		}
		else {
			builder.maximumSize(maximumSize);
		}
		this.cache = builder.expireAfterWrite(ttl).ticker(ticker).executor(executor).build();
	}

	/**
	 * Keep a key from eviction for size (it still expires, and is removed like any
	 * other); a no-op unless the tier is pinnable.
	 * @param key the local key
	 * @return whether the key was not pinned before
	 */
	public boolean pin(Object key) {
		Set<Object> pins = this.pinned;
		if (pins == null || !pins.add(key)) {
			return false;
		}
		reweigh(key);
		return true;
	}

	/**
	 * Let a pinned key be evicted for size again.
	 * @param key the local key
	 * @return whether the key was pinned
	 */
	public boolean unpin(Object key) {
		Set<Object> pins = this.pinned;
		if (pins == null || !pins.remove(key)) {
			return false;
		}
		unspill(key);
		reweigh(key);
		return true;
	}

	/**
	 * Return whether a key is pinned.
	 * @param key the local key
	 * @return whether it is pinned
	 */
	public boolean isPinned(Object key) {
		Set<Object> pins = this.pinned;
		return pins != null && pins.contains(key);
	}

	// Caffeine weighs an entry when it is written: rewriting the same value weighs it
	// again, without touching its expiry or the fill guard
	private void reweigh(Object key) {
		this.cache.asMap().computeIfPresent(key, (k, value) -> value);
	}

	/**
	 * Return the value stored for a key.
	 * @param key the local key
	 * @return the stored value, or {@code null} on a miss
	 */
	public @Nullable Object get(Object key) {
		Object stored = this.cache.getIfPresent(key);
		if (stored == null && this.spilled != null) {
			return spilledValue(key);
		}
		if (stored instanceof Expiring expiring) {
			if (this.ticker.read() - expiring.deadline >= 0) {
				this.cache.asMap().remove(key, expiring);
				return null;
			}
			return expiring.value;
		}
		return stored;
	}

	private @Nullable Object spilledValue(Object key) {
		Expiring expiring = this.spilled.get(key);
		if (expiring == null) {
			return null;
		}
		if (this.ticker.read() - expiring.deadline >= 0) {
			this.spilled.remove(key, expiring);
			return null;
		}
		return expiring.value;
	}

	private void unspill(Object key) {
		if (this.spilled != null) {
			this.spilled.remove(key);
		}
	}

	/**
	 * Store a written value: a write invalidates fills of the key still in flight.
	 * @param key the local key
	 * @param value the value to store
	 * @param ttl how long it lives, at most the tier's TTL
	 */
	public void put(Object key, Object value, Duration ttl) {
		this.guard.invalidated(key);
		unspill(key);
		this.cache.put(key, wrap(value, ttl));
	}

	/**
	 * Store a written value, unless another write or an eviction of the key happened
	 * since the write began (the two may have reached Redis in either order: the key is
	 * then removed instead, so that the next read asks Redis). Invalidates fills in
	 * flight.
	 * @param key the local key
	 * @param value the value written
	 * @param ttl how long it lives, at most the tier's TTL
	 * @param stamp the {@link FillGuard#stamp()} taken before the write began
	 * @return whether the value was installed
	 */
	public boolean write(Object key, Object value, Duration ttl, long stamp) {
		boolean[] installed = new boolean[1];
		this.cache.asMap().compute(key, (k, current) -> {
			boolean raced = this.guard.invalidatedSince(k, stamp);
			this.guard.invalidated(k);
			unspill(k);
			if (raced) {
				return null;
			}
			installed[0] = true;
			return wrap(value, ttl);
		});
		return installed[0];
	}

	/**
	 * Install a value read from Redis or loaded, unless the key was invalidated since the
	 * read or load began. The check and the install are atomic with respect to
	 * {@link #remove(Object)} of the same key.
	 * @param key the local key
	 * @param value the value read or loaded
	 * @param ttl how long it lives, at most the tier's TTL
	 * @param stamp the {@link FillGuard#stamp()} taken before the read or load began
	 * @return whether the value was installed
	 */
	public boolean fill(Object key, Object value, Duration ttl, long stamp) {
		boolean[] installed = new boolean[1];
		this.cache.asMap().compute(key, (k, current) -> {
			if (this.guard.invalidatedSince(k, stamp)) {
				return current;
			}
			unspill(k);
			installed[0] = true;
			return wrap(value, ttl);
		});
		return installed[0];
	}

	/**
	 * Store a value unless one is present.
	 * @param key the local key
	 * @param value the value to store
	 * @param ttl how long it lives, at most the tier's TTL
	 * @return the value already present, or {@code null} if this one was stored
	 */
	public @Nullable Object putIfAbsent(Object key, Object value, Duration ttl) {
		this.guard.invalidated(key);
		unspill(key);
		Object wrapped = wrap(value, ttl);
		while (true) {
			Object previous = this.cache.asMap().putIfAbsent(key, wrapped);
			if (previous == null) {
				return null;
			}
			if (!(previous instanceof Expiring expiring)) {
				return previous;
			}
			if (this.ticker.read() - expiring.deadline < 0) {
				return expiring.value;
			}
			if (this.cache.asMap().replace(key, previous, wrapped)) {
				return null;
			}
		}
	}

	private Object wrap(Object value, Duration ttl) {
		long nanos = ttl.toNanos();
		return (nanos < this.ttlNanos) ? new Expiring(value, this.ticker.read() + nanos) : value;
	}

	/**
	 * Remove a key.
	 * @param key the local key
	 * @return whether an entry was present
	 */
	public boolean remove(Object key) {
		this.guard.invalidated(key);
		// Caffeine's entry first: once it is gone, no eviction can spill it again
		boolean present = this.cache.asMap().remove(key) != null;
		return (this.spilled != null && this.spilled.remove(key) != null) || present;
	}

	/**
	 * Remove every entry.
	 * @return whether any entry was present
	 */
	public boolean clear() {
		this.guard.invalidatedAll();
		if (this.spilled != null) {
			this.spilled.clear();
		}
		boolean present = !this.cache.asMap().isEmpty();
		this.cache.invalidateAll();
		return present;
	}

	/**
	 * Return the number of entries, approximately.
	 * @return the estimated size
	 */
	public long estimatedSize() {
		return this.cache.estimatedSize();
	}

	/**
	 * Return the Caffeine cache behind this tier.
	 * @return the native cache
	 */
	public Cache<Object, Object> getNativeCache() {
		return this.cache;
	}

	private record Expiring(Object value, long deadline) {
	}

}
