/**
 * The in-process (L1) tier, backed by Caffeine. Internal: not API, may change in any
 * release.
 */
@NullMarked
package io.github.tieredcache.internal.local;

import org.jspecify.annotations.NullMarked;
