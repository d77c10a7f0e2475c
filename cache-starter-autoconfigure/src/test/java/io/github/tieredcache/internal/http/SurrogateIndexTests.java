package io.github.tieredcache.internal.http;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The rules of a {@link SurrogateIndex}, for the Redis one (on a real Redis) and the
 * in-process one alike.
 */
class SurrogateIndexTests {

	private static final Duration TTL = Duration.ofMinutes(1);

	private final TieredCacheManager manager = TieredCacheManager.builder()
		.redis(RedisServer.shared().connectionFactory())
		.redisCommandTimeout(Duration.ofSeconds(5))
		.keyPrefix("index-" + UUID.randomUUID())
		.build();

	@AfterEach
	void close() throws Exception {
		this.manager.destroy();
	}

	private List<SurrogateIndex> indexes() {
		return List.of(new RedisSurrogateIndex(this.manager.getRedisTier(), this.manager.getKeyPrefix(), "http"),
				new LocalSurrogateIndex());
	}

	@Test
	void anInvalidationReturnsAndForgetsTheResponsesIndexedBeforeIt() {
		for (SurrogateIndex index : indexes()) {
			long sequence = index.sequence();
			assertThat(index.register("r1", List.of("products:1", "products"), sequence, TTL)).isTrue();
			assertThat(index.register("r2", List.of("products:2", "products"), sequence, TTL)).isTrue();
			assertThat(index.invalidate("products:1")).containsExactly("r1");
			assertThat(index.invalidate("products:1")).isEmpty();
			assertThat(index.invalidate("products")).containsExactlyInAnyOrder("r1", "r2");
			assertThat(index.invalidate("orders:1")).isEmpty();
		}
	}

	@Test
	void aResponseWhoseKeyWasInvalidatedAfterItsSequenceIsRefused() {
		for (SurrogateIndex index : indexes()) {
			long before = index.sequence();
			index.invalidate("products:1");
			assertThat(index.register("stale", List.of("products", "products:1"), before, TTL)).isFalse();
			assertThat(index.invalidate("products")).as("nothing of it indexed").isEmpty();
			// a key invalidated after another's sequence does not refuse it
			long after = index.sequence();
			assertThat(after).isGreaterThan(before);
			assertThat(index.register("fresh", List.of("products:1"), after, TTL)).isTrue();
			index.invalidate("products:2");
			assertThat(index.register("other", List.of("products:1"), after, TTL)).isTrue();
			assertThat(index.invalidate("products:1")).containsExactlyInAnyOrder("fresh", "other");
		}
	}

	/**
	 * A broad surrogate key ({@code products}, on every product page) is registered by
	 * every response and invalidated only by a clear: its set must not keep the responses
	 * that expired meanwhile (with varying queries or {@code Vary} values it would grow
	 * without bound, and a clear would return and evict all of them at once).
	 */
	@Test
	void aBroadKeysSetDoesNotKeepExpiredResponses() {
		SurrogateIndex index = new RedisSurrogateIndex(this.manager.getRedisTier(), this.manager.getKeyPrefix(),
				"http");
		long sequence = index.sequence();
		for (int i = 0; i < 100; i++) {
			assertThat(index.register("old-" + i, List.of("products", "products:" + i), sequence, Duration.ofMillis(1)))
				.isTrue();
		}
		// past their TTL by Redis's own clock (the one the index scores with): a probe
		// key set after them with a longer TTL has expired
		RedisServer redis = RedisServer.shared();
		String probe = "index-probe-" + UUID.randomUUID();
		redis.command("SET", probe, "x", "PX", "2");
		await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("EXISTS", probe).equals(":0"));
		assertThat(index.register("live", List.of("products"), sequence, TTL)).isTrue();
		assertThat(index.invalidate("products")).containsExactly("live");
	}

	/**
	 * A Redis without persistence that restarts while a handler runs loses the sequence
	 * counter and the markers: neither an invalidation made before the restart (its
	 * marker is gone) nor one made after it (the counter starts again below the handler's
	 * number) may let the handler's response in.
	 */
	@Test
	void aRedisRestartWhileTheHandlerRunsDoesNotLetItsResponseIn() throws Exception {
		try (RedisServer redis = RedisServer.start()) {
			TieredCacheManager own = TieredCacheManager.builder()
				.redis(redis.connectionFactory())
				.redisCommandTimeout(Duration.ofSeconds(2))
				.keyPrefix("index-" + UUID.randomUUID())
				.build();
			try {
				SurrogateIndex index = new RedisSurrogateIndex(own.getRedisTier(), own.getKeyPrefix(), "http");
				for (int i = 0; i < 3; i++) {
					index.invalidate("warm-up:" + i);
				}
				// the write is invalidated before the restart, and its marker lost with
				// it
				long before = index.sequence();
				index.invalidate("products:1");
				restart(redis, index);
				assertThat(index.register("stale", List.of("products:1"), before, TTL))
					.as("invalidated before the restart")
					.isFalse();
				// the write is invalidated after the restart
				for (int i = 0; i < 3; i++) {
					index.invalidate("warm-up:" + i);
				}
				long running = index.sequence();
				restart(redis, index);
				index.invalidate("products:2");
				assertThat(index.register("stale", List.of("products:2"), running, TTL))
					.as("invalidated after the restart")
					.isFalse();
				// and a response whose handler started after the restart is indexed
				long after = index.sequence();
				assertThat(index.register("fresh", List.of("products:2"), after, TTL)).isTrue();
				assertThat(index.invalidate("products:2")).containsExactly("fresh");
			}
			finally {
				own.destroy();
			}
		}
	}

	private static void restart(RedisServer redis, SurrogateIndex index) {
		redis.kill();
		redis.restart();
		// until the client has reconnected to the empty server
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> index.sequence() == 0);
	}

}
