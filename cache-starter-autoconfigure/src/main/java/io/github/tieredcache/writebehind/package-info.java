/**
 * Durable write-behind: a Redis Stream of deferred writes and the flusher that runs them.
 */
@NullMarked
package io.github.tieredcache.writebehind;

import org.jspecify.annotations.NullMarked;
