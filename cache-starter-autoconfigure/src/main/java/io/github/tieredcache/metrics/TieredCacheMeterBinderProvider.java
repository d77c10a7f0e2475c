package io.github.tieredcache.metrics;

import io.github.tieredcache.core.TieredCache;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;

/**
 * Spring Boot's {@link CacheMeterBinderProvider} for {@link TieredCache}: the standard
 * cache meters ({@code cache.gets}, {@code cache.puts}, {@code cache.evictions},
 * {@code cache.size}) with a {@code tier} tag on gets, load timing as
 * {@code cache.loads}, and the starter's own per-cache meters. Stateless and thread-safe.
 */
public class TieredCacheMeterBinderProvider implements CacheMeterBinderProvider<TieredCache> {

	@Override
	public MeterBinder getMeterBinder(TieredCache cache, Iterable<Tag> tags) {
		return new TieredCacheMetrics(cache, tags);
	}

}
