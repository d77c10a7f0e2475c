package io.github.tieredcache.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.github.tieredcache.testsupport.MutableClock;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.cache.Cache.ValueRetrievalException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Stale-if-error against a real Redis, with time driven by an injected clock.
 */
class StaleIfErrorTests {

	private final MutableClock clock = new MutableClock();

	private final String prefix = "stale-" + UUID.randomUUID();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private final List<LettuceConnectionFactory> connectionFactories = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(TieredCacheManager::destroy);
		this.connectionFactories.forEach(LettuceConnectionFactory::destroy);
	}

	private TieredCache instance(Duration staleIfError) {
		LettuceConnectionFactory connectionFactory = RedisServer.shared().connectionFactory();
		this.connectionFactories.add(connectionFactory);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(this.prefix)
			.clock(this.clock)
			.executor(Runnable::run)
			.cache("prices",
					CacheSettings.builder().ttl(Duration.ofSeconds(10)).ttlJitter(0).staleIfError(staleIfError).build())
			.build();
		this.managers.add(manager);
		return manager.getCache("prices");
	}

	private static String failing() {
		throw new IllegalStateException("database down");
	}

	@Test
	void staleValueIsServedWhenTheLoaderFailsAfterTheTtl() {
		TieredCache cache = instance(Duration.ofMinutes(1));
		assertThat(cache.get("k", () -> "v1")).isEqualTo("v1");
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(cache.get("k")).as("stale entries are not plain hits").isNull();
		assertThat(cache.get("k", StaleIfErrorTests::failing)).isEqualTo("v1");
		assertThat(cache.getStatistics().staleServed()).isEqualTo(1);
		// the retry waits a second; then a working loader replaces the stale value
		this.clock.advance(Duration.ofSeconds(2));
		assertThat(cache.get("k", () -> "v2")).isEqualTo("v2");
		assertThat(cache.get("k", StaleIfErrorTests::failing)).isEqualTo("v2");
	}

	@Test
	void aBatchReadLoadsWhatRedisHoldsOnlyAsAStaleCopy() {
		TieredCache a = instance(Duration.ofMinutes(1));
		TieredCache b = instance(Duration.ofMinutes(1));
		a.get("k", () -> "v1");
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(b.getAll(List.of("k"), (keys) -> java.util.Map.of("k", "v2"), WriteOptions.DEFAULT))
			.as("past its TTL the copy in Redis is no hit")
			.containsEntry("k", "v2");
		assertThat(b.getStatistics().redisHits()).isZero();
	}

	@Test
	void anotherInstanceServesTheStaleCopyFromRedis() {
		TieredCache a = instance(Duration.ofMinutes(1));
		TieredCache b = instance(Duration.ofMinutes(1));
		a.get("k", () -> "v1");
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(b.get("k", StaleIfErrorTests::failing)).isEqualTo("v1");
		assertThat(b.getStatistics().staleServed()).isEqualTo(1);
		// the stale copy is still in Redis for the next instance
		TieredCache c = instance(Duration.ofMinutes(1));
		assertThat(c.get("k", StaleIfErrorTests::failing)).isEqualTo("v1");
		this.clock.advance(Duration.ofSeconds(2));
		assertThat(c.get("k", () -> "v2")).isEqualTo("v2");
	}

	@Test
	void repeatedFailuresNeverServeAStaleValuePastItsWindow() {
		TieredCache a = instance(Duration.ofSeconds(5));
		assertThat(a.get("k", () -> "v1")).isEqualTo("v1");
		// ttl 10 s + stale-if-error 5 s: served stale at 11, 12, 13, 14 s, each failure
		// retried
		for (int second = 11; second < 15; second++) {
			this.clock.advance(Duration.ofSeconds((second == 11) ? 11 : 1));
			assertThat(a.get("k", StaleIfErrorTests::failing)).as("at %d s", second).isEqualTo("v1");
		}
		this.clock.advance(Duration.ofMillis(1500));
		assertThatExceptionOfType(ValueRetrievalException.class).as("in-process copy")
			.isThrownBy(() -> a.get("k", StaleIfErrorTests::failing));
		assertThatExceptionOfType(ValueRetrievalException.class).as("Redis copy, another instance")
			.isThrownBy(() -> instance(Duration.ofSeconds(5)).get("k", StaleIfErrorTests::failing));
	}

	@Test
	void withoutStaleIfErrorTheFailureReachesTheCaller() {
		TieredCache cache = instance(Duration.ZERO);
		cache.get("k", () -> "v1");
		// without stale-if-error an entry just expires in Redis; emulate it
		RedisServer.shared().command("DEL", cache.currentRedisKeyPrefix() + "k");
		assertThatExceptionOfType(ValueRetrievalException.class)
			.isThrownBy(() -> instance(Duration.ZERO).get("k", StaleIfErrorTests::failing));
	}

	@Test
	void pastTheGraceWindowTheFailureReachesTheCaller() {
		TieredCache cache = instance(Duration.ofSeconds(5));
		cache.get("k", () -> "v1");
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(cache.get("k", StaleIfErrorTests::failing)).isEqualTo("v1");
		// Redis drops the entry after ttl + stale-if-error of real time; emulate it
		RedisServer.shared().command("DEL", cache.currentRedisKeyPrefix() + "k");
		this.clock.advance(Duration.ofSeconds(2));
		assertThat(cache.get("k")).isNull();
		assertThatExceptionOfType(ValueRetrievalException.class)
			.isThrownBy(() -> instance(Duration.ofSeconds(5)).get("k", StaleIfErrorTests::failing));
	}

}
