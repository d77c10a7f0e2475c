package io.github.tieredcache.core;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.internal.observation.CacheObservations.Observed;
import io.github.tieredcache.internal.observation.CacheObservations.Operation;
import io.github.tieredcache.internal.observation.CacheObservations.Outcome;
import io.github.tieredcache.internal.origin.OriginLimiter;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.redis.RedisTier.SetIfAbsentResult;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache.ValueRetrievalException;

/**
 * The two tiers of one cache and the order every path uses them in: a write goes to
 * Redis, then to the in-process tier, then to the other instances (the bus); a read goes
 * to the in-process tier, then to Redis, whose hit fills the in-process tier unless the
 * key was invalidated since the read began. Loaded values are stored over a {@link Claim}
 * (a lease in the key itself) where leases apply, so that a load racing a write never
 * stores an older value.
 * <p>
 * A write that cannot be applied in Redis is remembered by the cache's
 * {@link CacheNamespace}; reads of a key with such a write skip Redis until it is
 * applied. Thread-safe.
 */
final class TwoTierStore {

	private final String name;

	private final CacheSettings settings;

	private final @Nullable RedisTier redis;

	private final @Nullable InvalidationBus bus;

	private final @Nullable CacheNamespace namespace;

	private final EntryExpiry expiry;

	private final RedisEntries entries;

	private final LocalView localView;

	private final CacheStatistics statistics;

	private final Executor executor;

	private final Clock clock;

	private final @Nullable LeaseStore leases;

	private final CacheObservations observations;

	private volatile @Nullable OriginLimiter originLimiter;

	private @Nullable HotKeyProtection hotKeys;

	TwoTierStore(String name, CacheSettings settings, @Nullable RedisTier redis, @Nullable InvalidationBus bus,
			@Nullable CacheNamespace namespace, EntryExpiry expiry, RedisEntries entries, LocalView localView,
			CacheStatistics statistics, Executor executor, Clock clock, CacheObservations observations) {
		this.name = name;
		this.settings = settings;
		this.redis = redis;
		this.bus = bus;
		this.namespace = namespace;
		this.expiry = expiry;
		this.entries = entries;
		this.localView = localView;
		this.statistics = statistics;
		this.executor = executor;
		this.clock = clock;
		this.leases = (redis != null) ? new LeaseStore(redis, settings.lease().ttl()) : null;
		this.observations = observations;
	}

	/**
	 * Protect the cache's hot keys (set once, before the cache is used).
	 * @param hotKeys the protection, or {@code null} when hot keys are off
	 */
	void protectHotKeys(@Nullable HotKeyProtection hotKeys) {
		this.hotKeys = hotKeys;
	}

	/**
	 * Return the cache's name.
	 */
	String name() {
		return this.name;
	}

	/**
	 * Return what observes the cache's Redis reads and loads.
	 */
	CacheObservations observations() {
		return this.observations;
	}

	/**
	 * Return the cache's leases in Redis.
	 * @return the lease store, or {@code null} without Redis
	 */
	@Nullable LeaseStore leases() {
		return this.leases;
	}

	/**
	 * Limit the loads this cache runs against its origin (the cold-start ramp).
	 * @param limiter the limiter, or {@code null} for none
	 */
	void limitOrigin(@Nullable OriginLimiter limiter) {
		this.originLimiter = limiter;
	}

	/**
	 * Return the origin limiter, if one is set: one volatile read, on the miss path only.
	 */
	@Nullable OriginLimiter originLimiter() {
		return this.originLimiter;
	}

	/**
	 * Take a permit to load from the origin limiter, if one is set (one volatile read
	 * otherwise); a limiter that has ended is dropped.
	 * @return the permit, or {@code null} without a limiter
	 */
	OriginLimiter.@Nullable Permit originPermit() {
		OriginLimiter limiter = this.originLimiter;
		if (limiter == null) {
			return null;
		}
		OriginLimiter.Permit permit = limiter.acquire();
		if (permit == OriginLimiter.Permit.ENDED) {
			this.originLimiter = null;
			return null;
		}
		return permit;
	}

