package io.github.tieredcache.internal.invalidation;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisCluster;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The invalidation bus over a real Redis Cluster (plain pub/sub, which the cluster
 * forwards to every node), and the cache through a master's failover.
 */
class ClusterCoherenceTests {

	private final String prefix = "cluster-bus-" + UUID.randomUUID();

	private TieredCacheManager manager(LettuceConnectionFactory connectionFactory) {
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(this.prefix)
			.valueCodec(new JacksonValueCodec(List.of()))
			.invalidation(this.prefix + ":invalidation", InvalidationBusTests.HEARTBEAT)
			.cache("products", CacheSettings.builder().localTtl(Duration.ofMinutes(1)).build())
			.build();
		await().atMost(Duration.ofSeconds(20)).until(() -> manager.getInvalidationBus().isHealthy());
		return manager;
	}

	@Test
	void writesReachOtherInstancesThroughTheCluster() {
		RedisCluster cluster = RedisCluster.shared();
		LettuceConnectionFactory connectionA = cluster.connectionFactory();
		LettuceConnectionFactory connectionB = cluster.connectionFactory();
		TieredCacheManager managerA = manager(connectionA);
		TieredCacheManager managerB = manager(connectionB);
		try {
			TieredCache a = managerA.getCache("products");
			TieredCache b = managerB.getCache("products");
			for (int i = 0; i < 20; i++) {
				a.put("k" + i, "v1");
			}
			await().atMost(InvalidationBusTests.BOUND).untilAsserted(() -> {
				for (int i = 0; i < 20; i++) {
					assertThat(b.get("k" + i, String.class)).isEqualTo("v1");
				}
			});
			for (int i = 0; i < 20; i++) {
				a.put("k" + i, "v2");
			}
			await().atMost(InvalidationBusTests.BOUND).untilAsserted(() -> {
				for (int i = 0; i < 20; i++) {
					assertThat(b.get("k" + i, String.class)).isEqualTo("v2");
				}
			});
			a.clear();
			await().atMost(InvalidationBusTests.BOUND).untilAsserted(() -> assertThat(b.get("k1")).isNull());
		}
		finally {
			managerA.destroy();
			managerB.destroy();
			connectionA.destroy();
			connectionB.destroy();
		}
	}

	@Test
	void cacheKeepsAnsweringThroughAFailoverAndThenUsesRedisAgain() {
		try (RedisCluster cluster = RedisCluster.start()) {
			LettuceConnectionFactory connectionA = cluster.connectionFactory();
			LettuceConnectionFactory connectionB = cluster.connectionFactory();
			TieredCacheManager managerA = manager(connectionA);
			TieredCacheManager managerB = manager(connectionB);
			try {
				TieredCache a = managerA.getCache("products");
				TieredCache b = managerB.getCache("products");
				a.put("k", "v1");
				String redisKey = a.currentRedisKeyPrefix() + "k";
				RedisServer master = cluster.masterOf(redisKey);
				master.kill();
				// during the failover every read answers, from a tier or the loader
				AtomicInteger loads = new AtomicInteger();
				await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
					assertThat(b.get("k", () -> {
						loads.incrementAndGet();
						return "loaded";
					})).isIn("v1", "loaded");
					return cluster.nodes().stream().filter((node) -> node != master).allMatch((node) -> {
						String info = node.command("CLUSTER", "INFO");
						return info.contains("cluster_state:ok");
					});
				});
				// after the failover the cache writes and reads Redis again, and stays
				// coherent (the
				// namespace version may have been lost with the master, if not yet
				// replicated: the
				// cache then starts over empty, never older)
				await().atMost(Duration.ofSeconds(30))
					.pollInterval(Duration.ofMillis(200))
					.ignoreExceptionsInstanceOf(IllegalStateException.class)
					.untilAsserted(() -> {
						a.put("k", "v2");
						String key = a.currentRedisKeyPrefix() + "k";
						assertThat(cluster.masterOf(key).command("GET", key)).isEqualTo("\u0001\"v2\"");
					});
				await().atMost(Duration.ofSeconds(30)).until(() -> managerB.getInvalidationBus().isHealthy());
				await().atMost(Duration.ofSeconds(30))
					.until(() -> a.currentRedisKeyPrefix() != null
							&& a.currentRedisKeyPrefix().equals(b.currentRedisKeyPrefix()));
				assertThat(b.get("k", String.class)).isIn("v2", null);
				a.put("k", "v3");
				await().atMost(Duration.ofSeconds(30))
					.untilAsserted(() -> assertThat(b.get("k", String.class)).isEqualTo("v3"));
				int loadsAfterFailover = loads.get();
				assertThat(b.get("k", () -> "loaded")).isEqualTo("v3");
				assertThat(loads).as("served from the cache, not the loader").hasValue(loadsAfterFailover);
			}
			finally {
				managerA.destroy();
				managerB.destroy();
				connectionA.destroy();
				connectionB.destroy();
			}
		}
	}

}
