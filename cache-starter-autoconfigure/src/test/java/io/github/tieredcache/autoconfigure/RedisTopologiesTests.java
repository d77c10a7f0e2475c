package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.UUID;
import java.util.stream.Collectors;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisCluster;
import io.github.tieredcache.testsupport.RedisSentinel;
import io.lettuce.core.cluster.ClusterClientOptions;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The auto-configured cache over the Redis topologies Spring Boot configures from
 * {@code spring.data.redis.*}: a real Sentinel set-up and a real cluster.
 */
class RedisTopologiesTests {

	private final String prefix = "topologies-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withPropertyValues("tiered-cache.key-prefix=" + this.prefix,
				"tiered-cache.invalidation.heartbeat-interval=400ms");

	@Test
	void sentinel() {
		try (RedisSentinel sentinel = RedisSentinel.start()) {
			this.runner
				.withPropertyValues("spring.data.redis.sentinel.master=" + RedisSentinel.MASTER_NAME,
						"spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel.port())
				.run((context) -> {
					TieredCacheManager manager = context.getBean(TieredCacheManager.class);
					await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
					TieredCache cache = manager.getCache("products");
					cache.put(1L, "lamp");
					assertThat(cache.get(1L, String.class)).isEqualTo("lamp");
					assertThat(sentinel.master().command("GET", cache.currentRedisKeyPrefix() + "#long:1"))
						.isEqualTo("\u0001\"lamp\"");
				});
		}
	}

	@Test
	void clusterGetsTopologyRefreshUnlessConfigured() {
		RedisCluster cluster = RedisCluster.shared();
		String nodes = cluster.nodes()
			.stream()
			.map((node) -> "127.0.0.1:" + node.port())
			.collect(Collectors.joining(","));
		this.runner.withPropertyValues("spring.data.redis.cluster.nodes=" + nodes).run((context) -> {
			ClusterClientOptions options = clientOptions(context.getBean(LettuceConnectionFactory.class));
			assertThat(options.getTopologyRefreshOptions().isPeriodicRefreshEnabled()).isTrue();
			assertThat(options.getTopologyRefreshOptions().getAdaptiveRefreshTriggers()).isNotEmpty();
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
			TieredCache cache = manager.getCache("products");
			cache.put("k", "v");
			assertThat(cache.get("k", String.class)).isEqualTo("v");
		});
		this.runner
			.withPropertyValues("spring.data.redis.cluster.nodes=" + nodes,
					"spring.data.redis.lettuce.cluster.refresh.adaptive=false")
			.run((context) -> assertThat(
					clientOptions(context.getBean(LettuceConnectionFactory.class)).getTopologyRefreshOptions()
						.isPeriodicRefreshEnabled())
				.isFalse());
	}

	private static ClusterClientOptions clientOptions(LettuceConnectionFactory connectionFactory) {
		return (ClusterClientOptions) connectionFactory.getClientConfiguration().getClientOptions().orElseThrow();
	}

}
