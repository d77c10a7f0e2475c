package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.github.tieredcache.testsupport.MutableClock;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link TieredCache#entryVersion(Object)} against a real Redis: computed there, the same
 * on every instance, moved by a write of other bytes, absent for absent, leased and stale
 * entries.
 */
class EntryVersionTests {

	private final MutableClock clock = new MutableClock();

	private final String prefix = "version-" + UUID.randomUUID();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private final List<LettuceConnectionFactory> connectionFactories = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(TieredCacheManager::destroy);
		this.connectionFactories.forEach(LettuceConnectionFactory::destroy);
	}

	private TieredCache instance(CacheSettings settings) {
		LettuceConnectionFactory connectionFactory = RedisServer.shared().connectionFactory();
		this.connectionFactories.add(connectionFactory);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(this.prefix)
			.clock(this.clock)
			.executor(Runnable::run)
			.cache("products", settings)
			.build();
		this.managers.add(manager);
		TieredCache cache = manager.getCache("products");
		// a cold first connection may miss the command timeout; writes then wait for
		// Redis
		await().atMost(Duration.ofSeconds(10)).until(() -> cache.currentRedisKeyPrefix() != null);
		return cache;
	}

	private TieredCache instance() {
		return instance(CacheSettings.builder().ttl(Duration.ofMinutes(1)).ttlJitter(0).build());
	}

	@Test
	void versionIsTheSameOnEveryInstanceAndMovesWithAWrite() {
		TieredCache a = instance();
		TieredCache b = instance();
		assertThat(a.entryVersion(42L)).isNull();
		a.put(42L, "v1");
		String first = a.entryVersion(42L);
		assertThat(first).hasSize(40).isEqualTo(b.entryVersion(42L));
		b.put(42L, "v2");
		String second = a.entryVersion(42L);
		assertThat(second).isNotNull().isNotEqualTo(first).isEqualTo(b.entryVersion(42L));
		a.put(42L, "v1");
		assertThat(a.entryVersion(42L)).as("a version names bytes, not a write").isEqualTo(first);
		b.evict(42L);
		assertThat(a.entryVersion(42L)).isNull();
	}

	@Test
	void versionComputedByRedisMatchesTheOneComputedFromTheBytes() {
		TieredCache cache = instance();
		cache.put("k", "value");
		byte[] bytes;
		LettuceConnectionFactory connectionFactory = RedisServer.shared().connectionFactory();
		this.connectionFactories.add(connectionFactory);
		try (RedisConnection connection = connectionFactory.getConnection()) {
			bytes = connection.stringCommands()
				.get((cache.currentRedisKeyPrefix() + "k").getBytes(StandardCharsets.UTF_8));
		}
		assertThat(bytes).isNotNull();
		assertThat(cache.entryVersion("k")).isEqualTo(EntryFormat.version(bytes));
	}

	@Test
	void aLeaseIsNoEntry() {
		TieredCache cache = instance();
		RedisServer.shared().command("SET", cache.currentRedisKeyPrefix() + "k", "\u0002lease-token-1234");
		assertThat(cache.entryVersion("k")).isNull();
	}

	@Test
	void timedEntryKeepsItsVersionAcrossARefreshOfTheSameValueAndLosesItOnceStale() {
		CacheSettings settings = CacheSettings.builder()
			.ttl(Duration.ofSeconds(10))
			.ttlJitter(0)
			.staleIfError(Duration.ofMinutes(1))
			.build();
		TieredCache cache = instance(settings);
		cache.put("k", "v1");
		String first = cache.entryVersion("k");
		assertThat(first).isNotNull();
		this.clock.advance(Duration.ofSeconds(5));
		cache.put("k", "v1");
		assertThat(cache.entryVersion("k")).as("the expiry is not part of the version").isEqualTo(first);
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(cache.entryVersion("k")).as("stale: kept for stale-if-error only").isNull();
	}

	@Test
	void inProcessOnlyCacheVersionsItsLocalEntry() {
		TieredCacheManager manager = TieredCacheManager.builder()
			.cache("local", CacheSettings.builder().redisEnabled(false).build())
			.build();
		this.managers.add(manager);
		TieredCache cache = manager.getCache("local");
		assertThat(cache.entryVersion("k")).isNull();
		cache.put("k", "v1");
		String first = cache.entryVersion("k");
		assertThat(first).hasSize(40);
		cache.put("k", "v2");
		assertThat(cache.entryVersion("k")).isNotEqualTo(first);
	}

}