	/**
	 * Call a loader, counting the load and timing it, under the origin limiter if one is
	 * set. A caller over the limit past the limiter's wait bound loads anyway, unless a
	 * stale value can be served instead.
	 * @param staleServable whether the caller has a stale value that stale-if-error lets
	 * it serve
	 * @throws ValueRetrievalException if the loader throws, or (with a stale value to
	 * serve) caused by an {@link OriginLimitException} if the limit was reached
	 */
	Loaded callLoader(Object key, Callable<?> valueLoader, boolean staleServable) {
		OriginLimiter.Permit permit = originPermit();
		if (permit == OriginLimiter.Permit.OVER_LIMIT && staleServable) {
			throw new ValueRetrievalException(key, valueLoader, new OriginLimitException(this.name));
		}
		try {
			return callLoaderNow(key, valueLoader);
		}
		finally {
			if (permit != null) {
				permit.release();
			}
		}
	}

	private Loaded callLoaderNow(Object key, Callable<?> valueLoader) {
		this.statistics.loads.increment();
		long started = this.clock.millis();
		long startedNanos = System.nanoTime();
		Observed observed = this.observations.start(Operation.LOAD, this.name);
		try {
			Object value;
			try (CacheObservations.Scope scope = (observed != null) ? observed.openScope() : null) {
				value = valueLoader.call();
			}
			this.statistics.recordLoad(true, System.nanoTime() - startedNanos);
			if (observed != null) {
				observed.stop(Outcome.SUCCESS);
			}
			return new Loaded(value, (int) Math.min(Integer.MAX_VALUE, Math.max(0, this.clock.millis() - started)));
		}
		catch (Exception ex) {
			this.statistics.recordLoad(false, System.nanoTime() - startedNanos);
			if (observed != null) {
				observed.stop(Outcome.FAILURE, ex);
			}
			throw new ValueRetrievalException(key, valueLoader, ex);
		}
		catch (Error ex) {
			this.statistics.recordLoad(false, System.nanoTime() - startedNanos);
			if (observed != null) {
				observed.stop(Outcome.FAILURE, ex);
			}
			throw ex;
		}
	}

	CacheNamespace.@Nullable Version namespace() {
		return (this.namespace != null) ? this.namespace.current() : null;
	}

	/**
	 * Return the version to read a key from, or {@code null} if Redis must not be read
	 * for it: the version is unknown, or a write of the key has still to be applied
	 * there.
	 */
	CacheNamespace.@Nullable Version namespaceFor(String encoded) {
		CacheNamespace namespace = this.namespace;
		if (namespace == null || namespace.journal().isPending(encoded)) {
			return null;
		}
		return namespace.current();
	}

	void forgetNamespace() {
		if (this.namespace != null) {
			this.namespace.forget();
		}
	}

	@Nullable Object lookupLocal(Object localKey) {
		Object stored = this.expiry.fresh(this.localView.get(localKey));
		if (stored != null) {
			this.statistics.localHits.increment();
		}
		return stored;
	}

	@Nullable Object lookupRemote(CacheKey key, long stamp) {
		return this.expiry.fresh(lookupRemoteRaw(key, stamp));
	}

	/**
	 * Return the entry Redis holds for a key, stale ones included (for stale-if-error),
	 * and fill the in-process tier with it.
	 */
	@Nullable Object lookupRemoteRaw(CacheKey key, long stamp) {
		return lookupRemoteRaw(key, stamp, true);
	}

	/**
	 * Return the entry Redis holds for a key, as {@link #lookupRemoteRaw(CacheKey, long)}
	 * does.
	 * @param countMiss whether to count an absent entry as a miss; a caller about to load
	 * counts it itself, once it knows the lookup did not end as a Redis hit after all
	 * (found after a lease wait)
	 */
	@Nullable Object lookupRemoteRaw(CacheKey key, long stamp, boolean countMiss) {
		Object stored = null;
		if (this.redis != null) {
			CacheNamespace.Version ns = namespaceFor(key.encoded());
			if (ns != null) {
				byte[] redisKey = ns.redisKey(key.encoded());
				Observed observed = this.observations.start(Operation.REDIS_READ, this.name);
				try {
					stored = (this.hotKeys != null) ? readHot(this.hotKeys, redisKey, key.encoded())
							: this.entries.decode(redisKey, this.redis.get(redisKey));
				}
				catch (RuntimeException | Error ex) {
					if (observed != null) {
						observed.stop(Outcome.ERROR, ex);
					}
					throw ex;
				}
				if (observed != null) {
					observed.stop(readOutcome(stored != null && this.expiry.fresh(stored) != null));
				}
			}
		}
		// a stale entry (kept for stale-if-error) is no hit: the caller loads
		if (stored == null || this.expiry.fresh(stored) == null) {
			if (countMiss) {
				this.statistics.misses.increment();
			}
			if (stored == null) {
				return null;
			}
		}
		else {
			this.statistics.redisHits.increment();
		}
		this.localView.fill(key.local(), stored, WriteOptions.DEFAULT, stamp);
		return stored;
	}

