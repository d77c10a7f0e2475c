/**
 * Inbound invalidation events declared under {@code tiered-cache.invalidation.events}:
 * messages on Redis pub/sub channels, entries of Redis Streams, PostgreSQL notifications
 * and Spring application events that evict or clear cache entries; and the publishing of
 * this instance's invalidations to other systems. Internal: not API, may change in any
 * release.
 */
@NullMarked
package io.github.tieredcache.internal.events;

import org.jspecify.annotations.NullMarked;
