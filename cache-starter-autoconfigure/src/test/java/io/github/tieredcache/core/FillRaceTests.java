package io.github.tieredcache.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.testsupport.MutableClock;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every path that stores a loaded value obeys the rule of {@code get(key, loader)}: a
 * load that began before a write of its key never stores its (older) value over the
 * write, in Redis or in the in-process tier. Each test lets another instance write the
 * key while the load is in flight, deterministically (the write happens inside the
 * loader), then checks what a third instance reads from Redis.
 */
class FillRaceTests {

	private final String prefix = "fill-race-" + UUID.randomUUID();

	private final MutableClock clock = new MutableClock();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private final List<LettuceConnectionFactory> connections = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(TieredCacheManager::destroy);
		this.connections.forEach(LettuceConnectionFactory::destroy);
	}

	private TieredCache instance(CacheSettings settings) {
		LettuceConnectionFactory connection = RedisServer.shared().connectionFactory();
		this.connections.add(connection);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connection)
			.keyPrefix(this.prefix)
			.clock(this.clock)
			.random(() -> 0.0)
			.executor(Runnable::run)
			.cache("products", settings)
			.build();
		this.managers.add(manager);
		TieredCache cache = manager.getCache("products");
		// the first command of a fresh connection may time out on a loaded machine
		await().atMost(Duration.ofSeconds(10)).until(() -> cache.currentRedisKeyPrefix() != null);
		return cache;
	}

	private TieredCache instance() {
		return instance(CacheSettings.builder().ttl(Duration.ofMinutes(10)).build());
	}

	private String readByAnotherInstance() {
		return instance().get("k", String.class);
	}

	@Test
	void retrieveWithALoaderNeverStoresOverAWrite() throws Exception {
		TieredCache a = instance();
		TieredCache b = instance();
		String value = a.retrieve("k", () -> {
			b.put("k", "written");
			return CompletableFuture.completedFuture("loaded-before-the-write");
		}).get(10, TimeUnit.SECONDS);
		assertThat(value).isEqualTo("loaded-before-the-write");
		assertThat(readByAnotherInstance()).isEqualTo("written");
		assertThat(a.getStatistics().rejectedFills()).isEqualTo(1);
	}

	@Test
	void getAllNeverStoresOverAWrite() {
		TieredCache a = instance();
		TieredCache b = instance();
		Map<String, String> values = a.getAll(List.of("k", "other"), (Set<String> keys) -> {
			b.put("k", "written");
			return Map.of("k", "loaded-before-the-write", "other", "o");
		}, WriteOptions.DEFAULT);
		assertThat(values).containsEntry("k", "loaded-before-the-write");
		assertThat(readByAnotherInstance()).isEqualTo("written");
		assertThat(instance().get("other", String.class)).isEqualTo("o");
		assertThat(a.get("k", String.class)).as("not in A's in-process tier either")
			.isNotEqualTo("loaded-before-the-write");
	}

	@Test
	void conditionalStoreNeverStoresOverAWrite() {
		TieredCache a = instance();
		TieredCache b = instance();
		WriteOptions unless = WriteOptions.DEFAULT.storeIf((value) -> !"skip".equals(value));
		String value = a.get("k", () -> {
			b.put("k", "written");
			return "loaded-before-the-write";
		}, unless);
		assertThat(value).isEqualTo("loaded-before-the-write");
		assertThat(readByAnotherInstance()).isEqualTo("written");
		// and a value the condition refuses is not stored at all
		assertThat(a.get("refused", () -> "skip", unless)).isEqualTo("skip");
		assertThat(instance().get("refused")).isNull();
	}

	@Test
	void earlyRefreshNeverStoresOverAWrite() {
		CacheSettings settings = CacheSettings.builder()
			.ttl(Duration.ofSeconds(10))
			.ttlJitter(0)
			.earlyRefreshBeta(1)
			.build();
		TieredCache a = instance(settings);
		TieredCache b = instance(settings);
		assertThat(a.get("k", () -> {
			this.clock.advance(Duration.ofMillis(100));
			return "v1";
		})).isEqualTo("v1");
		// 3 s before expiry with a 100 ms load, a random draw of 0 refreshes at once
		this.clock.advance(Duration.ofSeconds(7));
		assertThat(a.get("k", () -> {
			b.put("k", "written");
			return "refreshed-before-the-write";
		})).isEqualTo("v1");
		assertThat(a.getStatistics().earlyRefreshes()).isEqualTo(1);
		assertThat(instance(settings).get("k", String.class)).isEqualTo("written");
		assertThat(a.getStatistics().rejectedFills()).isEqualTo(1);
	}

}
