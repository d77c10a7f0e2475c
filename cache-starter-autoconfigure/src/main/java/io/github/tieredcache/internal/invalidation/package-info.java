/**
 * The cross-instance invalidation bus: Redis pub/sub, watched by heartbeats and sequence
 * numbers so that a lost message is always noticed. Internal: not API, may change in any
 * release.
 */
@NullMarked
package io.github.tieredcache.internal.invalidation;

import org.jspecify.annotations.NullMarked;
