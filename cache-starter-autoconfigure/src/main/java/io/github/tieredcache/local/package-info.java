/**
 * The in-process (L1) tier, backed by Caffeine.
 */
@NullMarked
package io.github.tieredcache.local;

import org.jspecify.annotations.NullMarked;
