package io.github.tieredcache.core;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The resolved, validated settings of one cache. Immutable; create one with
 * {@link #builder()}.
 *
 * @param ttl how long an entry lives in Redis
 * @param ttlJitter fraction by which each Redis TTL is randomly spread, from 0
 * (inclusive) to 1 (exclusive); 0.1 spreads expiry over ±10%
 * @param cacheNullValues whether {@code null} results are cached
 * @param nullTtl how long a cached {@code null} lives, in either tier
 * @param localEnabled whether the in-process (Caffeine) tier is used
 * @param localTtl how long an entry lives in the in-process tier, never more than
 * {@code ttl} when Redis is used
 * @param localMaximumSize maximum number of entries in the in-process tier
 * @param redisEnabled whether the Redis tier is used
 * @param lease how misses take leases in Redis
 * @param staleIfError how long past its TTL an entry is kept to be served if the loader
 * fails; zero turns it off
 * @param earlyRefreshBeta the XFetch beta (Vattani et al., VLDB 2015): on a hit, the
 * entry is recomputed in the background with probability
 * {@code exp(-timeLeft / (beta × loadTime))}; 0 turns it off, 1 is the paper's default
 * @param hotKeys how hot keys are detected, pinned and replicated
 */
public record CacheSettings(Duration ttl, double ttlJitter, boolean cacheNullValues, Duration nullTtl,
		boolean localEnabled, Duration localTtl, long localMaximumSize, boolean redisEnabled, Lease lease,
		Duration staleIfError, double earlyRefreshBeta, HotKeys hotKeys) {

	/**
	 * Default for {@link #ttl()}.
	 */
	public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);

	/**
	 * Upper bound of the derived default for {@link #localTtl()}.
	 */
	public static final Duration DEFAULT_MAX_LOCAL_TTL = Duration.ofMinutes(1);

	/**
	 * Validate the settings.
	 * @throws IllegalArgumentException if a setting is out of range
	 */
	public CacheSettings {
		Assert.isTrue(isPositive(ttl), "ttl must be positive");
		Assert.isTrue(ttlJitter >= 0 && ttlJitter < 1, "ttl-jitter must be at least 0 and less than 1");
		Assert.isTrue(isPositive(nullTtl), "null-ttl must be positive");
		Assert.isTrue(isPositive(localTtl), "local.ttl must be positive");
		Assert.isTrue(localMaximumSize > 0, "local.maximum-size must be positive");
		Assert.isTrue(localEnabled || redisEnabled, "local.enabled and redis.enabled must not both be false");
		Assert.isTrue(!redisEnabled || localTtl.compareTo(ttl) <= 0, "local.ttl must not exceed ttl");
		Assert.notNull(lease, "lease must not be null");
		Assert.isTrue(!staleIfError.isNegative(), "stale-if-error must not be negative");
		Assert.isTrue(earlyRefreshBeta >= 0, "early-refresh.beta must not be negative");
		Assert.notNull(hotKeys, "hot-keys must not be null");
	}

	/**
	 * Create settings without hot-key handling.
	 * @param ttl see the record
	 * @param ttlJitter see the record
	 * @param cacheNullValues see the record
	 * @param nullTtl see the record
	 * @param localEnabled see the record
	 * @param localTtl see the record
	 * @param localMaximumSize see the record
	 * @param redisEnabled see the record
	 * @param lease see the record
	 * @param staleIfError see the record
	 * @param earlyRefreshBeta see the record
	 */
	public CacheSettings(Duration ttl, double ttlJitter, boolean cacheNullValues, Duration nullTtl,
			boolean localEnabled, Duration localTtl, long localMaximumSize, boolean redisEnabled, Lease lease,
			Duration staleIfError, double earlyRefreshBeta) {
		this(ttl, ttlJitter, cacheNullValues, nullTtl, localEnabled, localTtl, localMaximumSize, redisEnabled, lease,
				staleIfError, earlyRefreshBeta, HotKeys.DISABLED);
	}

	/**
	 * Hot keys: keys whose Redis reads (in-process misses) make up at least
	 * {@code threshold} of the cache's are reported to every instance; while any instance
	 * reports one, it is pinned in the in-process tier (never evicted for size) and, with
	 * {@code replicas} above 1, its Redis value is also kept in {@code replicas − 1}
	 * copies on other masters that reads spread over.
	 *
	 * @param enabled whether hot keys are detected (only with Redis)
	 * @param threshold the share of the cache's Redis reads that makes a key hot, in (0,
	 * 1]
	 * @param topK the most hot keys of the cache per instance
	 * @param replicas copies of a hot key's Redis value, primary included (1: none), at
	 * most 16; 0 for the number of masters (1 on a single Redis)
	 */
	public record HotKeys(boolean enabled, double threshold, int topK, int replicas) {

		/**
		 * Hot keys off (with the defaults otherwise: 1%, 16 keys, one copy per master).
		 */
		public static final HotKeys DISABLED = new HotKeys(false, 0.01, 16, 0);

		/**
		 * Validate the settings.
		 * @throws IllegalArgumentException if a setting is out of range
		 */
		public HotKeys {
			Assert.isTrue(threshold > 0 && threshold <= 1, "hot-keys.threshold must be above 0 and at most 1");
			Assert.isTrue(topK >= 1 && topK <= 1024, "hot-keys.top-k must be from 1 to 1024");
			Assert.isTrue(replicas >= 0 && replicas <= 16, "hot-keys.replicas must be from 0 to 16");
		}

	}

	/**
	 * Return whether entries carry their expiry and load time (for stale-if-error or
	 * early refresh).
	 * @return whether entries are timed
	 */
	public boolean timedEntries() {
		return !this.staleIfError.isZero() || this.earlyRefreshBeta > 0;
	}

	/**
	 * Leases (after "Scaling Memcache at Facebook", NSDI 2013): on a miss in both tiers
	 * the caller takes a short per-key lease in Redis; only the holder loads and fills,
	 * and a write or eviction of the key voids the lease, so a slow load never puts back
	 * a value older than the write.
	 *
	 * @param enabled whether misses take leases (only with Redis)
	 * @param ttl how long a lease outlives a holder that crashed
	 * @param maxWait how long other callers wait for the holder's fill before loading
	 * themselves
	 */
	public record Lease(boolean enabled, Duration ttl, Duration maxWait) {

		/**
		 * The defaults: on, 5 s, 250 ms.
		 */
		public static final Lease DEFAULT = new Lease(true, Duration.ofSeconds(5), Duration.ofMillis(250));

		/**
		 * Validate the settings.
		 * @throws IllegalArgumentException if a duration is not positive
		 */
		public Lease {
			Assert.isTrue(isPositive(ttl), "lease.ttl must be positive");
			Assert.isTrue(!maxWait.isNegative(), "lease.wait must not be negative");
		}

	}

	private static boolean isPositive(Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

	/**
	 * Return a builder with the defaults.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Builder for {@link CacheSettings}. Not thread-safe.
	 */
	public static final class Builder {

		private Duration ttl = DEFAULT_TTL;

		private double ttlJitter = 0.1;

		private boolean cacheNullValues;

		private Duration nullTtl = Duration.ofMinutes(1);

		private boolean localEnabled = true;

		private @Nullable Duration localTtl;

		private long localMaximumSize = 10_000;

		private boolean redisEnabled = true;

		private Lease lease = Lease.DEFAULT;

		private Duration staleIfError = Duration.ZERO;

		private double earlyRefreshBeta;

		private HotKeys hotKeys = HotKeys.DISABLED;

		private Builder() {
		}

		/**
		 * Set the Redis TTL.
		 * @param ttl the TTL
		 * @return this builder
		 */
		public Builder ttl(Duration ttl) {
			this.ttl = ttl;
			return this;
		}

		/**
		 * Set the random spread of each Redis TTL, in [0, 1).
		 * @param ttlJitter the fraction
		 * @return this builder
		 */
		public Builder ttlJitter(double ttlJitter) {
			this.ttlJitter = ttlJitter;
			return this;
		}

		/**
		 * Set whether {@code null} results are cached.
		 * @param cacheNullValues whether to cache nulls
		 * @return this builder
		 */
		public Builder cacheNullValues(boolean cacheNullValues) {
			this.cacheNullValues = cacheNullValues;
			return this;
		}

		/**
		 * Set the TTL of a cached {@code null}, in either tier.
		 * @param nullTtl the TTL
		 * @return this builder
		 */
		public Builder nullTtl(Duration nullTtl) {
			this.nullTtl = nullTtl;
			return this;
		}

		/**
		 * Set whether the in-process tier is used.
		 * @param localEnabled whether to use it
		 * @return this builder
		 */
		public Builder localEnabled(boolean localEnabled) {
			this.localEnabled = localEnabled;
			return this;
		}

		/**
		 * Set the in-process TTL; {@code null} derives it: {@code min(ttl, 1 minute)}
		 * when Redis is used, else {@code ttl}.
		 * @param localTtl the TTL or {@code null}
		 * @return this builder
		 */
		public Builder localTtl(@Nullable Duration localTtl) {
			this.localTtl = localTtl;
			return this;
		}

		/**
		 * Set the bound of the in-process tier.
		 * @param localMaximumSize the maximum number of entries
		 * @return this builder
		 */
		public Builder localMaximumSize(long localMaximumSize) {
			this.localMaximumSize = localMaximumSize;
			return this;
		}

		/**
		 * Set whether the Redis tier is used.
		 * @param redisEnabled whether to use it
		 * @return this builder
		 */
		public Builder redisEnabled(boolean redisEnabled) {
			this.redisEnabled = redisEnabled;
			return this;
		}

		/**
		 * Set how misses take leases.
		 * @param lease the lease settings
		 * @return this builder
		 */
		public Builder lease(Lease lease) {
			this.lease = lease;
			return this;
		}

		/**
		 * Set how long past its TTL an entry is kept for stale-if-error (zero: off).
		 * @param staleIfError the grace window
		 * @return this builder
		 */
		public Builder staleIfError(Duration staleIfError) {
			this.staleIfError = staleIfError;
			return this;
		}

		/**
		 * Set the XFetch beta of early refresh (0: off).
		 * @param earlyRefreshBeta the beta
		 * @return this builder
		 */
		public Builder earlyRefreshBeta(double earlyRefreshBeta) {
			this.earlyRefreshBeta = earlyRefreshBeta;
			return this;
		}

		/**
		 * Set how hot keys are handled.
		 * @param hotKeys the hot-key settings
		 * @return this builder
		 */
		public Builder hotKeys(HotKeys hotKeys) {
			this.hotKeys = hotKeys;
			return this;
		}

		/**
		 * Build the settings.
		 * @return the settings
		 * @throws IllegalArgumentException if a setting is out of range
		 */
		public CacheSettings build() {
			Duration local = this.localTtl;
			if (local == null) {
				local = (this.redisEnabled && this.ttl.compareTo(DEFAULT_MAX_LOCAL_TTL) > 0) ? DEFAULT_MAX_LOCAL_TTL
						: this.ttl;
			}
			return new CacheSettings(this.ttl, this.ttlJitter, this.cacheNullValues, this.nullTtl, this.localEnabled,
					local, this.localMaximumSize, this.redisEnabled, this.lease, this.staleIfError,
					this.earlyRefreshBeta, this.hotKeys);
		}

	}

}
