package io.github.tieredcache.core;

import io.github.tieredcache.testsupport.RedisCluster;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The {@code Cache} contract with both tiers over a real Redis Cluster (three masters,
 * three replicas).
 */
class ClusterCacheConformanceTests extends AbstractTieredCacheConformanceTests {

	@Override
	LettuceConnectionFactory connectionFactory() {
		return RedisCluster.shared().connectionFactory();
	}

	@Override
	CacheSettings.Builder settings() {
		return CacheSettings.builder();
	}

}
