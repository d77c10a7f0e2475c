/**
 * The two-tier cache itself: {@link io.github.tieredcache.core.TieredCache} (a Spring
 * {@link org.springframework.cache.Cache}),
 * {@link io.github.tieredcache.core.TieredCacheManager}, resolved per-cache settings, key
 * encoding and the value codec SPI.
 */
@NullMarked
package io.github.tieredcache.core;

import org.jspecify.annotations.NullMarked;
