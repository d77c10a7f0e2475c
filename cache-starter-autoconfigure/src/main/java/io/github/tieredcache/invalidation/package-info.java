/**
 * The cross-instance invalidation bus: Redis pub/sub, watched by heartbeats and sequence
 * numbers so that a lost message is always noticed.
 */
@NullMarked
package io.github.tieredcache.invalidation;

import org.jspecify.annotations.NullMarked;
