/**
 * The shared (L2) tier: Redis commands through Spring Data Redis, with errors contained.
 */
@NullMarked
package io.github.tieredcache.redis;

import org.jspecify.annotations.NullMarked;
