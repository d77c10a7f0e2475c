package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A cache's entries as Redis bytes, and what happens when they cannot be: a value that
 * cannot be encoded stays out of Redis; bytes that cannot be decoded (corrupt, or naming
 * a type the codec refuses) are a miss and are deleted. Either is counted by reason in
 * the cache's statistics and logged once, never thrown. Thread-safe.
 */
final class RedisEntries {

	private static final Log logger = LogFactory.getLog(TieredCache.class);

	private final String cacheName;

	private final EntryFormat format;

	private final CacheStatistics statistics;

	private final @Nullable RedisTier redis;

	private final AtomicBoolean decodeFailureLogged = new AtomicBoolean();

	private final AtomicBoolean encodeFailureLogged = new AtomicBoolean();

	RedisEntries(String cacheName, EntryFormat format, CacheStatistics statistics, @Nullable RedisTier redis) {
		this.cacheName = cacheName;
		this.format = format;
		this.statistics = statistics;
		this.redis = redis;
	}

	/**
	 * Encode a stored entry, or return {@code null} if it cannot be.
	 */
	byte @Nullable [] encode(Object stored) {
		try {
			return this.format.encode(stored);
		}
		catch (ValueCodecException ex) {
			this.statistics.recordUnencodable(ex.getReason());
			log(this.encodeFailureLogged, "Value not stored in Redis for cache '" + this.cacheName + "'", ex);
			return null;
		}
	}

	/**
	 * Decode what Redis holds: {@code null} for absent keys and leases, and for entries
	 * that cannot be decoded (which are then deleted).
	 */
	@Nullable Object decode(byte[] redisKey, byte @Nullable [] bytes) {
		if (bytes == null) {
			return null;
		}
		try {
			return this.format.decode(bytes);
		}
		catch (ValueCodecException ex) {
			this.statistics.recordUndecodable(ex.getReason());
			log(this.decodeFailureLogged, "Entry '" + new String(redisKey, StandardCharsets.UTF_8) + "' of cache '"
					+ this.cacheName + "' cannot be decoded; treating it as a miss and deleting it", ex);
			if (this.redis != null) {
				this.redis.delete(redisKey);
			}
			return null;
		}
	}

	/**
	 * Decode a timed entry quietly (for the stale copy put back after a failed load).
	 */
	@Nullable Timed decodeTimed(byte[] bytes) {
		try {
			return (this.format.decode(bytes) instanceof Timed timed) ? timed : null;
		}
		catch (ValueCodecException ex) {
			return null;
		}
	}

	private static void log(AtomicBoolean logged, String message, ValueCodecException ex) {
		if (logged.compareAndSet(false, true)) {
			logger.warn(message + " (logged once; see the cache statistics for the count): " + ex.getMessage());
		}
		else if (logger.isDebugEnabled()) {
			logger.debug(message, ex);
		}
	}

}
