package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.UUID;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.metrics.TieredCacheMeterBinderProvider;
import io.github.tieredcache.testsupport.RedisServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.metrics.CacheMetricsAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache.ValueRetrievalException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TieredCacheMetricsAutoConfiguration}: the meters exist with a
 * registry, back off without one, and move when their events happen, against a real
 * Redis.
 */
class TieredCacheMetricsAutoConfigurationTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "metrics-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				CacheAutoConfiguration.class, CacheMetricsAutoConfiguration.class,
				TieredCacheMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.caches.products.ttl=5m");

	@Test
	void standardAndStarterMetersArePresentWithARegistry() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TieredCacheMeterBinderProvider.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			for (String tier : new String[] { "local", "redis" }) {
				assertThat(cacheMeter(registry, "cache.gets").tag("result", "hit").tag("tier", tier).functionCounter())
					.isNotNull();
			}
			assertThat(cacheMeter(registry, "cache.gets").tag("result", "miss").tag("tier", "none").functionCounter())
				.isNotNull();
			assertThat(cacheMeter(registry, "cache.puts").functionCounter()).isNotNull();
			assertThat(cacheMeter(registry, "cache.evictions").functionCounter()).isNotNull();
			assertThat(cacheMeter(registry, "cache.size").gauge()).isNotNull();
			assertThat(cacheMeter(registry, "cache.loads").tag("result", "success").functionTimer()).isNotNull();
			assertThat(cacheMeter(registry, "cache.loads").tag("result", "failure").functionTimer()).isNotNull();
			// every cache.gets series has the same tag keys (Prometheus wants them so)
			assertThat(registry.find("cache.gets").meters())
				.allSatisfy((meter) -> assertThat(meter.getId().getTagsAsIterable()).extracting("key")
					.containsExactlyInAnyOrder("cache", "cache.manager", "name", "result", "tier"));
			for (String name : new String[] { "tiered.cache.stale.served", "tiered.cache.early.refreshes",
					"tiered.cache.fills.refused", "tiered.cache.codec.rejections", "tiered.cache.namespace.bumps",
					"tiered.cache.writes.missed", "tiered.cache.writes.replayed" }) {
				assertThat(cacheMeter(registry, name).functionCounters()).as(name).isNotEmpty();
			}
			assertThat(cacheMeter(registry, "tiered.cache.lease.waits").functionTimers()).hasSize(3);
			assertThat(registry.get("tiered.cache.redis.breaker.state").tag("state", "closed").gauge().value())
				.isEqualTo(1);
			assertThat(registry.get("tiered.cache.bus.state").gauges()).hasSize(4);
			assertThat(registry.get("tiered.cache.bus.delay").timer()).isNotNull();
			assertThat(registry.get("tiered.cache.writes.pending").gauge()).isNotNull();
			assertThat(registry.get("tiered.cache.redis.failures").functionCounter()).isNotNull();
			assertThat(registry.get("tiered.cache.redis.short.circuits").functionCounter()).isNotNull();
			assertThat(registry.get("tiered.cache.write.behind.pending").gauge()).isNotNull();
			assertThat(registry.get("tiered.cache.write.behind.in.flight").gauge()).isNotNull();
			assertThat(registry.get("tiered.cache.write.behind.writes").functionCounters()).hasSize(3);
			assertThat(registry.get("tiered.cache.write.behind.lag").timer()).isNotNull();
		});
	}

	@Test
	void backsOffWithoutMicrometer() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					TieredCacheAutoConfiguration.class, CacheAutoConfiguration.class,
					CacheMetricsAutoConfiguration.class, TieredCacheMetricsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.withPropertyValues("spring.data.redis.port=" + this.redis.port(), "tiered-cache.key-prefix=" + this.prefix)
			.run((context) -> {
				assertThat(context).hasSingleBean(TieredCacheManager.class);
				assertThat(context).doesNotHaveBean(TieredCacheMeterBinderProvider.class);
			});
	}

	@Test
	void backsOffWithoutARegistryBean() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					TieredCacheAutoConfiguration.class, CacheAutoConfiguration.class,
					CacheMetricsAutoConfiguration.class, TieredCacheMetricsAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=" + this.redis.port(), "tiered-cache.key-prefix=" + this.prefix)
			.run((context) -> {
				assertThat(context).hasSingleBean(TieredCacheManager.class);
				assertThat(context).doesNotHaveBean(TieredCacheMeterBinderProvider.class);
			});
	}

	@Test
	void backsOffWithoutATieredCacheManager() {
		this.runner.withPropertyValues("tiered-cache.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(TieredCacheManager.class);
			assertThat(context).doesNotHaveBean(TieredCacheMeterBinderProvider.class);
		});
	}

	@Test
	void getsCountEachLookupOnceWithTheTierThatAnsweredIt() {
		this.runner.withPropertyValues("tiered-cache.caches.remote.local.enabled=false").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			// the in-process tiers are emptied once when the bus turns healthy
			awaitHealthyBus(context);
			TieredCache products = cache(context, "products");
			assertThat(products.get(1, () -> "one")).isEqualTo("one");
			assertThat(products.get(1, () -> "other")).isEqualTo("one");
			assertThat(products.get(1)).isNotNull();
			assertThat(gets(registry, "products", "miss", "none")).isEqualTo(1);
			assertThat(gets(registry, "products", "hit", "local")).isEqualTo(2);
			assertThat(gets(registry, "products", "hit", "redis")).isZero();
			// no in-process tier: every hit comes from Redis
			TieredCache remote = cache(context, "remote");
			remote.get(1, () -> "one");
			remote.get(1, () -> "other");
			assertThat(gets(registry, "remote", "miss", "none")).isEqualTo(1);
			assertThat(gets(registry, "remote", "hit", "redis")).isEqualTo(1);
			assertThat(gets(registry, "remote", "hit", "local")).isZero();
			assertThat(cacheMeter(registry, "cache.size").tag("cache", "products").gauge().value()).isEqualTo(1);
		});
	}

	@Test
	void loadsAreTimedByOutcome() {
		this.runner.run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			TieredCache products = cache(context, "products");
			products.get("ok", () -> {
				Thread.sleep(5); // a loader that takes time, to be timed
				return "value";
			});
			assertThatExceptionOfType(ValueRetrievalException.class).isThrownBy(() -> products.get("broken", () -> {
				throw new IllegalStateException("origin down");
			}));
			FunctionTimer success = cacheMeter(registry, "cache.loads").tag("result", "success").functionTimer();
			FunctionTimer failure = cacheMeter(registry, "cache.loads").tag("result", "failure").functionTimer();
			assertThat(success.count()).isEqualTo(1);
			assertThat(success.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(5);
			assertThat(failure.count()).isEqualTo(1);
		});
	}

	@Test
	void putsAndEvictionsAreCounted() {
		this.runner.run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			TieredCache products = cache(context, "products");
			products.put("a", "1");
			products.putIfAbsent("a", "2");
			products.putIfAbsent("b", "2");
			products.evict("a");
			assertThat(cacheMeter(registry, "cache.puts").functionCounter().count()).isEqualTo(2);
			assertThat(cacheMeter(registry, "cache.evictions").functionCounter().count()).isEqualTo(1);
		});
	}

	@Test
	void staleEntriesServedAreCounted() {
		this.runner
			.withPropertyValues("tiered-cache.caches.products.ttl=200ms",
					"tiered-cache.caches.products.stale-if-error=1m")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				TieredCache products = cache(context, "products");
				products.get("k", () -> "fresh");
				FunctionCounter stale = cacheMeter(registry, "tiered.cache.stale.served").functionCounter();
				// hits until the entry expires; then the failing loader makes it serve
				// the stale one
				await().atMost(Duration.ofSeconds(10)).until(() -> {
					String value = products.get("k", () -> {
						throw new IllegalStateException("origin down");
					});
					assertThat(value).isEqualTo("fresh");
					return stale.count() == 1;
				});
				assertThat(cacheMeter(registry, "cache.loads").tag("result", "failure").functionTimer().count())
					.isEqualTo(1);
			});
	}

	@Test
	void undecodableEntriesAreCountedByReason() {
		this.runner.withPropertyValues("tiered-cache.caches.remote.local.enabled=false").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			TieredCache remote = cache(context, "remote");
			remote.put("k", "v");
			this.redis.command("SET", remote.currentRedisKeyPrefix() + "k", "\u0001{not json");
			assertThat(remote.get("k")).isNull();
			assertThat(registry.get("tiered.cache.codec.rejections")
				.tag("cache", "remote")
				.tag("operation", "decode")
				.tag("reason", "corrupt")
				.functionCounter()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void namespaceBumpsAreCounted() {
		this.runner.run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			cache(context, "products").clear();
			assertThat(cacheMeter(registry, "tiered.cache.namespace.bumps").functionCounter().count()).isEqualTo(1);
		});
	}

	@Test
	void dynamicCachesAreBoundWhenCreated() {
		this.runner.run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("cache.gets").tag("cache", "created-later").meters()).isEmpty();
			TieredCache created = cache(context, "created-later");
			created.get("k", () -> "v");
			assertThat(gets(registry, "created-later", "miss", "none")).isEqualTo(1);
			assertThat(registry.get("cache.gets").tag("cache", "created-later").meters())
				.allSatisfy((meter) -> assertThat(meter.getId().getTag("cache.manager")).isEqualTo("cacheManager"));
		});
	}

	@Test
	void busDelayIsRecordedWhenAnotherInstancesInvalidationIsApplied() {
		this.runner.run((writer) -> this.runner.run((reader) -> {
			awaitHealthyBus(writer);
			awaitHealthyBus(reader);
			Timer delay = reader.getBean(MeterRegistry.class).get("tiered.cache.bus.delay").timer();
			cache(writer, "products").put("k", "v");
			await().atMost(Duration.ofSeconds(10)).until(() -> delay.count() >= 1);
			assertThat(reader.getBean(MeterRegistry.class)
				.get("tiered.cache.bus.messages")
				.tag("direction", "received")
				.functionCounter()
				.count()).isPositive();
			assertThat(writer.getBean(MeterRegistry.class)
				.get("tiered.cache.bus.state")
				.tag("state", "healthy")
				.gauge()
				.value()).isEqualTo(1);
		}));
	}

	@Test
	void breakerStateFollowsRedis() {
		try (RedisServer own = RedisServer.start()) {
			this.runner
				.withPropertyValues("spring.data.redis.port=" + own.port(), "tiered-cache.redis.command-timeout=200ms",
						"tiered-cache.redis.circuit-breaker.failure-threshold=2",
						"tiered-cache.redis.circuit-breaker.probe-interval=100ms")
				.run((context) -> {
					MeterRegistry registry = context.getBean(MeterRegistry.class);
					TieredCacheManager manager = context.getBean(TieredCacheManager.class);
					await().atMost(Duration.ofSeconds(10)).until(manager::isRedisAvailable);
					TieredCache products = cache(context, "products");
					own.pause();
					try {
						await().atMost(Duration.ofSeconds(10)).until(() -> {
							products.get("k" + System.nanoTime(), () -> "v");
							return breaker(registry, "open") == 1;
						});
						products.get("short-circuited", () -> "v");
						assertThat(registry.get("tiered.cache.redis.failures").functionCounter().count()).isPositive();
						assertThat(registry.get("tiered.cache.redis.short.circuits").functionCounter().count())
							.isPositive();
					}
					finally {
						own.resume();
					}
					await().atMost(Duration.ofSeconds(10)).until(() -> breaker(registry, "closed") == 1);
					assertThat(breaker(registry, "open")).isZero();
				});
		}
	}

	private static double breaker(MeterRegistry registry, String state) {
		Gauge gauge = registry.get("tiered.cache.redis.breaker.state").tag("state", state).gauge();
		return gauge.value();
	}

	private static void awaitHealthyBus(AssertableApplicationContext context) {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> context.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
	}

	private static TieredCache cache(AssertableApplicationContext context, String name) {
		return context.getBean(TieredCacheManager.class).getCache(name);
	}

	private static RequiredSearch cacheMeter(MeterRegistry registry, String name) {
		return registry.get(name).tag("cache", "products").tag("cache.manager", "cacheManager");
	}

	private static double gets(MeterRegistry registry, String cache, String result, String tier) {
		return registry.get("cache.gets")
			.tag("cache", cache)
			.tag("result", result)
			.tag("tier", tier)
			.functionCounter()
			.count();
	}

}
