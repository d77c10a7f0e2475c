/**
 * Hot-key detection and agreement: a small decaying frequency sketch per cache fed from
 * the Redis read path, the fleet's hot set gossiped over the invalidation bus's Redis
 * connection, and where replicas of a hot key go on a Redis Cluster.
 */
@NullMarked
package io.github.tieredcache.internal.hotkeys;

import org.jspecify.annotations.NullMarked;
