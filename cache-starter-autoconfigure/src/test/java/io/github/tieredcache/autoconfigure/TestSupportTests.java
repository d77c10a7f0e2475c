package io.github.tieredcache.autoconfigure;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.testsupport.TieredCacheExtension;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.cache.Cache;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache-starter-test module as a user meets it:
 * {@link RedisServer#connectionDetails()} as a bean, and {@link TieredCacheExtension}
 * over the real {@link TieredCacheManager} and {@link InvalidationBus} (whose public
 * {@code getInvalidationBus()} and {@code isHealthy()} the extension relies on without
 * naming them).
 */
// a long heartbeat interval: the bus is still starting when the first test would run
@SpringBootTest(classes = TestSupportTests.Config.class,
		properties = { "tiered-cache.key-prefix=test-support", "tiered-cache.invalidation.heartbeat-interval=4s" })
@ExtendWith(TieredCacheExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestSupportTests {

	private static final RedisServer redis = RedisServer.shared();

	@Autowired
	private TieredCacheManager cacheManager;

	@Test
	@Order(1)
	void firstTestStartsOnAHealthyBus() {
		InvalidationBus bus = this.cacheManager.getInvalidationBus();
		assertThat(bus).isNotNull();
		assertThat(bus.getState()).isEqualTo(InvalidationBus.State.HEALTHY);
		Cache products = this.cacheManager.getCache("products");
		products.put(1L, "lamp");
		assertThat(redis.command("EXISTS", ((TieredCache) products).currentRedisKeyPrefix() + "#long:1"))
			.isEqualTo(":1");
	}

	@Test
	@Order(2)
	void nextTestFindsTheCacheEmptyInBothTiers() {
		assertThat(this.cacheManager.getCache("products").get(1L)).isNull();
		assertThat(this.cacheManager.getInvalidationBus().isHealthy()).isTrue();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, CacheAutoConfiguration.class,
			TieredCacheAutoConfiguration.class })
	static class Config {

		@Bean
		DataRedisConnectionDetails redisConnectionDetails() {
			return redis.connectionDetails();
		}

	}

}
