/**
 * Test support for applications using tiered-cache, and for tiered-cache's own tests:
 * real {@code redis-server} processes
 * ({@link io.github.tieredcache.testsupport.RedisServer},
 * {@link io.github.tieredcache.testsupport.RedisCluster},
 * {@link io.github.tieredcache.testsupport.RedisSentinel}) with fault helpers and Spring
 * Boot connection details, and a JUnit extension that empties the caches between tests
 * ({@link io.github.tieredcache.testsupport.TieredCacheExtension}).
 */
@NullMarked
package io.github.tieredcache.testsupport;

import org.jspecify.annotations.NullMarked;
