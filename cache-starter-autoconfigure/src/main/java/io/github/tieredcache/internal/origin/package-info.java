/**
 * Limits on the loads a cache sends to its origin (the cold-start ramp): a seam the
 * caches' miss paths consult, without any dependency of their own.
 */
@NullMarked
package io.github.tieredcache.internal.origin;

import org.jspecify.annotations.NullMarked;
