package io.github.tieredcache.core;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.internal.redis.RedisTier;
import org.jspecify.annotations.Nullable;

/**
 * What the caches of one manager share.
 *
 * @param redis the Redis tier, or {@code null}
 * @param bus the invalidation bus, or {@code null}
 * @param codec the value codec
 * @param keyPrefix the Redis key prefix
 * @param executor runs asynchronous work
 * @param ticker the in-process tier's time source
 * @param localExecutor runs Caffeine's maintenance
 * @param clock the wall clock of entry expiry (stale-if-error, early refresh)
 * @param random the random source of early refresh, in [0, 1)
 * @param events publishes the invalidations as application events
 * @param observations observes the work that leaves the JVM
 * @param hotKeys the hot-key machinery, or {@code null} without it
 */
record Infrastructure(@Nullable RedisTier redis, @Nullable InvalidationBus bus, ValueCodec codec, String keyPrefix,
		Executor executor, Ticker ticker, Executor localExecutor, Clock clock, DoubleSupplier random,
		InvalidationEvents events, CacheObservations observations, @Nullable HotKeyFleet hotKeys) {
}
