package io.github.tieredcache.metrics;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import com.github.benmanes.caffeine.cache.Cache;
import io.github.tieredcache.core.CacheStatistics;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.ValueCodecException.Reason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one {@link TieredCache}, read from its {@link CacheStatistics} when the
 * registry is scraped (nothing is recorded on the cache's paths beyond the counters it
 * keeps anyway).
 * <p>
 * {@code cache.gets} counts each lookup once, tagged with its {@code result} and the
 * {@code tier} that answered it: {@code hit}/{@code local}, {@code hit}/{@code redis},
 * {@code miss}/{@code none}. Micrometer's own hit and miss meters are not registered
 * (they have no {@code tier} tag), so every {@code cache.gets} series has the same tag
 * keys.
 */
final class TieredCacheMetrics extends CacheMeterBinder<TieredCache> {

	private static final String GETS_DESCRIPTION = "Lookups, each counted once: a hit tagged with the tier that"
			+ " answered it (local or redis), a miss (the value had to be loaded) with tier none";

	private final @Nullable Cache<?, ?> local;

	TieredCacheMetrics(TieredCache cache, Iterable<Tag> tags) {
		super(cache, cache.getName(), tags);
		this.local = (cache.getNativeCache() instanceof Cache<?, ?> caffeine) ? caffeine : null;
	}

	@Override
	protected @Nullable Long size() {
		return (this.local != null) ? this.local.estimatedSize() : null;
	}

	@Override
	protected long hitCount() {
		// registered with a tier tag in bindImplementationSpecificMetrics
		// CacheMeterBinder.UNSUPPORTED (package-private): Micrometer then skips its own
		// meter
		return -1;
	}

	@Override
	protected @Nullable Long missCount() {
		// registered with a tier tag in bindImplementationSpecificMetrics
		return null;
	}

	@Override
	protected Long evictionCount() {
		TieredCache cache = getCache();
		return (cache != null) ? cache.getStatistics().evictions() : 0L;
	}

	@Override
	protected long putCount() {
		TieredCache cache = getCache();
		return (cache != null) ? cache.getStatistics().puts() : 0L;
	}

	@Override
	protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
		TieredCache cache = getCache();
		if (cache == null) {
			return;
		}
		gets(registry, cache, "hit", "local", CacheStatistics::localHits);
		gets(registry, cache, "hit", "redis", CacheStatistics::redisHits);
		gets(registry, cache, "miss", "none", CacheStatistics::misses);
		loads(registry, cache, "success", CacheStatistics::loadSuccesses, CacheStatistics::loadSuccessNanos);
		loads(registry, cache, "failure", CacheStatistics::loadFailures, CacheStatistics::loadFailureNanos);
		counter(registry, cache, "tiered.cache.stale.served", CacheStatistics::staleServed,
				"Stale entries served because the loader failed (stale-if-error)");
		counter(registry, cache, "tiered.cache.early.refreshes", CacheStatistics::earlyRefreshes,
				"Background reloads started before expiry (early refresh)");
		for (CacheStatistics.LeaseWait outcome : CacheStatistics.LeaseWait.values()) {
			FunctionTimer
				.builder("tiered.cache.lease.waits", cache, (c) -> c.getStatistics().leaseWaits(outcome),
						(c) -> c.getStatistics().leaseWaitNanos(outcome), TimeUnit.NANOSECONDS)
				.tags(getTagsWithCacheName())
				.tag("outcome", tagValue(outcome))
				.description("Misses that waited for another caller's lease, by how the wait ended")
				.register(registry);
		}
		counter(registry, cache, "tiered.cache.fills.refused", CacheStatistics::guardedFills, "reason", "invalidated",
				"Values kept out of the in-process tier because their key was invalidated after the read or load"
						+ " began");
		counter(registry, cache, "tiered.cache.fills.refused", CacheStatistics::rejectedFills, "reason", "lease_lost",
				"Loaded values kept out of the cache because their lease was voided by a write while they loaded");
		for (Reason reason : Reason.values()) {
			counter(registry, cache, "tiered.cache.codec.rejections", (s) -> s.undecodable(reason), "operation",
					"decode", "reason", tagValue(reason), "Redis entries that could not be decoded (treated as misses"
							+ " and deleted) or values that could not be encoded (kept out of Redis), by reason");
			counter(registry, cache, "tiered.cache.codec.rejections", (s) -> s.unencodable(reason), "operation",
					"encode", "reason", tagValue(reason), "Redis entries that could not be decoded (treated as misses"
							+ " and deleted) or values that could not be encoded (kept out of Redis), by reason");
		}
		counter(registry, cache, "tiered.cache.namespace.bumps", CacheStatistics::namespaceBumps,
				"Clears of this instance that moved the cache to a new namespace version");
		counter(registry, cache, "tiered.cache.writes.missed", CacheStatistics::missedWrites,
				"Writes and evictions that could not be applied in Redis and were remembered");
		counter(registry, cache, "tiered.cache.writes.replayed", CacheStatistics::replayedWrites,
				"Remembered writes applied in Redis once it answered again");
		counter(registry, cache, "tiered.cache.saturated", CacheStatistics::saturated,
				"Asynchronous Redis operations skipped because the cache's executor was saturated");
		if (cache.getSettings().hotKeys().enabled()) {
			Gauge.builder("tiered.cache.hot.keys", cache, (c) -> c.getHotKeys().size())
				.tags(getTagsWithCacheName())
				.description("Keys the instances agree are hot: pinned in the in-process tier, replicated in Redis")
				.register(registry);
		}
	}

	private void gets(MeterRegistry registry, TieredCache cache, String result, String tier,
			ToLongFunction<CacheStatistics> count) {
		FunctionCounter.builder("cache.gets", cache, (c) -> count.applyAsLong(c.getStatistics()))
			.tags(getTagsWithCacheName())
			.tag("result", result)
			.tag("tier", tier)
			.description(GETS_DESCRIPTION)
			.register(registry);
	}

	private void loads(MeterRegistry registry, TieredCache cache, String result, ToLongFunction<CacheStatistics> count,
			ToDoubleFunction<CacheStatistics> nanos) {
		FunctionTimer
			.builder("cache.loads", cache, (c) -> count.applyAsLong(c.getStatistics()),
					(c) -> nanos.applyAsDouble(c.getStatistics()), TimeUnit.NANOSECONDS)
			.tags(getTagsWithCacheName())
			.tag("result", result)
			.description("Loader invocations and the time they took, by outcome")
			.register(registry);
	}

	private void counter(MeterRegistry registry, TieredCache cache, String name, ToLongFunction<CacheStatistics> count,
			String description) {
		FunctionCounter.builder(name, cache, (c) -> count.applyAsLong(c.getStatistics()))
			.tags(getTagsWithCacheName())
			.description(description)
			.register(registry);
	}

	private void counter(MeterRegistry registry, TieredCache cache, String name, ToLongFunction<CacheStatistics> count,
			String key, String value, String description) {
		FunctionCounter.builder(name, cache, (c) -> count.applyAsLong(c.getStatistics()))
			.tags(getTagsWithCacheName())
			.tag(key, value)
			.description(description)
			.register(registry);
	}

	private void counter(MeterRegistry registry, TieredCache cache, String name, ToLongFunction<CacheStatistics> count,
			String key1, String value1, String key2, String value2, String description) {
		FunctionCounter.builder(name, cache, (c) -> count.applyAsLong(c.getStatistics()))
			.tags(getTagsWithCacheName())
			.tag(key1, value1)
			.tag(key2, value2)
			.description(description)
			.register(registry);
	}

	static String tagValue(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT);
	}

}
