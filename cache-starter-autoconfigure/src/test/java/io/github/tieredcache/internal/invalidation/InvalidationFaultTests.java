package io.github.tieredcache.internal.invalidation;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bus under real faults of a Redis process of the test's own: its subscription
 * killed, every client paused, Redis killed and restarted. After each, instance B serves
 * no value older than the last completed write once {@link InvalidationBusTests#BOUND}
 * has passed.
 */
class InvalidationFaultTests {

	private static final Duration BOUND = InvalidationBusTests.BOUND;

	private final String prefix = "faults-" + UUID.randomUUID();

	private RedisServer redis;

	private LettuceConnectionFactory connectionA;

	private LettuceConnectionFactory connectionB;

	private TieredCacheManager managerA;

	private TieredCacheManager managerB;

	private TieredCache a;

	private TieredCache b;

	@BeforeEach
	void start() {
		this.redis = RedisServer.start();
		this.connectionA = this.redis.connectionFactory();
		this.connectionB = this.redis.connectionFactory();
		this.managerA = manager(this.connectionA);
		this.managerB = manager(this.connectionB);
		this.a = this.managerA.getCache("products");
		this.b = this.managerB.getCache("products");
	}

	private TieredCacheManager manager(LettuceConnectionFactory connectionFactory) {
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(this.prefix)
			.valueCodec(new JacksonValueCodec(List.of()))
			.invalidation(this.prefix + ":invalidation", InvalidationBusTests.HEARTBEAT)
			.cache("products", CacheSettings.builder().localTtl(Duration.ofMinutes(1)).build())
			.build();
		await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
		return manager;
	}

	@AfterEach
	void stop() {
		this.managerA.destroy();
		this.managerB.destroy();
		this.connectionA.destroy();
		this.connectionB.destroy();
		this.redis.close();
	}

	private void cacheV1InBothInstances() {
		this.a.put("k", "v1");
		// once A's own invalidation of v1 has reached B, B's read of v1 stays in its L1
		await().atMost(BOUND).untilAsserted(() -> {
			long localHits = this.b.getStatistics().localHits();
			assertThat(this.b.get("k", String.class)).isEqualTo("v1");
			assertThat(this.b.getStatistics().localHits()).as("v1 is in B's L1").isGreaterThan(localHits);
		});
	}

	private String valueInRedis() {
		return this.redis.command("GET", this.a.currentRedisKeyPrefix() + "k");
	}

	@Test
	void killedSubscriptionServesNothingStaleOnceTheBoundHasPassed() {
		cacheV1InBothInstances();
		assertThat(this.redis.command("CLIENT", "KILL", "TYPE", "pubsub")).matches(":[1-9]\\d*");
		this.a.put("k", "v2");
		assertThat(valueInRedis()).isEqualTo("\u0001\"v2\"");
		await().atMost(BOUND).untilAsserted(() -> assertThat(this.b.get("k", String.class)).isEqualTo("v2"));
	}

	@Test
	void pausedRedisIsNoticedAndRecoveredFrom() throws Exception {
		cacheV1InBothInstances();
		long pauseMillis = InvalidationBusTests.HEARTBEAT.multipliedBy(4).toMillis();
		assertThat(this.redis.command("CLIENT", "PAUSE", String.valueOf(pauseMillis), "WRITE")).isEqualTo("+OK");
		// the write times out (the cache's command timeout is shorter than the pause): it
		// is
		// remembered as a deletion and replayed once Redis answers
		this.a.put("k", "v2");
		// B's heartbeats cannot be published: within the bound it stops trusting its L1
		await().atMost(BOUND).until(() -> !this.managerB.getInvalidationBus().isHealthy());
		assertThat(this.b.isLocalTierServing()).isFalse();
		await().atMost(Duration.ofMillis(pauseMillis).plus(BOUND))
			.until(() -> this.managerB.getInvalidationBus().isHealthy());
		// once the bound has passed, B no longer serves v1, which the write replaced
		await().atMost(BOUND).untilAsserted(() -> assertThat(this.b.get("k", String.class)).isNotEqualTo("v1"));
		assertThat(valueInRedis()).isNotEqualTo("\u0001\"v1\"");
		assertThat(this.managerB.getInvalidationBus().getStatistics().silences()).isPositive();
	}

	@Test
	void aHungPublishGivesUpWithinTheCachesCommandTimeout() {
		InvalidationBus bus = this.managerA.getInvalidationBus();
		this.redis.pause();
		try {
			long dropped = bus.getStatistics().dropped();
			long start = System.nanoTime();
			bus.keyChanged("products", "k");
			// the connection's own timeout is 2 s; the cache's command timeout is 250 ms
			await().atMost(Duration.ofSeconds(2)).until(() -> bus.getStatistics().dropped() > dropped);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the publish was given up")
				.isLessThan(Duration.ofMillis(1500));
		}
		finally {
			this.redis.resume();
		}
	}

	@Test
	void aListenerThatThrowsKeepsNoOtherFromHearing() {
		InvalidationBus bus = this.managerB.getInvalidationBus();
		bus.addListener(new BusListener() {

			@Override
			public void stateChanged(InvalidationBus.State previous, InvalidationBus.State current) {
				throw new IllegalStateException("a broken listener");
			}

		});
		List<InvalidationBus.State> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
		bus.addListener(new BusListener() {

			@Override
			public void stateChanged(InvalidationBus.State previous, InvalidationBus.State current) {
				heard.add(current);
			}

		});
		long pauseMillis = InvalidationBusTests.HEARTBEAT.multipliedBy(4).toMillis();
		assertThat(this.redis.command("CLIENT", "PAUSE", String.valueOf(pauseMillis), "WRITE")).isEqualTo("+OK");
		await().atMost(BOUND).until(() -> !bus.isHealthy());
		await().atMost(Duration.ofMillis(pauseMillis).plus(BOUND)).until(bus::isHealthy);
		await().atMost(BOUND).until(() -> heard.contains(InvalidationBus.State.HEALTHY));
		assertThat(heard).as("the listener after the broken one heard both changes")
			.containsSubsequence(InvalidationBus.State.SILENT, InvalidationBus.State.HEALTHY);
	}

	@Test
	void redisRestartIsRecoveredFrom() {
		cacheV1InBothInstances();
		this.redis.kill();
		this.redis.restart();
		// the write completes once A's connection is back
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
			this.a.put("k", "v2");
			return "\u0001\"v2\"".equals(valueInRedis());
		});
		// a restart without persistence loses the namespace version too: the cache starts
		// over
		// empty on every instance (a miss), never with v1
		await().atMost(BOUND.plusSeconds(5))
			.untilAsserted(() -> assertThat(this.b.get("k", String.class)).isIn("v2", null));
		await().atMost(Duration.ofSeconds(30)).until(() -> this.managerB.getInvalidationBus().isHealthy());
		await().atMost(BOUND)
			.until(() -> this.a.currentRedisKeyPrefix() != null
					&& this.a.currentRedisKeyPrefix().equals(this.b.currentRedisKeyPrefix()));
		assertThat(this.b.get("k", String.class)).isIn("v2", null);
		this.a.put("k", "v3");
		await().atMost(BOUND).untilAsserted(() -> assertThat(this.b.get("k", String.class)).isEqualTo("v3"));
	}

	@Test
	void instancesThatStoppedTalkingAreForgotten() {
		await().atMost(BOUND).until(() -> this.managerA.getInvalidationBus().rememberedPeers() == 1);
		// peers that sent one message each and were never heard of again
		for (int i = 0; i < 50; i++) {
			this.redis.command("PUBLISH", this.prefix + ":invalidation",
					"{\"origin\":\"gone-" + i + "\",\"sequence\":1,\"entries\":[]}");
		}
		await().atMost(BOUND).until(() -> this.managerA.getInvalidationBus().rememberedPeers() >= 51);
		Duration forgotten = InvalidationBusTests.HEARTBEAT.multipliedBy(InvalidationBus.FORGET_AFTER_INTERVALS);
		await().atMost(forgotten.plus(BOUND)).until(() -> this.managerA.getInvalidationBus().rememberedPeers() == 1);
	}

}