	/**
	 * Read a key of a cache with hot keys: counted for detection, and read from one of
	 * its copies at random when it is hot and replicated (the primary when that copy is
	 * missing).
	 */
	private @Nullable Object readHot(HotKeyProtection hotKeys, byte[] redisKey, String encoded) {
		hotKeys.recordRead(encoded);
		byte[] readKey = hotKeys.readKey(redisKey, encoded);
		if (readKey != redisKey) {
			byte[] bytes = this.redis.get(readKey);
			if (bytes != null) {
				return this.entries.decode(readKey, bytes);
			}
			hotKeys.replicaMissed();
		}
		return this.entries.decode(redisKey, this.redis.get(redisKey));
	}

	/**
	 * Return the outcome of an observed Redis read: a command that failed returns no
	 * value, told from a miss by the circuit breaker (a failure it has not yet counted
	 * against Redis shows as a miss).
	 */
	Outcome readOutcome(boolean hit) {
		if (hit) {
			return Outcome.HIT;
		}
		return (this.redis != null && !this.redis.isAvailable()) ? Outcome.ERROR : Outcome.MISS;
	}

	/**
	 * Store a value a caller wrote: Redis, then the in-process tier, then tell the other
	 * instances.
	 */
	void storeWritten(CacheKey key, @Nullable Object value, WriteOptions options) {
		long stamp = this.localView.stamp();
		Object stored = this.expiry.timed(EntryExpiry.toStored(value), 0, options);
		boolean remote = writeRemote(key, stored, options, true);
		this.localView.write(key.local(), stored, options, stamp);
		if (remote) {
			published(key.encoded());
		}
	}

	/**
	 * Store a value a loader returned, unless its key was written or invalidated since
	 * the load began (the loaded value may then be older than the write: it goes back to
	 * the caller only).
	 */
	Object storeLoaded(CacheKey key, Loaded loaded, WriteOptions options, long stamp) {
		Object stored = this.expiry.timed(EntryExpiry.toStored(loaded.value()), loaded.millis(), options);
		if (!this.expiry.storable(stored, options) || this.localView.invalidatedSince(key.local(), stamp)) {
			return stored;
		}
		boolean remote = writeRemote(key, stored, options, false);
		this.localView.fill(key.local(), stored, options, stamp);
		if (remote) {
			published(key.encoded());
		}
		return stored;
	}

	/**
	 * Store a value loaded without a claim where leases apply but the key could not be
	 * claimed (a write of it is still to be applied, the version was unknown, the claim
	 * failed): only where nothing is stored yet, so that it cannot land over a write made
	 * during the load.
	 */
	Object storeUnclaimed(CacheKey key, Loaded loaded, WriteOptions options, long stamp) {
		Object stored = this.expiry.timed(EntryExpiry.toStored(loaded.value()), loaded.millis(), options);
		if (!this.expiry.storable(stored, options) || this.localView.invalidatedSince(key.local(), stamp)) {
			return stored;
		}
		String encoded = key.encoded();
		CacheNamespace.Version ns = namespaceFor(encoded);
		byte[] bytes = (ns != null) ? this.entries.encode(stored) : null;
		if (bytes != null) {
			byte[] redisKey = ns.redisKey(encoded);
			Duration ttl = this.expiry.redisTtl(stored, options);
			SetIfAbsentResult.Outcome outcome = this.redis.setIfAbsent(redisKey, bytes, ttl).outcome();
			if (outcome == SetIfAbsentResult.Outcome.PRESENT) {
				return stored;
			}

		}
		this.localView.fill(key.local(), stored, options, stamp);
		published(encoded);
		return stored;
	}

