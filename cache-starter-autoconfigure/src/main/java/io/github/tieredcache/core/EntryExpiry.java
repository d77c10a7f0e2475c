package io.github.tieredcache.core;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.support.NullValue;

/**
 * How long a cache's entries live in each tier: the one place for its TTL rules.
 * <ul>
 * <li>Redis: the write's {@code ttl}, else the cache's (a cached {@code null}: the
 * cache's {@code null-ttl}), spread by {@code ttl-jitter}; a timed entry (stale-if-error,
 * early refresh) lives until its logical expiry plus {@code stale-if-error};</li>
 * <li>in-process: the write's {@code local-ttl}, else the cache's, cut to
 * {@code null-ttl} for a cached {@code null}.</li>
 * </ul>
 * Also what is stored at all: a {@code null} only where nulls are cached, and only what
 * the write's condition accepts. Thread-safe.
 */
final class EntryExpiry {

	private final CacheSettings settings;

	private final Clock clock;

	EntryExpiry(CacheSettings settings, Clock clock) {
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * Return what the tiers store for a value: the value, or {@code NullValue} for null.
	 */
	static Object toStored(@Nullable Object value) {
		return (value != null) ? value : NullValue.INSTANCE;
	}

	/**
	 * Return the value a stored entry stands for.
	 */
	static @Nullable Object toValue(@Nullable Object stored) {
		Object value = (stored instanceof Timed timed) ? timed.value() : stored;
		return (value == NullValue.INSTANCE) ? null : value;
	}

	static boolean isNull(Object stored) {
		return stored == NullValue.INSTANCE || (stored instanceof Timed timed && timed.value() == NullValue.INSTANCE);
	}

	boolean cachesNull(WriteOptions options) {
		return options.cacheNull() || this.settings.cacheNullValues();
	}

	/**
	 * Return whether a loaded entry is to be stored.
	 */
	boolean storable(Object stored, WriteOptions options) {
		Object value = toValue(stored);
		return (value != null || cachesNull(options)) && options.stores(value);
	}

	/**
	 * Give a stored value its logical expiry and load time, for caches that keep them.
	 */
	Object timed(Object stored, int loadMillis, WriteOptions options) {
		if (!this.settings.timedEntries()) {
			return stored;
		}
		return new Timed(stored, this.clock.millis() + ttl(stored, options).toMillis(), loadMillis);
	}

	/**
	 * Return a stored entry if it may be served: anything but a stale timed entry.
	 */
	@Nullable Object fresh(@Nullable Object stored) {
		return (stored instanceof Timed timed && !timed.isFresh(this.clock.millis())) ? null : stored;
	}

	Duration localTtl(Object stored, WriteOptions options) {
		Duration ttl = (options.localTtl() != null) ? options.localTtl() : this.settings.localTtl();
		Duration nullTtl = this.settings.nullTtl();
		return (isNull(stored) && nullTtl.compareTo(ttl) < 0) ? nullTtl : ttl;
	}

	Duration redisTtl(Object stored, WriteOptions options) {
		if (stored instanceof Timed timed) {
			// kept past its logical expiry for stale-if-error
			long fresh = Math.max(1, timed.expiresAt() - this.clock.millis());
			return Duration.ofMillis(fresh).plus(this.settings.staleIfError());
		}
		return ttl(stored, options);
	}

	/**
	 * Return how many milliseconds a stale entry may still be served (negative once its
	 * stale-if-error window has ended).
	 */
	long staleMillisLeft(Timed stale) {
		return stale.staleDeadline(this.settings.staleIfError().toMillis()) - this.clock.millis();
	}

	private Duration ttl(Object stored, WriteOptions options) {
		Duration ttl = isNull(stored) ? this.settings.nullTtl()
				: (options.ttl() != null) ? options.ttl() : this.settings.ttl();
		double jitter = this.settings.ttlJitter();
		if (jitter == 0) {
			return ttl;
		}
		double factor = 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
		return Duration.ofMillis(Math.max(1, Math.round(ttl.toMillis() * factor)));
	}

}
