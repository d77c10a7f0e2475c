package io.github.tieredcache.actuate;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.autoconfigure.TieredCacheEndpointAutoConfiguration;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.actuate.endpoint.CachesEndpoint;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CachesEndpointAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TieredCacheEndpoint} and Spring Boot's {@code caches} endpoint over a
 * {@link TieredCacheManager}, against a real Redis.
 */
class TieredCacheEndpointTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "endpoint-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				CacheAutoConfiguration.class, TieredCacheEndpointAutoConfiguration.class,
				CachesEndpointAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.invalidation.heartbeat-interval=200ms",
				"tiered-cache.write-behind.flush-interval=50ms", "tiered-cache.write-behind.max-attempts=1",
				"tiered-cache.write-behind.retry-backoff=10ms",
				"management.endpoints.web.exposure.include=tieredcache,caches");

	private static final String SLOW = "slow-to-apply";

	private final JsonMapper json = JsonMapper.builder().build();

	@Test
	void describesEveryCacheWithItsSettingsStatisticsAndTheSharedParts() {
		this.runner.withPropertyValues("tiered-cache.caches.products.ttl=30s",
				"tiered-cache.caches.products.local.ttl=10s", "tiered-cache.caches.products.local.maximum-size=50",
				"tiered-cache.caches.products.stale-if-error=1m", "tiered-cache.caches.products.early-refresh.beta=1",
				"tiered-cache.caches.products.lease.wait=100ms", "tiered-cache.caches.users.lease.enabled=false")
			.run((context) -> {
				TieredCache products = healthyManager(context).getCache("products");
				products.put(1L, "lamp");
				products.put(2L, "desk");
				assertThat(products.get(1L, String.class)).isEqualTo("lamp");
				assertThat(products.get(3L, String.class)).isNull();
				JsonNode body = this.json.valueToTree(context.getBean(TieredCacheEndpoint.class).tieredCache());
				assertThat(body.get("caches").propertyNames()).containsExactly("products", "users");
				JsonNode cache = body.get("caches").get("products");
				JsonNode settings = cache.get("settings");
				assertThat(settings.get("ttl").asString()).isEqualTo("PT30S");
				assertThat(settings.get("local").get("ttl").asString()).isEqualTo("PT10S");
				assertThat(settings.get("local").get("maximumSize").asLong()).isEqualTo(50);
				assertThat(settings.get("staleIfError").asString()).isEqualTo("PT1M");
				assertThat(settings.get("earlyRefresh").get("beta").asDouble()).isEqualTo(1.0);
				assertThat(settings.get("lease").get("enabled").asBoolean()).isTrue();
				assertThat(settings.get("lease").get("maxWait").asString()).isEqualTo("PT0.1S");
				assertThat(body.get("caches").get("users").get("settings").get("lease").get("enabled").asBoolean())
					.isFalse();
				assertThat(cache.get("statistics").get("localHits").asLong()).isEqualTo(1);
				assertThat(cache.get("statistics").get("misses").asLong()).isEqualTo(1);
				assertThat(cache.get("localSize").asLong()).isEqualTo(2);
				assertThat(cache.get("localTierServing").asBoolean()).isTrue();
				assertThat(body.get("redis").get("present").asBoolean()).isTrue();
				assertThat(body.get("redis").get("breaker").asString()).isEqualTo("CLOSED");
				assertThat(body.get("redis").get("pendingWrites").asLong()).isZero();
				JsonNode bus = body.get("invalidationBus");
				assertThat(bus.get("state").asString()).isEqualTo("HEALTHY");
				assertThat(bus.get("channel").asString()).isEqualTo(this.prefix + ":invalidation");
				assertThat(bus.get("lastHeartbeatAgeMillis").asLong()).isBetween(0L, 200L);
				assertThat(bus.get("heartbeatInterval").asString()).isEqualTo("PT0.2S");
				JsonNode writeBehind = body.get("writeBehind");
				assertThat(writeBehind.get("stream").asString()).isEqualTo(this.prefix + ":write-behind");
				assertThat(writeBehind.get("backlog").asLong()).isZero();
				assertThat(writeBehind.get("deadLetterCount").asLong()).isZero();
				assertThat(writeBehind.get("deadLetters")).isEmpty();
				assertThat(writeBehind.get("error").isNull()).isTrue();
			});
	}

	@Test
	void describesOneCacheAndNothingForAnUnknownOne() {
		this.runner.withPropertyValues("tiered-cache.caches.products.ttl=30s").run((context) -> {
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			TieredCacheEndpoint endpoint = context.getBean(TieredCacheEndpoint.class);
			assertThat(endpoint.cache("products")).isNotNull()
				.satisfies((cache) -> assertThat(cache.settings().ttl()).isEqualTo("PT30S"));
			assertThat(endpoint.cache("unknown")).isNull();
			assertThat(endpoint.clear("unknown")).isNull();
			assertThat(endpoint.evict("unknown", "1")).isNull();
			assertThat(manager.getCacheNames()).as("asking creates no dynamic cache").containsExactly("products");
		});
	}

	@Test
	void clearEmptiesTheCacheOnEveryInstanceBeforeItReturns() {
		this.runner.withPropertyValues("tiered-cache.invalidation.heartbeat-interval=2s")
			.run((first) -> this.runner.withPropertyValues("tiered-cache.invalidation.heartbeat-interval=2s")
				.run((second) -> {
					TieredCache one = healthyManager(first).getCache("products");
					TieredCache two = slowPeer(healthyManager(second)).getCache("products");
					one.put("lamp", "v1");
					awaitLocalHit(two, "lamp");
					// the second instance is busy applying an earlier invalidation when
					// the clear is sent
					one.put(SLOW, "v");
					TieredCacheEndpoint.ClearDescriptor cleared = first.getBean(TieredCacheEndpoint.class)
						.clear("products");
					assertThat(two.get("lamp")).isNull();
					assertThat(cleared.acknowledged()).isTrue();
					assertThat(one.get("lamp")).isNull();
				}));
	}

	@Test
	void cachesEndpointDeleteClearsEveryInstanceBeforeItReturns() {
		this.runner.withPropertyValues("tiered-cache.invalidation.heartbeat-interval=2s")
			.run((first) -> this.runner.withPropertyValues("tiered-cache.invalidation.heartbeat-interval=2s")
				.run((second) -> {
					TieredCache one = healthyManager(first).getCache("products");
					TieredCache two = slowPeer(healthyManager(second)).getCache("products");
					CachesEndpoint caches = first.getBean(CachesEndpoint.class);
					assertThat(caches.caches().getCacheManagers()).containsOnlyKeys("cacheManager");
					assertThat(caches.cache("products", null).getTarget())
						.isEqualTo(one.getNativeCache().getClass().getName());
					one.put("lamp", "v1");
					awaitLocalHit(two, "lamp");
					one.put(SLOW, "v");
					assertThat(caches.clearCache("products", null)).isTrue();
					assertThat(two.get("lamp")).isNull();
					two.put("desk", "v2");
					awaitLocalHit(one, "desk");
					two.put(SLOW, "v");
					caches.clearCaches();
					assertThat(one.get("desk")).isNull();
				}));
	}

	@Test
	void evictRemovesOneKeyFromRedisAndFromEveryInstance() {
		this.runner.run((first) -> this.runner.run((second) -> {
			TieredCache one = healthyManager(first).getCache("products");
			TieredCache two = healthyManager(second).getCache("products");
			one.put(42L, "lamp");
			one.put("alice", "desk");
			assertThat(two.get(42L, String.class)).isEqualTo("lamp");
			String redisKey = one.currentRedisKeyPrefix() + "#long:42";
			assertThat(this.redis.command("EXISTS", redisKey)).isEqualTo(":1");
			TieredCacheEndpoint endpoint = first.getBean(TieredCacheEndpoint.class);
			TieredCacheEndpoint.EvictDescriptor evicted = endpoint.evict("products", "#long:42");
			assertThat(evicted.present()).isTrue();
			assertThat(this.redis.command("EXISTS", redisKey)).isEqualTo(":0");
			assertThat(one.get(42L)).isNull();
			await().atMost(Duration.ofSeconds(5)).until(() -> two.get(42L) == null);
			assertThat(one.get("alice", String.class)).isEqualTo("desk");
			assertThat(endpoint.evict("products", "alice").present()).isTrue();
			assertThat(one.get("alice")).isNull();
			assertThat(endpoint.evict("products", "alice").present()).isFalse();
		}));
	}

	@Test
	void redriveReturnsADeadLetterToTheQueue() {
		this.runner.run((context) -> {
			WriteBehindService service = context.getBean(WriteBehindService.class);
			TieredCacheEndpoint endpoint = context.getBean(TieredCacheEndpoint.class);
			// a call of a method that does not exist fails its one attempt
			this.redis.command("XADD", service.getQueue().getStream(), "*", "key", "stock:x", "bean", "nothing",
					"method", "nothing()", "args", "[\"java.util.ArrayList\",[]]");
			await().atMost(Duration.ofSeconds(10)).until(() -> service.getFlusher().deadLettered() == 1);
			TieredCacheEndpoint.WriteBehindDescriptor writeBehind = endpoint.tieredCache().writeBehind();
			assertThat(writeBehind.deadLetterCount()).isEqualTo(1);
			assertThat(writeBehind.deadLetters()).singleElement()
				.satisfies((letter) -> assertThat(letter.key()).isEqualTo("stock:x"));
			String id = writeBehind.deadLetters().get(0).id();
			assertThat(endpoint.redrive(id).redriven()).containsExactly(id);
			// written again: it fails again, into the dead letters again
			await().atMost(Duration.ofSeconds(10)).until(() -> service.getFlusher().deadLettered() == 2);
			assertThat(endpoint.redrive("all").redriven()).hasSize(1);
			assertThat(endpoint.redrive("1-1").redriven()).isEmpty();
			assertThatExceptionOfType(InvalidEndpointRequestException.class)
				.isThrownBy(() -> endpoint.redrive("not an id"))
				.withMessageContaining("'all' or a dead letter's id");
		});
	}

	/**
	 * Make an instance slow to apply the invalidation of {@link #SLOW}: its subscriber
	 * thread, which applies every message in order, is held for well under the heartbeat
	 * interval (so the bus stays healthy) but far longer than a clear takes to publish. A
	 * clear that did not wait for every instance would return before this one applied it.
	 */
	private static TieredCacheManager slowPeer(TieredCacheManager manager) {
		manager.getInvalidationBus().addObserver((cacheName, keys) -> {
			if (keys.contains(SLOW)) {
				try {
					new CountDownLatch(1).await(500, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		});
		return manager;
	}

	/**
	 * Wait until a cache serves a key from its in-process tier (the writer's own
	 * invalidation may arrive after the first read filled it, and empty it again).
	 */
	private static void awaitLocalHit(TieredCache cache, Object key) {
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			long localHits = cache.getStatistics().localHits();
			return cache.get(key) != null && cache.getStatistics().localHits() > localHits;
		});
	}

	private static TieredCacheManager healthyManager(AssertableApplicationContext context) {
		TieredCacheManager manager = context.getBean(TieredCacheManager.class);
		await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
		return manager;
	}

}
