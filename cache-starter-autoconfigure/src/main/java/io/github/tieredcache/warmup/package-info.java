/**
 * Cache warming, what applications implement: the {@link CacheWarmer} SPI. Warming itself
 * (the sources configured under {@code tiered-cache.caches.<name>.warm}, the readiness
 * gate and the origin ramp) is internal and configured with properties.
 */
@NullMarked
package io.github.tieredcache.warmup;

import org.jspecify.annotations.NullMarked;
