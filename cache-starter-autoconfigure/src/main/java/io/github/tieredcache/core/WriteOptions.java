package io.github.tieredcache.core;

import java.time.Duration;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * How one write stores its entry, overriding the cache's settings where given (the
 * pattern annotations' per-method {@code ttl}, {@code localTtl}, {@code cacheNull} and
 * {@code unless}).
 *
 * @param ttl the Redis TTL (jitter still applies), or {@code null} for the cache's
 * @param localTtl the in-process TTL, at most the cache's, or {@code null} for the
 * cache's
 * @param cacheNull whether a {@code null} value is cached (for the cache's
 * {@code null-ttl}) even if the cache does not cache nulls
 * @param storeIf whether a loaded value is stored at all (a loaded value it refuses goes
 * to the caller only), or {@code null} to store every value
 */
public record WriteOptions(@Nullable Duration ttl, @Nullable Duration localTtl, boolean cacheNull,
		@Nullable Predicate<@Nullable Object> storeIf) {

	/**
	 * The cache's own settings.
	 */
	public static final WriteOptions DEFAULT = new WriteOptions(null, null, false);

	/**
	 * Create options that store every loaded value.
	 * @param ttl the Redis TTL, or {@code null} for the cache's
	 * @param localTtl the in-process TTL, or {@code null} for the cache's
	 * @param cacheNull whether a {@code null} value is cached
	 */
	public WriteOptions(@Nullable Duration ttl, @Nullable Duration localTtl, boolean cacheNull) {
		this(ttl, localTtl, cacheNull, null);
	}

	/**
	 * Return these options, storing only the loaded values the condition accepts.
	 * @param condition whether a loaded value is stored
	 * @return the new options
	 */
	public WriteOptions storeIf(Predicate<@Nullable Object> condition) {
		return new WriteOptions(this.ttl, this.localTtl, this.cacheNull, condition);
	}

	boolean stores(@Nullable Object value) {
		return this.storeIf == null || this.storeIf.test(value);
	}

}
