package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.UUID;

import io.github.tieredcache.autoconfigure.TieredCacheAutoConfigurationBackOffTests.PatternCatalog;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfigurationBackOffTests.PatternCatalogConfiguration;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache.ValueRetrievalException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TieredCacheObservationAutoConfiguration}: what leaves the JVM is
 * observed with an {@link ObservationRegistry}, an in-process hit never, and nothing is
 * registered without one; against a real Redis.
 */
class TieredCacheObservationAutoConfigurationTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "observations-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				CacheAutoConfiguration.class, TieredCacheObservationAutoConfiguration.class))
		.withBean(TestObservationRegistry.class, TestObservationRegistry::create)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.caches.products.ttl=5m");

	@Test
	void missAndLoadAreObservedThenAnInProcessHitIsNot() {
		this.runner.run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			awaitHealthyBus(context);
			TieredCache products = cache(context, "products");
			assertThat(products.get(1, () -> "one")).isEqualTo("one");
			assertThat(registry).hasNumberOfObservationsWithNameEqualTo("tiered.cache.load", 1)
				.hasObservationWithNameEqualTo("tiered.cache.load")
				.that()
				.hasLowCardinalityKeyValue("cache", "products")
				.hasLowCardinalityKeyValue("tier", "origin")
				.hasLowCardinalityKeyValue("outcome", "success")
				.hasBeenStarted()
				.hasBeenStopped();
			assertThat(registry).hasNumberOfObservationsWithNameEqualTo("tiered.cache.redis.read", 1)
				.hasObservationWithNameEqualTo("tiered.cache.redis.read")
				.that()
				.hasLowCardinalityKeyValue("outcome", "miss");
			registry.clear();
			assertThat(products.get(1, () -> "other")).isEqualTo("one");
			assertThat(products.get(1)).isNotNull();
			assertThat(registry).doesNotHaveAnyObservation();
		});
	}

	@Test
	void redisHitIsObserved() {
		this.runner.withPropertyValues("tiered-cache.caches.remote.local.enabled=false").run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			awaitHealthyBus(context);
			TieredCache remote = cache(context, "remote");
			remote.put("k", "v");
			registry.clear();
			assertThat(remote.get("k", () -> "other")).isEqualTo("v");
			assertThat(registry).hasNumberOfObservationsWithNameEqualTo("tiered.cache.redis.read", 1)
				.hasObservationWithNameEqualTo("tiered.cache.redis.read")
				.that()
				.hasLowCardinalityKeyValue("cache", "remote")
				.hasLowCardinalityKeyValue("tier", "redis")
				.hasLowCardinalityKeyValue("outcome", "hit");
			assertThat(registry).hasNumberOfObservationsWithNameEqualTo("tiered.cache.load", 0);
		});
	}

	@Test
	void failingLoaderIsObservedAsAFailure() {
		this.runner.run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			awaitHealthyBus(context);
			TieredCache products = cache(context, "products");
			assertThatExceptionOfType(ValueRetrievalException.class).isThrownBy(() -> products.get(2, () -> {
				throw new IllegalStateException("origin down");
			}));
			assertThat(registry).hasObservationWithNameEqualTo("tiered.cache.load")
				.that()
				.hasLowCardinalityKeyValue("outcome", "failure")
				.hasError();
		});
	}

	@Test
	void asynchronousLoadIsObserved() {
		this.runner.run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			awaitHealthyBus(context);
			TieredCache products = cache(context, "products");
			assertThat(products.retrieve(3, () -> java.util.concurrent.CompletableFuture.completedFuture("three"))
				.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("three");
			assertThat(registry).hasObservationWithNameEqualTo("tiered.cache.load")
				.that()
				.hasLowCardinalityKeyValue("outcome", "success");
		});
	}

	@Test
	void writeBehindFlushIsObserved() {
		this.runner.withUserConfiguration(PatternCatalogConfiguration.class)
			.withPropertyValues("tiered-cache.write-behind.stream=" + this.prefix + ":wb",
					"tiered-cache.write-behind.flush-interval=50ms")
			.run((context) -> {
				TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
				PatternCatalog catalog = context.getBean(PatternCatalog.class);
				catalog.saveLater(1L, "desk");
				await().atMost(Duration.ofSeconds(10)).until(() -> catalog.deferredSaves() == 1);
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(
							() -> assertThat(registry).hasObservationWithNameEqualTo("tiered.cache.write.behind.flush")
								.that()
								.hasLowCardinalityKeyValue("outcome", "success")
								.hasBeenStopped());
			});
	}

	@Test
	void backsOffWithoutARegistryBean() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
							CacheAutoConfiguration.class, TieredCacheObservationAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=" + this.redis.port(), "tiered-cache.key-prefix=" + this.prefix)
			.run((context) -> {
				assertThat(context).hasSingleBean(TieredCacheManager.class);
				assertThat(context).doesNotHaveBean("tieredCacheObservationCustomizer");
				assertThat(context).doesNotHaveBean("tieredCacheWriteBehindObservation");
			});
	}

	@Test
	void backsOffWithoutMicrometerObservation() {
		this.runner.withClassLoader(new FilteredClassLoader(ObservationRegistry.class)).run((context) -> {
			assertThat(context).hasSingleBean(TieredCacheManager.class);
			assertThat(context).doesNotHaveBean("tieredCacheObservationCustomizer");
		});
	}

	private static void awaitHealthyBus(AssertableApplicationContext context) {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> context.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
	}

	private static TieredCache cache(AssertableApplicationContext context, String name) {
		return context.getBean(TieredCacheManager.class).getCache(name);
	}

}
