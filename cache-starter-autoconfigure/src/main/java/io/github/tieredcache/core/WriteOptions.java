package io.github.tieredcache.core;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * How one write stores its entry, overriding the cache's settings where given (the
 * pattern annotations' per-method {@code ttl}, {@code localTtl} and {@code cacheNull}).
 *
 * @param ttl the Redis TTL (jitter still applies), or {@code null} for the cache's
 * @param localTtl the in-process TTL, at most the cache's, or {@code null} for the cache's
 * @param cacheNull whether a {@code null} value is cached (for the cache's
 * {@code null-ttl}) even if the cache does not cache nulls
 */
public record WriteOptions(@Nullable Duration ttl, @Nullable Duration localTtl, boolean cacheNull) {

	/**
	 * The cache's own settings.
	 */
	public static final WriteOptions DEFAULT = new WriteOptions(null, null, false);

}
