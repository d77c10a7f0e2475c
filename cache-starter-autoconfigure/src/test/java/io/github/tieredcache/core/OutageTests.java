package io.github.tieredcache.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A steady load of reads and writes from several threads while the test's own Redis is
 * stopped with {@code SIGSTOP}, then killed and restarted: no caller sees an exception,
 * calls during the outage take at most the loader's time plus the command timeout (plus
 * slack for a loaded machine), the cache goes back to Redis by itself, and nothing
 * evicted during the outage is served afterwards.
 */
class OutageTests {

	private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);

	private static final Duration LOADER_TIME = Duration.ofMillis(2);

	private final String prefix = "outage-" + UUID.randomUUID();

	private TieredCacheManager manager(LettuceConnectionFactory connectionFactory) {
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(this.prefix)
			.redisCommandTimeout(COMMAND_TIMEOUT)
			.circuitBreaker(5, Duration.ofMillis(200))
			.invalidation(this.prefix + ":invalidation", Duration.ofMillis(400))
			.cache("products", CacheSettings.builder().localTtl(Duration.ofSeconds(30)).build())
			.build();
		await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
		return manager;
	}

	private static String load(Object key) {
		LockSupport.parkNanos(LOADER_TIME.toNanos());
		return "loaded-" + key;
	}

	@Test
	void outageCostsCallersNothingButTimeAndRecoveryIsAutomatic() throws Exception {
		try (RedisServer redis = RedisServer.start()) {
			LettuceConnectionFactory connectionA = redis.connectionFactory();
			LettuceConnectionFactory connectionB = redis.connectionFactory();
			TieredCacheManager managerA = manager(connectionA);
			TieredCacheManager managerB = manager(connectionB);
			try {
				TieredCache a = managerA.getCache("products");
				TieredCache b = managerB.getCache("products");
				a.put("victim", "old");
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(b.get("victim", String.class)).isEqualTo("old"));

				AtomicBoolean outage = new AtomicBoolean();
				AtomicBoolean running = new AtomicBoolean(true);
				AtomicLong calls = new AtomicLong();
				List<Long> outageLatencies = Collections.synchronizedList(new ArrayList<>());
				List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
				List<Thread> workers = new ArrayList<>();
				for (int t = 0; t < 4; t++) {
					TieredCache cache = (t % 2 == 0) ? a : b;
					Thread worker = new Thread(() -> {
						while (running.get()) {
							int key = ThreadLocalRandom.current().nextInt(50);
							long start = System.nanoTime();
							try {
								if (key % 10 == 0) {
									cache.put(key, "written-" + key);
								}
								else if (key % 10 == 1) {
									cache.evict(key);
								}
								else {
									cache.get(key, () -> load(key));
								}
							}
							catch (Throwable ex) {
								errors.add(ex);
							}
							if (outage.get()) {
								outageLatencies.add(System.nanoTime() - start);
							}
							calls.incrementAndGet();
						}
					});
					workers.add(worker);
					worker.start();
				}
				await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 500);

				// the outage phases are measured in calls made, not in time
				outage.set(true);
				redis.pause();
				a.evict("victim");
				await().atMost(Duration.ofSeconds(10))
					.until(() -> !managerA.isRedisAvailable() && !managerB.isRedisAvailable());
				long afterBreakersOpened = calls.get();
				await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= afterBreakersOpened + 1000);
				redis.kill();
				long afterKill = calls.get();
				await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= afterKill + 1000);
				outage.set(false);
				redis.restart();

				await().atMost(Duration.ofSeconds(30))
					.until(() -> managerA.isRedisAvailable() && managerB.isRedisAvailable());
				await().atMost(Duration.ofSeconds(30))
					.until(() -> managerA.getInvalidationBus().isHealthy()
							&& managerB.getInvalidationBus().isHealthy());
				running.set(false);
				for (Thread worker : workers) {
					worker.join(10_000);
				}

				assertThat(errors).as("exceptions seen by callers").isEmpty();
				long[] sorted = outageLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
				long p99 = sorted[(int) (sorted.length * 0.99)];
				long max = sorted[sorted.length - 1];
				System.out.printf("outage: %d calls, p50 %d us, p99 %d us, max %d us%n", sorted.length,
						sorted[sorted.length / 2] / 1000, p99 / 1000, max / 1000);
				assertThat(Duration.ofNanos(p99)).isLessThan(LOADER_TIME.plus(COMMAND_TIMEOUT).plusMillis(250));

				// back on Redis: writes land there again
				a.put("after", "value");
				assertThat(redis.command("GET", a.currentRedisKeyPrefix() + "after")).isEqualTo("\u0001\"value\"");
				// what was evicted during the outage is served by neither instance
				assertThat(a.get("victim", () -> "fresh")).isEqualTo("fresh");
				assertThat(b.get("victim", () -> "fresh")).isEqualTo("fresh");
			}
			finally {
				managerA.destroy();
				managerB.destroy();
				connectionA.destroy();
				connectionB.destroy();
			}
		}
	}

	@Test
	void writesThatMissRedisAreReplayedAsDeletions() {
		try (RedisServer redis = RedisServer.start()) {
			LettuceConnectionFactory connection = redis.connectionFactory();
			TieredCacheManager manager = TieredCacheManager.builder()
				.redis(connection)
				.keyPrefix(this.prefix)
				.redisCommandTimeout(COMMAND_TIMEOUT)
				.circuitBreaker(1, Duration.ofMillis(100))
				.build();
			try {
				TieredCache cache = manager.getCache("products");
				cache.put("k", "old");
				String key = cache.currentRedisKeyPrefix() + "k";
				redis.pause();
				cache.put("k", "new");
				assertThat(manager.isRedisAvailable()).isFalse();
				redis.resume();
				await().atMost(Duration.ofSeconds(10)).until(manager::isRedisAvailable);
				await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("EXISTS", key).equals(":0"));
				assertThat(cache.get("k", () -> "from-the-database")).isEqualTo("from-the-database");
			}
			finally {
				manager.destroy();
				connection.destroy();
			}
		}
	}

	@Test
	void namespaceVersionIsNotGuessedWhileRedisDoesNotAnswer() {
		try (RedisServer redis = RedisServer.start()) {
			LettuceConnectionFactory connection = redis.connectionFactory();
			TieredCacheManager first = TieredCacheManager.builder().redis(connection).keyPrefix(this.prefix).build();
			TieredCacheManager late = null;
			try {
				first.getCache("products").clear();
				first.getCache("products").clear();
				String current = first.getCache("products").currentRedisKeyPrefix();
				redis.pause();
				late = TieredCacheManager.builder()
					.redis(connection)
					.keyPrefix(this.prefix)
					.redisCommandTimeout(COMMAND_TIMEOUT)
					.build();
				TieredCache cache = late.getCache("products");
				assertThat(cache.get("k", () -> "loaded")).isEqualTo("loaded");
				assertThat(cache.currentRedisKeyPrefix()).as("unknown, not v0").isNull();
				redis.resume();
				TieredCacheManager started = late;
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(
							() -> assertThat(started.getCache("products").currentRedisKeyPrefix()).isEqualTo(current));
			}
			finally {
				first.destroy();
				if (late != null) {
					late.destroy();
				}
				connection.destroy();
			}
		}
	}

	@Test
	void clearDuringAnOutageIsReplayed() {
		try (RedisServer redis = RedisServer.start()) {
			LettuceConnectionFactory connection = redis.connectionFactory();
			TieredCacheManager manager = TieredCacheManager.builder()
				.redis(connection)
				.keyPrefix(this.prefix)
				.redisCommandTimeout(COMMAND_TIMEOUT)
				.circuitBreaker(1, Duration.ofMillis(100))
				.build();
			try {
				TieredCache cache = manager.getCache("products");
				cache.put("k", "old");
				String before = cache.currentRedisKeyPrefix();
				redis.pause();
				cache.clear();
				redis.resume();
				await().atMost(Duration.ofSeconds(10)).until(manager::isRedisAvailable);
				await().atMost(Duration.ofSeconds(10)).until(() -> manager.getPendingWrites() == 0);
				assertThat(cache.currentRedisKeyPrefix()).isNotEqualTo(before);
				assertThat(cache.get("k")).isNull();
			}
			finally {
				manager.destroy();
				connection.destroy();
			}
		}
	}

	@Test
	void saturatedExecutorNeverRunsRedisWorkOnTheCallersThread() throws Exception {
		try (RedisServer redis = RedisServer.start()) {
			LettuceConnectionFactory connection = redis.connectionFactory();
			TieredCacheManager writer = TieredCacheManager.builder().redis(connection).keyPrefix(this.prefix).build();
			TieredCacheManager saturated = TieredCacheManager.builder()
				.redis(connection)
				.keyPrefix(this.prefix)
				// a pool that is always full: with caller-runs, the lookup would run here
				.executor((task) -> {
					throw new RejectedExecutionException("saturated");
				})
				.build();
			try {
				writer.getCache("products").put("k", "in-redis");
				TieredCache cache = saturated.getCache("products");
				CompletableFuture<?> lookup = cache.retrieve("k");
				assertThat(lookup).isNotNull();
				assertThat(lookup.get(5, TimeUnit.SECONDS)).as("a miss, not a Redis read on the caller's thread")
					.isNull();
				assertThat(cache.getStatistics().saturated()).isPositive();
				assertThat(
						cache.retrieve("k", () -> CompletableFuture.completedFuture("loaded")).get(5, TimeUnit.SECONDS))
					.isEqualTo("loaded");
			}
			finally {
				saturated.destroy();
				writer.destroy();
				connection.destroy();
			}
		}
	}

}
