/**
 * Durable write-behind: a Redis Stream of deferred writes and the flusher that runs them.
 * Internal: not API, may change in any release.
 */
@NullMarked
package io.github.tieredcache.internal.writebehind;

import org.jspecify.annotations.NullMarked;
