package io.github.tieredcache.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.testsupport.RedisCluster;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Multi-key work on a real Redis Cluster: keys of one cache spread over every master, a
 * read-through {@code getAll} across slots, and the sweep of an old namespace on every
 * master.
 */
class ClusterTierTests {

	private final RedisCluster cluster = RedisCluster.shared();

	private final String prefix = "cluster-" + UUID.randomUUID();

	private LettuceConnectionFactory connectionFactory;

	private TieredCacheManager manager;

	@BeforeEach
	void setUp() {
		this.connectionFactory = this.cluster.connectionFactory();
		this.manager = TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix(this.prefix)
			.executor(Runnable::run)
			.build();
	}

	@AfterEach
	void tearDown() {
		this.manager.destroy();
		this.connectionFactory.destroy();
	}

	private long keysOnMasters(String pattern) {
		long count = 0;
		for (RedisServer node : this.cluster.nodes()) {
			if (node.command("INFO", "replication").contains("role:master")) {
				count += scanCount(node, pattern);
			}
		}
		return count;
	}

	// KEYS is fine in a test's own cluster; the library never uses it
	private static long scanCount(RedisServer node, String pattern) {
		return Long.parseLong(node.command("EVAL", "return #redis.call('KEYS', ARGV[1])", "0", pattern).substring(1));
	}

	@Test
	void keysSpreadOverTheMastersAndAClearSweepsThemAll() {
		TieredCache cache = this.manager.getCache("spread");
		for (int i = 0; i < 200; i++) {
			cache.put("k" + i, "v" + i);
		}
		String keys = cache.currentRedisKeyPrefix() + "*";
		List<Long> perMaster = new ArrayList<>();
		for (RedisServer node : this.cluster.nodes()) {
			if (node.command("INFO", "replication").contains("role:master")) {
				perMaster.add(scanCount(node, keys));
			}
		}
		assertThat(perMaster).hasSize(3).allSatisfy((count) -> assertThat(count).isPositive());
		assertThat(perMaster.stream().mapToLong(Long::longValue).sum()).isEqualTo(200);
		cache.clear();
		assertThat(cache.get("k1")).isNull();
		await().atMost(10, TimeUnit.SECONDS).until(() -> keysOnMasters(keys) == 0);
	}

	@Test
	void readThroughGetAllAcrossSlots() {
		ReadThroughCache<Integer, String> names = this.manager.readThrough("names", (Integer id) -> "n" + id, (ids) -> {
			Map<Integer, String> loaded = new java.util.LinkedHashMap<>();
			ids.forEach((id) -> loaded.put(id, "n" + id));
			return loaded;
		});
		List<Integer> ids = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			ids.add(i);
		}
		assertThat(names.getAll(ids)).hasSize(50);
		TieredCacheManager other = TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix(this.prefix)
			.build();
		try {
			ReadThroughCache<Integer, String> fromRedis = other.readThrough("names", (Integer id) -> "reloaded",
					(missing) -> {
						throw new IllegalStateException("everything should come from Redis, not " + missing);
					});
			assertThat(fromRedis.getAll(ids)).hasSize(50).containsEntry(7, "n7");
		}
		finally {
			other.destroy();
		}
	}

}
