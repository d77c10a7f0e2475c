package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.origin.OriginRamp;
import io.github.tieredcache.internal.warmup.CacheWarming;
import io.github.tieredcache.testsupport.FakeTicker;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.warmup.CacheWarmer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for cache warming at start-up, its readiness gate and the origin ramp, against a
 * Redis of its own.
 */
class CacheWarmingTests {

	private static RedisServer redis;

	private final String prefix = "warm-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.write-behind.enabled=false",
				// warming and the ramp are under test, not Redis timeouts: a write that
				// misses a loaded machine's 250 ms would leave a loaded value unstored
				"tiered-cache.redis.command-timeout=2s");

	@BeforeAll
	static void startRedis() {
		redis = RedisServer.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@Test
	void fromL2FillsTheInProcessTierSoThatReadsHitWithRedisPaused() {
		this.runner.withPropertyValues("tiered-cache.caches.products.ttl=10m").run((context) -> {
			TieredCache cache = (TieredCache) context.getBean(TieredCacheManager.class).getCache("products");
			for (long id = 0; id < 250; id++) {
				cache.put(id, "product-" + id);
			}
		});
		this.runner
			.withPropertyValues("tiered-cache.caches.products.ttl=10m",
					"tiered-cache.caches.products.warm.sources=from-l2", "tiered-cache.warm.batch-size=40")
			.run((context) -> {
				CacheWarming warming = context.getBean(CacheWarming.class);
				CacheWarming.Report report = warming.completion().get(10, TimeUnit.SECONDS);
				assertThat(report.state()).isEqualTo(CacheWarming.State.COMPLETED);
				assertThat(report.keysWarmed()).isEqualTo(250);
				assertThat(report.tasks()).singleElement().satisfies((task) -> {
					assertThat(task.source()).isEqualTo("from-l2");
					assertThat(task.outcome()).isEqualTo(CacheWarming.Outcome.COMPLETED);
				});
				TieredCache cache = (TieredCache) context.getBean(TieredCacheManager.class).getCache("products");
				long redisHits = cache.getStatistics().redisHits();
				redis.pause();
				try {
					for (long id = 0; id < 250; id++) {
						assertThat(cache.get(id, String.class)).isEqualTo("product-" + id);
					}
				}
				finally {
					redis.resume();
				}
				assertThat(cache.getStatistics().localHits()).isEqualTo(250);
				assertThat(cache.getStatistics().redisHits()).isEqualTo(redisHits);
			});
	}

	@Test
	void hotSetWarmsTheKeysTheRunningInstancesFoundHot() {
		this.runner
			.withPropertyValues("tiered-cache.caches.products.local.enabled=false",
					"tiered-cache.caches.products.hot-keys.enabled=true", "tiered-cache.hot-keys.window=200ms",
					"tiered-cache.hot-keys.threshold=0.2")
			.run((context) -> {
				TieredCache cache = (TieredCache) context.getBean(TieredCacheManager.class).getCache("products");
				for (long id = 0; id < 20; id++) {
					cache.put(id, "product-" + id);
				}
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					for (int i = 0; i < 40; i++) {
						cache.get(7L);
					}
					for (long id = 0; id < 20; id++) {
						cache.get(id);
					}
					assertThat(cache.getRecordedHotKeys()).hasSize(1);
				});
			});
		this.runner.withPropertyValues("tiered-cache.caches.products.warm.sources=hot-set").run((context) -> {
			CacheWarming.Report report = context.getBean(CacheWarming.class).completion().get(10, TimeUnit.SECONDS);
			assertThat(report.tasks()).singleElement().satisfies((task) -> {
				assertThat(task.source()).isEqualTo("hot-set");
				assertThat(task.keysWarmed()).isEqualTo(1);
			});
			TieredCache cache = (TieredCache) context.getBean(TieredCacheManager.class).getCache("products");
			redis.pause();
			try {
				assertThat(cache.get(7L, String.class)).isEqualTo("product-7");
			}
			finally {
				redis.resume();
			}
			assertThat(cache.getStatistics().localHits()).isEqualTo(1);
		});
	}

	@Test
	void keysAndWarmersFillFromRedisAndLoadWhatIsMissingWithoutOverwriting() {
		this.runner.run((context) -> {
			TieredCache cache = (TieredCache) context.getBean(TieredCacheManager.class).getCache("catalog");
			cache.put(1L, "in-redis-1");
			cache.put(3L, "in-redis-3");
		});
		List<Set<Long>> loads = new ArrayList<>();
		this.runner
			.withPropertyValues("tiered-cache.caches.catalog.warm.keys=1,2",
					"tiered-cache.caches.catalog.warm.key-type=java.lang.Long")
			.withBean("catalogWarmer", CacheWarmer.class, () -> new CacheWarmer<Long, String>() {

				@Override
				public String cacheName() {
					return "catalog";
				}

				@Override
				public Stream<Long> keys() {
					return Stream.of(3L, 4L);
				}

				@Override
				public Map<Long, String> load(Set<Long> keys) {
					loads.add(Set.copyOf(keys));
					return keys.stream().collect(Collectors.toMap((key) -> key, (key) -> "loaded-" + key));
				}

			})
			.run((context) -> {
				CacheWarming.Report report = context.getBean(CacheWarming.class).completion().get(10, TimeUnit.SECONDS);
				assertThat(report.tasks())
					.extracting(CacheWarming.TaskReport::source, CacheWarming.TaskReport::keysWarmed)
					.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("keys", 1L),
							org.assertj.core.groups.Tuple.tuple("warmer 'catalogWarmer'", 2L));
				assertThat(loads).containsExactly(Set.of(4L));
				TieredCache cache = (TieredCache) context.getBean(TieredCacheManager.class).getCache("catalog");
				assertThat(cache.get(3L, String.class)).isEqualTo("in-redis-3");
				assertThat(cache.get(4L, String.class)).isEqualTo("loaded-4");
				assertThat(cache.getStatistics().localHits()).isEqualTo(2);
			});
	}

	@Test
	void aFailingWarmerIsReportedAndDoesNotPreventStartUp() {
		this.runner.withPropertyValues("tiered-cache.caches.products.warm.sources=from-l2")
			.withBean("broken", CacheWarmer.class, () -> new CacheWarmer<String, String>() {

				@Override
				public String cacheName() {
					return "products";
				}

				@Override
				public Stream<String> keys() {
					throw new IllegalStateException("database down");
				}

			})
			.run((context) -> {
				assertThat(context).hasNotFailed();
				CacheWarming.Report report = context.getBean(CacheWarming.class).completion().get(10, TimeUnit.SECONDS);
				assertThat(report.state()).isEqualTo(CacheWarming.State.COMPLETED);
				assertThat(report.tasks()).filteredOn((task) -> task.source().equals("warmer 'broken'"))
					.singleElement()
					.satisfies((task) -> {
						assertThat(task.outcome()).isEqualTo(CacheWarming.Outcome.FAILED);
						assertThat(task.error()).contains("database down");
					});
				assertThat(report.tasks()).filteredOn((task) -> task.source().equals("from-l2"))
					.singleElement()
					.satisfies((task) -> assertThat(task.outcome()).isEqualTo(CacheWarming.Outcome.COMPLETED));
			});
	}

	@Test
	void theTimeBudgetEndsASlowSourceAndTheGate() {
		CountDownLatch never = new CountDownLatch(1);
		this.runner.withPropertyValues("tiered-cache.warm.time-budget=500ms")
			.withBean("slow", CacheWarmer.class, () -> slowWarmer(never))
			.run((context) -> {
				CacheWarming warming = context.getBean(CacheWarming.class);
				long started = System.nanoTime();
				assertThat(warming.awaitCompletion()).isFalse();
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
				CacheWarming.Report report = warming.completion().getNow(null);
				assertThat(report).isNotNull();
				assertThat(report.state()).isEqualTo(CacheWarming.State.BUDGET_ENDED);
				assertThat(report.tasks()).singleElement()
					.satisfies((task) -> assertThat(task.outcome()).isEqualTo(CacheWarming.Outcome.CUT_BY_BUDGET));
			});
	}

	@Test
	void badWarmingConfigurationFailsStartUpNamingTheKey() {
		this.runner.withPropertyValues("tiered-cache.caches.products.warm.sources=keys").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("tiered-cache.caches.products.warm.sources");
		});
		this.runner
			.withPropertyValues("tiered-cache.defaults.warm.ramp-from=8", "tiered-cache.caches.products.warm.ramp-to=4")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("tiered-cache.caches.products.warm.ramp-to"));
		this.runner.withPropertyValues("tiered-cache.warm.time-budget=0s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("tiered-cache.warm.time-budget"));
	}

	@Test
	void readinessRefusesTrafficUntilWarmingCompletesWhileLivenessIsCorrect() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicReference<ConfigurableApplicationContext> started = new AtomicReference<>();
		SpringApplicationBuilder application = new SpringApplicationBuilder(ReadinessApplication.class)
			.web(WebApplicationType.NONE)
			.properties("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
					"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.write-behind.enabled=false")
			.initializers((context) -> context.getBeanFactory().registerSingleton("slow", slowWarmer(release)))
			.listeners((event) -> {
				if (event instanceof ApplicationStartedEvent startedEvent) {
					started.set(startedEvent.getApplicationContext());
				}
			});
		AtomicReference<ConfigurableApplicationContext> ran = new AtomicReference<>();
		Thread main = new Thread(() -> ran.set(application.run()));
		main.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> started.get() != null);
			ApplicationAvailability availability = started.get().getBean(ApplicationAvailability.class);
			// the gate holds the main thread in the runners: started, not ready
			await().during(Duration.ofMillis(300))
				.atMost(Duration.ofSeconds(2))
				.until(() -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);
			assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
			assertThat(started.get().getBean(CacheWarming.class).report().state())
				.isEqualTo(CacheWarming.State.RUNNING);
			release.countDown();
			main.join(TimeUnit.SECONDS.toMillis(30));
			assertThat(ran.get()).isNotNull();
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
			assertThat(started.get().getBean(CacheWarming.class).report().state())
				.isEqualTo(CacheWarming.State.COMPLETED);
		}
		finally {
			release.countDown();
			main.join(TimeUnit.SECONDS.toMillis(30));
			if (ran.get() != null) {
				ran.get().close();
			}
		}
	}

	@Test
	void theRampLimitsConcurrentOriginLoadsAndRaisesTheLimitLinearly() {
		this.runner.run((context) -> {
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			// the bus empties the in-process tier when it turns healthy: not in the
			// middle
			await().atMost(Duration.ofSeconds(30)).until(() -> manager.getInvalidationBus().isHealthy());
			TieredCache cache = (TieredCache) manager.getCache("ramped");
			FakeTicker ticker = new FakeTicker();
			OriginRamp ramp = new OriginRamp(ticker, Duration.ofSeconds(200), Duration.ofSeconds(60));
			OriginRamp.Limiter limiter = ramp.limiter(2, 10);
			cache.limitOrigin(limiter);
			assertThat(limiter.currentLimit()).isEqualTo(2);
			ramp.warmingEnded();
			ticker.advance(Duration.ofSeconds(100));
			assertThat(limiter.currentLimit()).isEqualTo(6);
			CountDownLatch origin = new CountDownLatch(1);
			AtomicInteger concurrent = new AtomicInteger();
			AtomicInteger maxConcurrent = new AtomicInteger();
			List<Thread> callers = new ArrayList<>();
			IntStream.range(0, 20).forEach((i) -> {
				Thread caller = new Thread(() -> cache.get("key-" + i, () -> {
					maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
					try {
						origin.await(30, TimeUnit.SECONDS);
					}
					finally {
						concurrent.decrementAndGet();
					}
					return "value-" + i;
				}));
				callers.add(caller);
				caller.start();
			});
			await().atMost(Duration.ofSeconds(10)).until(() -> limiter.inFlight() == 6 && limiter.waiting() == 14);
			assertThat(concurrent.get()).isEqualTo(6);
			// three quarters of the ramp: 2 + 8 * 0.75
			ticker.advance(Duration.ofSeconds(50));
			await().atMost(Duration.ofSeconds(10)).until(() -> limiter.inFlight() == 8 && limiter.waiting() == 12);
			assertThat(concurrent.get()).isEqualTo(8);
			assertThat(maxConcurrent.get()).isEqualTo(8);
			// past the wait bound the others load anyway: nobody waits unboundedly
			ticker.advance(Duration.ofSeconds(11));
			assertThat(limiter.currentLimit()).isEqualTo(8);
			await().atMost(Duration.ofSeconds(10)).until(() -> concurrent.get() == 20);
			origin.countDown();
			for (Thread caller : callers) {
				caller.join(10_000);
			}
			assertThat(limiter.overLimitCount()).isEqualTo(12);
			assertThat(cache.get("key-3", String.class)).isEqualTo("value-3");
			// the ramp is over: the next load drops the limiter
			ticker.advance(Duration.ofSeconds(40));
			assertThat(limiter.currentLimit()).isEqualTo(-1);
			assertThat(cache.get("key-99", () -> "late")).isEqualTo("late");
		});
	}

	@Test
	void overTheLimitAStaleValueIsServedWhereStaleIfErrorAllows() {
		this.runner
			.withPropertyValues("tiered-cache.caches.stale.ttl=1s", "tiered-cache.caches.stale.local.ttl=1s",
					"tiered-cache.caches.stale.stale-if-error=1h")
			.run((context) -> {
				TieredCache cache = (TieredCache) context.getBean(TieredCacheManager.class).getCache("stale");
				cache.put("old", "stale-value");
				FakeTicker ticker = new FakeTicker();
				OriginRamp ramp = new OriginRamp(ticker, Duration.ofSeconds(10), Duration.ZERO);
				OriginRamp.Limiter limiter = ramp.limiter(1, 1);
				cache.limitOrigin(limiter);
				CountDownLatch origin = new CountDownLatch(1);
				Thread holder = new Thread(() -> cache.get("other", () -> {
					origin.await(30, TimeUnit.SECONDS);
					return "other";
				}));
				holder.start();
				await().atMost(Duration.ofSeconds(10)).until(() -> limiter.inFlight() == 1);
				await().atMost(Duration.ofSeconds(5)).until(() -> {
					// the entry expires (1s TTL) and is kept for stale-if-error
					AtomicInteger loads = new AtomicInteger();
					Object value = cache.get("old", () -> {
						loads.incrementAndGet();
						return "fresh";
					});
					return "stale-value".equals(value) && loads.get() == 0 && limiter.overLimitCount() > 0;
				});
				origin.countDown();
				holder.join(10_000);
			});
	}

	private static CacheWarmer<String, String> slowWarmer(CountDownLatch release) {
		return new CacheWarmer<>() {

			@Override
			public String cacheName() {
				return "slow";
			}

			@Override
			public Stream<String> keys() {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				return Stream.of("a");
			}

		};
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ ApplicationAvailabilityAutoConfiguration.class, DataRedisAutoConfiguration.class,
			TieredCacheAutoConfiguration.class })
	static class ReadinessApplication {

		@Bean
		String marker() {
			return "readiness";
		}

	}

}
