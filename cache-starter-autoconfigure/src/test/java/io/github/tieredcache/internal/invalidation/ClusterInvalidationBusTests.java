package io.github.tieredcache.internal.invalidation;

import io.github.tieredcache.testsupport.RedisCluster;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The invalidation bus tests over a real Redis Cluster (three masters, three replicas).
 */
class ClusterInvalidationBusTests extends InvalidationBusTests {

	@Override
	LettuceConnectionFactory connectionFactory() {
		return RedisCluster.shared().connectionFactory();
	}

	@Override
	String redisGet(String key) {
		return RedisCluster.shared().masterOf(key).command("GET", key);
	}

	@Override
	String topology() {
		return "cluster";
	}

}
