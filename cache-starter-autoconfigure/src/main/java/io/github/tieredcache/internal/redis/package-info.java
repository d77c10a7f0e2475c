/**
 * The shared (L2) tier: Redis commands through Spring Data Redis, with errors contained.
 * Internal: not API, may change in any release.
 */
@NullMarked
package io.github.tieredcache.internal.redis;

import org.jspecify.annotations.NullMarked;
