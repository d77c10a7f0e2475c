package io.github.tieredcache.core;

import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.testsupport.MutableClock;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Early refresh (XFetch) with an injected clock and random source.
 */
class EarlyRefreshTests {

	/**
	 * The test refreshes exactly when random ≤ exp(-timeLeft / (beta × loadTime)).
	 */
	@Test
	void probabilityFollowsTheXFetchCurve() {
		int loadMillis = 100;
		for (double beta : new double[] { 0.5, 1, 2 }) {
			for (long timeLeft : new long[] { 1, 10, 50, 100, 200, 400, 1000 }) {
				double probability = Math.exp(-timeLeft / (beta * loadMillis));
				assertThat(EarlyRefresh.shouldRefreshEarly(timeLeft, loadMillis, beta, probability * 0.999))
					.as("beta %s, %d ms left, just under p", beta, timeLeft)
					.isTrue();
				assertThat(EarlyRefresh.shouldRefreshEarly(timeLeft, loadMillis, beta,
						Math.min(0.999999, probability * 1.001)))
					.as("beta %s, %d ms left, just over p", beta, timeLeft)
					.isFalse();
			}
		}
		assertThat(EarlyRefresh.shouldRefreshEarly(0, loadMillis, 1, 0.0)).as("expired: a miss, not a refresh")
			.isFalse();
	}

	@Test
	void observedRefreshRateMatchesTheProbability() {
		Random random = new Random(42);
		int refreshes = 0;
		int trials = 100_000;
		for (int i = 0; i < trials; i++) {
			if (EarlyRefresh.shouldRefreshEarly(100, 100, 1, random.nextDouble())) {
				refreshes++;
			}
		}
		assertThat(refreshes / (double) trials).isCloseTo(Math.exp(-1), within(0.01));
	}

	/**
	 * A hot key under steady load for four TTLs: every read is served from the cache, and
	 * the key is reloaded in the background before it ever expires.
	 */
	@Test
	void hotKeyNeverExpiresUnderSteadyLoad() {
		MutableClock clock = new MutableClock();
		Random random = new Random(7);
		LettuceConnectionFactory connectionFactory = RedisServer.shared().connectionFactory();
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix("early-" + UUID.randomUUID())
			.clock(clock)
			.random(random::nextDouble)
			.executor(Runnable::run)
			.cache("hot", CacheSettings.builder().ttl(Duration.ofSeconds(10)).ttlJitter(0).earlyRefreshBeta(1).build())
			.build();
		try {
			TieredCache cache = manager.getCache("hot");
			AtomicInteger version = new AtomicInteger();
			for (int request = 0; request < 2000; request++) {
				String value = cache.get("key", () -> {
					// the load takes 200 ms of the injected clock
					clock.advance(Duration.ofMillis(200));
					return "v" + version.incrementAndGet();
				});
				assertThat(value).startsWith("v");
				clock.advance(Duration.ofMillis(20));
			}
			CacheStatistics statistics = cache.getStatistics();
			assertThat(statistics.earlyRefreshes()).isGreaterThanOrEqualTo(3);
			assertThat(statistics.loads()).as("every load after the first was an early refresh")
				.isEqualTo(1 + statistics.earlyRefreshes());
		}
		finally {
			manager.destroy();
			connectionFactory.destroy();
		}
	}

}