	/**
	 * Store a value in Redis under the current namespace version. A write (as opposed to
	 * a fill of a loaded value) that cannot be applied is remembered, to be applied as a
	 * deletion when Redis answers; a fill that misses Redis leaves nothing to correct.
	 * @return whether the cache uses Redis (and so the other instances must hear of it)
	 */
	boolean writeRemote(CacheKey key, Object stored, WriteOptions options, boolean write) {
		if (this.redis == null || this.namespace == null) {
			return false;
		}
		String encoded = key.encoded();
		CacheNamespace.Version ns = this.namespace.current();
		boolean applied = false;
		if (ns != null) {
			byte[] redisKey = ns.redisKey(encoded);
			byte[] bytes = this.entries.encode(stored);
			// without bytes, an older value must not outlive this one in Redis
			Duration ttl = this.expiry.redisTtl(stored, options);
			applied = (bytes != null) ? this.redis.set(redisKey, bytes, ttl) : this.redis.delete(redisKey) != null;

		}
		if (write && applied) {
			this.namespace.written(encoded, ns);
		}
		else if (write) {
			this.namespace.journal().remember(encoded);
			this.statistics.missedWrites.increment();
		}
		return true;
	}

	/**
	 * Tell the other instances that a key changed in Redis; every path that writes or
	 * deletes a key in Redis ends here, so a hot key's replicas are brought in line with
	 * the primary here too, before the caller returns.
	 */
	void published(String encodedKey) {
		if (this.hotKeys != null) {
			this.hotKeys.changed(encodedKey);
		}
		if (this.bus != null) {
			this.bus.keyChanged(this.name, encodedKey);
		}
	}

	/**
	 * A key claimed in Redis for a fill, before its load: a lease the fill replaces only
	 * if nothing replaced it meanwhile (a write stores its value over it, an eviction or
	 * clear removes it), so a load that raced a write never stores its older value.
	 *
	 * @param redisKey the Redis key
	 * @param lease the lease set, or {@code null} if another value or lease is there (the
	 * load's value then goes to the caller only)
	 */
	record Claim(byte[] redisKey, byte @Nullable [] lease) {
	}

	boolean leasesApply() {
		return this.redis != null && this.namespace != null && this.settings.lease().enabled();
	}

	/**
	 * Claim a key missing from Redis before loading it; {@code null} if Redis cannot be
	 * used for it now (the fill then writes as it can).
	 */
	@Nullable Claim claim(CacheKey key) {
		String encoded = key.encoded();
		CacheNamespace.Version ns = leasesApply() ? namespaceFor(encoded) : null;
		if (ns == null) {
			return null;
		}
		byte[] redisKey = ns.redisKey(encoded);
		byte[] lease = this.leases.newLease();
		SetIfAbsentResult result = this.leases.claim(redisKey, lease);
		return switch (result.outcome()) {
			case STORED -> new Claim(redisKey, lease);
			case PRESENT -> new Claim(redisKey, null);
			case FAILED -> null;
		};
	}

	/**
	 * Give up a claim whose load failed, so that the next caller need not wait for it.
	 */
	void release(Claim claim) {
		byte[] lease = claim.lease();
		if (lease != null && this.leases != null) {
			this.leases.release(claim.redisKey(), lease);
		}
	}

	/**
	 * Store a loaded value over its claim: Redis first, atomically replacing the lease,
	 * then the in-process tier; a claim lost to a write or eviction stores nothing.
	 */
	Object storeClaimed(CacheKey key, Claim claim, Loaded loaded, WriteOptions options, long stamp) {
		Object stored = this.expiry.timed(EntryExpiry.toStored(loaded.value()), loaded.millis(), options);
		byte[] lease = claim.lease();
		if (lease == null) {
			return stored;
		}
		byte[] bytes = (this.expiry.storable(stored, options) && !this.localView.invalidatedSince(key.local(), stamp))
				? this.entries.encode(stored) : null;
		if (bytes == null) {
			this.leases.release(claim.redisKey(), lease);
		}
		else if (this.leases.replace(claim.redisKey(), lease, bytes, this.expiry.redisTtl(stored, options))) {

			this.localView.fill(key.local(), stored, options, stamp);
			published(key.encoded());
		}
		else {
			this.statistics.rejectedFills.increment();
		}
		return stored;
	}

