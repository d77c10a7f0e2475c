/**
 * The caching-pattern annotations: {@link io.github.tieredcache.annotation.CacheAside},
 * {@link io.github.tieredcache.annotation.WriteThrough} and
 * {@link io.github.tieredcache.annotation.CacheInvalidate}. No logic lives here.
 */
@NullMarked
package io.github.tieredcache.annotation;

import org.jspecify.annotations.NullMarked;
