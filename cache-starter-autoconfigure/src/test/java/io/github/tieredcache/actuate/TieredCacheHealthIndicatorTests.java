package io.github.tieredcache.actuate;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.autoconfigure.TieredCacheHealthContributorAutoConfiguration;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TieredCacheHealthIndicator} against a Redis of its own, which the
 * tests pause.
 */
class TieredCacheHealthIndicatorTests {

	private static RedisServer redis;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				TieredCacheHealthContributorAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
				"tiered-cache.key-prefix=health-" + UUID.randomUUID(),
				"tiered-cache.invalidation.heartbeat-interval=200ms");

	@BeforeAll
	static void startRedis() {
		redis = RedisServer.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@Test
	void upWithDetailsWhenRedisTheBusAndWriteBehindAreWell() {
		this.runner.run((context) -> {
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
			Health health = context.getBean(TieredCacheHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsOnlyKeys("redis", "invalidationBus", "writeBehind");
			assertThat(detail(health, "redis")).containsKey("roundTripMillis")
				.containsEntry("breaker", "CLOSED")
				.containsEntry("pendingWrites", 0L);
			assertThat(detail(health, "invalidationBus")).containsEntry("state", "HEALTHY")
				.containsEntry("heartbeatInterval", "PT0.2S")
				.containsEntry("livePeers", 0)
				.containsKey("lastHeartbeatAgeMillis");
			assertThat(detail(health, "writeBehind")).containsEntry("backlog", 0L).containsEntry("deadLetters", 0L);
		});
	}

	@Test
	void degradedWhileRedisDoesNotAnswerAndUpOnceItDoes() {
		this.runner.run((context) -> {
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			TieredCacheHealthIndicator indicator = context.getBean(TieredCacheHealthIndicator.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
			redis.pause();
			try {
				Health health = indicator.health();
				assertThat(health.getStatus()).isEqualTo(TieredCacheHealthIndicator.DEGRADED);
				assertThat(detail(health, "redis")).containsKey("error");
				assertThat(detail(health, "reasons")).containsKey("redis");
				assertThat(detail(health, "writeBehind")).doesNotContainKey("backlog");
				// the bus notices the silence too
				await().atMost(Duration.ofSeconds(10))
					.until(() -> detail(indicator.health(), "reasons").containsKey("invalidationBus"));
			}
			finally {
				redis.resume();
			}
			await().atMost(Duration.ofSeconds(15)).until(() -> indicator.health().getStatus().equals(Status.UP));
			assertThat(detail(indicator.health(), "invalidationBus")).containsEntry("state", "HEALTHY");
		});
	}

	@Test
	void upWithoutRedis() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TieredCacheAutoConfiguration.class,
					TieredCacheHealthContributorAutoConfiguration.class))
			.run((context) -> {
				Health health = context.getBean(TieredCacheHealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				assertThat(health.getDetails()).containsEntry("redis", "not used");
			});
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> detail(Health health, String name) {
		Object detail = health.getDetails().get(name);
		return (detail != null) ? (Map<String, Object>) detail : Map.of();
	}

}
