/**
 * Cache warming at start-up: the warming sources (a fixed key list, the keys Redis holds,
 * {@link io.github.tieredcache.warmup.CacheWarmer} beans), the run with its parallelism
 * and time budget, and its report.
 */
@NullMarked
package io.github.tieredcache.internal.warmup;

import org.jspecify.annotations.NullMarked;