	/**
	 * Run Redis work on the cache's executor, never on the caller's thread (which may be
	 * an event loop); when the executor is saturated, complete with the fallback instead
	 * ({@code null} by default: a miss).
	 */
	<T> CompletableFuture<@Nullable T> supplyAsync(Supplier<@Nullable T> work,
			@Nullable Supplier<@Nullable T> whenSaturated) {
		CompletableFuture<@Nullable T> result = new CompletableFuture<>();
		try {
			this.executor.execute(() -> {
				try {
					result.complete(work.get());
				}
				catch (Throwable ex) {
					result.completeExceptionally(ex);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			this.statistics.saturated.increment();
			result.complete((whenSaturated != null) ? whenSaturated.get() : null);
		}
		return result;
	}

	/**
	 * Store a value unless one is present, atomically in Redis (one script): Redis, then
	 * the in-process tier, then the bus; without Redis for the key, in the in-process
	 * tier alone.
	 * @return the value already present (filled into the in-process tier), or
	 * {@code null} if this one was stored
	 */
	@Nullable Object putIfAbsent(CacheKey key, Object stored) {
		Object localKey = key.local();
		if (this.redis != null && this.namespace != null) {
			long stamp = this.localView.stamp();
			String encoded = key.encoded();
			CacheNamespace.Version ns = namespaceFor(encoded);
			byte[] bytes = this.entries.encode(stored);
			if (ns != null && bytes != null) {
				byte[] redisKey = ns.redisKey(encoded);
				SetIfAbsentResult result = this.redis.setIfAbsent(redisKey, bytes,
						this.expiry.redisTtl(stored, WriteOptions.DEFAULT));
				if (result.outcome() == SetIfAbsentResult.Outcome.PRESENT) {
					Object previous = this.entries.decode(redisKey, result.previous());
					if (previous != null) {
						this.localView.fill(localKey, previous, WriteOptions.DEFAULT, stamp);
						return previous;
					}
					// a lease or an unreadable entry: the value replaces it
					result = this.redis.set(redisKey, bytes, this.expiry.redisTtl(stored, WriteOptions.DEFAULT))
							? SetIfAbsentResult.STORED : SetIfAbsentResult.FAILED;
				}
				if (result.outcome() == SetIfAbsentResult.Outcome.FAILED) {
					this.namespace.journal().remember(encoded);
					this.statistics.missedWrites.increment();
				}
				else {
					this.namespace.written(encoded, ns);

				}
				this.localView.write(localKey, stored, WriteOptions.DEFAULT, stamp);
				published(encoded);
				return null;
			}
		}
		return this.localView.putIfAbsent(localKey, stored, WriteOptions.DEFAULT);
	}

	boolean evict(CacheKey key) {
		boolean present = false;
		String encoded = null;
		if (this.redis != null && this.namespace != null) {
			encoded = key.encoded();
			CacheNamespace.Version ns = this.namespace.current();
			Boolean deleted = (ns != null) ? this.redis.delete(ns.redisKey(encoded)) : null;
			if (deleted != null) {
				present = deleted;
				this.namespace.written(encoded, ns);

			}
			else {
				this.namespace.journal().remember(encoded);
				this.statistics.missedWrites.increment();
			}
		}
		// after Redis, so that a concurrent read of the old value cannot be installed
		// after this
		present |= this.localView.invalidate(key.local());
		if (encoded != null) {
			published(encoded);
		}
		return present;
	}

	/**
	 * Return the version of a key's current entry (see {@link EntryFormat}): computed by
	 * Redis from the stored bytes where the cache uses Redis (one round trip; the value
	 * is neither transferred nor decoded), else from the in-process entry's encoding.
	 * @return the version, or {@code null} if there is no current entry, or it cannot be
	 * told now (Redis unavailable, a write of the key not yet applied there, the value
	 * not encodable)
	 */
	@Nullable String version(CacheKey key) {
		if (this.redis != null && this.namespace != null) {
			String encoded = key.encoded();
			CacheNamespace.Version ns = namespaceFor(encoded);
			if (ns == null) {
				return null;
			}
			byte[] reply = this.redis.evalReadOnly("entry version", EntryFormat.VERSION_SCRIPT, ns.redisKey(encoded));
			return EntryFormat.version(reply, this.clock.millis());
		}
		Object stored = this.expiry.fresh(this.localView.get(key.local()));
		byte[] bytes = (stored != null) ? this.entries.encode(stored) : null;
		return (bytes != null) ? EntryFormat.version(bytes) : null;
	}

	record Loaded(@Nullable Object value, int millis) {
	}

}
