package io.github.tieredcache.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Holds the Redis connection factory the cache uses, so that the cache manager's bean
 * method never names a Spring Data Redis type (Redis is optional on the classpath).
 *
 * @param connectionFactory the connection factory, or {@code null} when the context has
 * none
 */
record TieredCacheRedisConnection(@Nullable RedisConnectionFactory connectionFactory) {
}
