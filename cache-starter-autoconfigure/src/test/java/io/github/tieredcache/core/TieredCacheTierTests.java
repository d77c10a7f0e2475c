package io.github.tieredcache.core;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.testsupport.FakeTicker;
import io.github.tieredcache.testsupport.Gadget;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the two tiers work together, against a real Redis.
 */
class TieredCacheTierTests {

	private final RedisServer redis = RedisServer.shared();

	private final FakeTicker ticker = new FakeTicker();

	private final String prefix = "tiers-" + UUID.randomUUID();

	private LettuceConnectionFactory connectionFactory;

	private TieredCacheManager instanceA;

	private TieredCacheManager instanceB;

	@BeforeEach
	void setUp() {
		this.connectionFactory = this.redis.connectionFactory();
		this.instanceA = manager();
		this.instanceB = manager();
	}

	private TieredCacheManager manager() {
		return TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix(this.prefix)
			.ticker(this.ticker)
			.executor(Runnable::run)
			.valueCodec(new JacksonValueCodec(List.of("io.github.tieredcache.core")))
			.cache("products",
					CacheSettings.builder().ttl(Duration.ofMinutes(10)).localTtl(Duration.ofSeconds(30)).build())
			.build();
	}

	private String keyPrefix() {
		return this.instanceA.getCache("products").currentRedisKeyPrefix();
	}

	@AfterEach
	void tearDown() {
		this.connectionFactory.destroy();
	}

	@Test
	void valuesAreStoredUnderTheDocumentedKeyScheme() {
		this.instanceA.getCache("products").put(42L, "lamp");
		String key = keyPrefix() + "#long:42";
		assertThat(this.redis.command("EXISTS", key)).isEqualTo(":1");
		assertThat(this.redis.command("GET", key)).isEqualTo("\u0001\"lamp\"");
		long ttl = Long.parseLong(this.redis.command("PTTL", key).substring(1));
		assertThat(ttl).isBetween(Duration.ofMinutes(9).toMillis(), Duration.ofMinutes(11).toMillis());
	}

	@Test
	void redisHitFillsTheLocalTier() {
		this.instanceA.getCache("products").put("k", "v");
		TieredCache cache = this.instanceB.getCache("products");
		assertThat(cache.get("k", String.class)).isEqualTo("v");
		assertThat(cache.getStatistics().redisHits()).isEqualTo(1);
		assertThat(cache.get("k", String.class)).isEqualTo("v");
		assertThat(cache.getStatistics().localHits()).isEqualTo(1);
		assertThat(cache.getStatistics().redisHits()).isEqualTo(1);
	}

	@Test
	void localEntryExpiresBeforeTheRedisEntry() {
		TieredCache cache = this.instanceA.getCache("products");
		cache.put("k", "v1");
		// another instance changes the value in Redis; this one's L1 is stale until its
		// TTL
		this.instanceB.getCache("products").put("k", "v2");
		assertThat(cache.get("k", String.class)).isEqualTo("v1");
		this.ticker.advance(Duration.ofSeconds(31));
		assertThat(cache.get("k", String.class)).isEqualTo("v2");
		assertThat(cache.getStatistics().redisHits()).isEqualTo(1);
	}

	@Test
	void loadWritesRedisThenTheLocalTier() {
		TieredCache cache = this.instanceA.getCache("products");
		assertThat(cache.get("k", () -> "loaded")).isEqualTo("loaded");
		assertThat(this.redis.command("GET", keyPrefix() + "k")).isEqualTo("\u0001\"loaded\"");
		assertThat(this.instanceB.getCache("products").get("k", () -> "not called")).isEqualTo("loaded");
	}

	@Test
	void clearBumpsTheNamespaceAndSweepsTheOldKeys() {
		TieredCache cache = this.instanceA.getCache("products");
		cache.put("a", "1");
		cache.put("b", "2");
		String before = cache.currentRedisKeyPrefix();
		String token = this.redis.command("GET", this.prefix + ":products:ns");
		assertThat(before).isEqualTo(this.prefix + ":products:v" + token + ":");
		cache.clear();
		String after = cache.currentRedisKeyPrefix();
		assertThat(after).isNotEqualTo(before)
			.isEqualTo(this.prefix + ":products:v" + this.redis.command("GET", this.prefix + ":products:ns") + ":");
		assertThat(cache.get("a")).isNull();
		await().atMost(10, TimeUnit.SECONDS)
			.until(() -> this.redis.command("EXISTS", before + "a", before + "b").equals(":0"));
		cache.put("a", "3");
		// a cache that starts after the bump learns the current namespace from Redis
		assertThat(manager().getCache("products").get("a", String.class)).isEqualTo("3");
	}

	@Test
	void corruptBytesReadAsAMissAndAreDeleted() {
		TieredCache cache = this.instanceA.getCache("products");
		String key = keyPrefix() + "k";
		this.redis.command("SET", key, "\u0001{not json");
		assertThat(cache.get("k")).isNull();
		assertThat(cache.getStatistics().undecodable()).isEqualTo(1);
		assertThat(this.redis.command("EXISTS", key)).isEqualTo(":0");
		assertThat(cache.get("k", () -> "loaded")).isEqualTo("loaded");
	}

	@Test
	void truncatedAndUnknownFormatsReadAsAMiss() {
		TieredCache cache = this.instanceA.getCache("products");
		cache.put("k", new AbstractTieredCacheConformanceTests.Product(1, "lamp", List.of("a")));
		String key = keyPrefix() + "k";
		String valid = this.redis.command("GET", key);
		this.redis.command("SET", key, valid.substring(0, valid.length() / 2));
		assertThat(this.instanceB.getCache("products").get("k")).isNull();
		this.redis.command("SET", key, "\u0009{}");
		assertThat(this.instanceB.getCache("products").get("k")).isNull();
		this.redis.command("SET", key, "");
		assertThat(this.instanceB.getCache("products").get("k")).isNull();
		assertThat(this.instanceB.getCache("products").getStatistics().undecodable()).isEqualTo(3);
	}

	@Test
	void plantedPayloadNamingAnUnlistedTypeIsNeverInstantiated() {
		TieredCache cache = this.instanceA.getCache("products");
		String key = keyPrefix() + "k";
		this.redis.command("SET", key,
				"\u0001{\"@class\":\"io.github.tieredcache.testsupport.Gadget\",\"command\":\"rm -rf /\"}");
		assertThat(cache.get("k")).isNull();
		this.redis.command("SET", key, "\u0001[\"java.util.ArrayList\",[{\"@class\":"
				+ "\"io.github.tieredcache.testsupport.Gadget\",\"command\":\"x\"}]]");
		assertThat(cache.get("k")).isNull();
		assertThat(cache.getStatistics().undecodable()).isEqualTo(2);
		assertThat(Gadget.CONSTRUCTED).isFalse();
	}

	@Test
	void valueOfAnUnlistedTypeStaysOutOfRedis() {
		TieredCache cache = this.instanceA.getCache("products");
		cache.put("k", "old");
		cache.put("k", URI.create("https://example.com"));
		assertThat(cache.getStatistics().unencodable()).isEqualTo(1);
		assertThat(this.redis.command("EXISTS", keyPrefix() + "k")).isEqualTo(":0");
		assertThat(cache.get("k")).isNotNull();
	}

}
