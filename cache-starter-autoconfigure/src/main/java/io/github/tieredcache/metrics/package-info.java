/**
 * Micrometer meters of tiered-cache: Spring Boot's standard cache meters with a
 * {@code tier} tag
 * ({@link io.github.tieredcache.metrics.TieredCacheMeterBinderProvider}), the starter's
 * own per-cache meters, and the meters of what the caches share
 * ({@link io.github.tieredcache.metrics.TieredCacheManagerMetrics}: Redis command path,
 * invalidation bus, write-behind). See {@code docs/metrics.md} for every meter.
 */
@NullMarked
package io.github.tieredcache.metrics;

import org.jspecify.annotations.NullMarked;
