package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisPassword;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Namespaces under real faults of a Redis process of the test's own: writes, evictions
 * and clears made while the version cannot be read, the version key deleted or flushed, a
 * forged announcement, {@code PUBLISH} refused, a hung Redis met by a cold connection.
 * After each, every instance serves from one version, and none serves a value that was
 * overwritten, evicted or cleared, within {@link #BOUND} (2 × heartbeat + 1 s) of Redis
 * answering again.
 */
class NamespaceFaultTests {

	private static final Duration HEARTBEAT = Duration.ofMillis(400);

	private static final Duration BOUND = HEARTBEAT.multipliedBy(2).plusSeconds(1);

	private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);

	private final String prefix = "ns-" + UUID.randomUUID();

	private final List<LettuceConnectionFactory> connections = new ArrayList<>();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private RedisServer redis;

	@BeforeEach
	void start() {
		this.redis = RedisServer.start();
	}

	@AfterEach
	void stop() {
		this.managers.forEach(TieredCacheManager::destroy);
		this.connections.forEach(LettuceConnectionFactory::destroy);
		this.redis.close();
	}

	private TieredCache instance() {
		return instance(true);
	}

	private TieredCache instance(boolean awaitHealthyBus) {
		LettuceConnectionFactory connection = this.redis.connectionFactory();
		this.connections.add(connection);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connection)
			.keyPrefix(this.prefix)
			.redisCommandTimeout(COMMAND_TIMEOUT)
			.circuitBreaker(3, Duration.ofMillis(100))
			.invalidation(this.prefix + ":invalidation", HEARTBEAT)
			.cache("products", CacheSettings.builder().localTtl(Duration.ofMinutes(1)).build())
			.build();
		this.managers.add(manager);
		if (awaitHealthyBus) {
			await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
		}
		return manager.getCache("products");
	}

	private static void cacheInL1(TieredCache cache, String key, String value) {
		await().atMost(BOUND).untilAsserted(() -> {
			long hits = cache.getStatistics().localHits();
			assertThat(cache.get(key, String.class)).isEqualTo(value);
			assertThat(cache.getStatistics().localHits()).isGreaterThan(hits);
		});
	}

	/**
	 * Asserts that within the bound every instance serves the expected value or a miss
	 * for the key, never the old one, and then keeps doing so.
	 */
	private static void convergesWithout(List<TieredCache> instances, String key, String old) {
		await().atMost(BOUND).untilAsserted(() -> {
			for (TieredCache cache : instances) {
				assertThat(cache.get(key, String.class)).isNotEqualTo(old);
			}
		});
		for (int i = 0; i < 20; i++) {
			for (TieredCache cache : instances) {
				assertThat(cache.get(key, String.class)).isNotEqualTo(old);
			}
		}
	}

	private static void oneVersion(List<TieredCache> instances) {
		await().atMost(BOUND).untilAsserted(() -> {
			Set<String> prefixes = instances.stream()
				.map(TieredCache::currentRedisKeyPrefix)
				.collect(Collectors.toSet());
			assertThat(prefixes).hasSize(1).doesNotContainNull();
		});
	}

	@Test
	void writeOfAnInstanceStartedDuringAnOutageIsAppliedWhenRedisAnswers() {
		byAnInstanceStartedDuringAnOutage((late) -> {
			late.put("k", "v2");
			late.evict("gone");
			assertThat(late.currentRedisKeyPrefix()).as("version unknown").isNull();
		});
	}

	@Test
	void evictionWhileTheVersionCannotBeReadIsApplied() {
		byAnInstanceStartedDuringAnOutage((late) -> late.evict("k"));
	}

	/**
	 * Two instances hold {@code k = v1} (B in L1); Redis is paused; an instance started
	 * then changes {@code k}; once Redis answers, neither serves {@code v1} any more.
	 */
	private void byAnInstanceStartedDuringAnOutage(java.util.function.Consumer<TieredCache> change) {
		TieredCache a = instance();
		TieredCache b = instance();
		a.put("k", "v1");
		cacheInL1(b, "k", "v1");
		this.redis.pause();
		try {
			change.accept(instance(false));
		}
		finally {
			this.redis.resume();
		}
		convergesWithout(List.of(a, b), "k", "v1");
	}

	@Test
	void clearThatMissedRedisIsAppliedAndHeardByEveryInstance() {
		TieredCache a = instance();
		TieredCache b = instance();
		a.put("k", "v1");
		cacheInL1(b, "k", "v1");
		String before = a.currentRedisKeyPrefix();
		this.redis.pause();
		try {
			a.clear();
		}
		finally {
			this.redis.resume();
		}
		convergesWithout(List.of(a, b), "k", "v1");
		oneVersion(List.of(a, b));
		assertThat(a.currentRedisKeyPrefix()).isNotEqualTo(before);
	}

	@Test
	void deletedVersionKeyFourInstancesConvergeOnOneVersion() {
		List<TieredCache> instances = List.of(instance(), instance(), instance(), instance());
		instances.get(0).put("k", "v1");
		instances.forEach((cache) -> cacheInL1(cache, "k", "v1"));
		this.redis.command("DEL", this.prefix + ":products:ns");
		instances.get(1).put("k", "v2");
		oneVersion(instances);
		convergesWithout(instances, "k", "v1");
		// a clear after the loss moves everyone again, and nothing written after it is
		// swept
		String lost = instances.get(0).currentRedisKeyPrefix();
		instances.get(2).clear();
		await().atMost(BOUND)
			.untilAsserted(() -> assertThat(instances.get(3).currentRedisKeyPrefix()).isNotEqualTo(lost));
		oneVersion(instances);
		instances.get(3).put("after", "x");
		await().atMost(BOUND).untilAsserted(() -> {
			for (TieredCache cache : instances) {
				assertThat(cache.get("after", String.class)).isEqualTo("x");
			}
		});
	}

	@Test
	void flushAllFourInstancesConvergeOnOneVersion() {
		List<TieredCache> instances = List.of(instance(), instance(), instance(), instance());
		instances.get(0).put("k", "v1");
		instances.forEach((cache) -> cacheInL1(cache, "k", "v1"));
		this.redis.command("FLUSHALL");
		instances.get(3).put("k", "v2");
		oneVersion(instances);
		convergesWithout(instances, "k", "v1");
	}

	@Test
	void forgedAnnouncementCannotPinAnInstanceToAVersion() {
		TieredCache a = instance();
		TieredCache b = instance();
		a.put("k", "v1");
		String forged = "{\"origin\":\"intruder\",\"sequence\":1,\"entries\":[{\"cache\":\"products\",\"keys\":null,"
				+ "\"namespace\":\"9223372036854775807\"}]}";
		this.redis.command("PUBLISH", this.prefix + ":invalidation", forged);
		oneVersion(List.of(a, b));
		assertThat(b.currentRedisKeyPrefix()).doesNotContain("9223372036854775807");
		a.clear();
		a.put("k", "v2");
		oneVersion(List.of(a, b));
		await().atMost(BOUND).untilAsserted(() -> assertThat(b.get("k", String.class)).isEqualTo("v2"));
	}

	@Test
	void refusedPublishBypassesTheInProcessTier() {
		TieredCache a = instance();
		TieredCache b = instance();
		a.put("k", "v1");
		cacheInL1(b, "k", "v1");
		InvalidationBus busB = this.managers.get(1).getInvalidationBus();
		this.redis.command("ACL", "SETUSER", "default", "-publish");
		try {
			await().atMost(BOUND).until(() -> busB.getState() == InvalidationBus.State.SILENT);
			assertThat(b.isLocalTierServing()).isFalse();
			assertThat(this.managers.get(1).isRedisAvailable()).as("an error reply is no outage").isTrue();
		}
		finally {
			this.redis.command("ACL", "SETUSER", "default", "+publish");
		}
		await().atMost(BOUND).until(busB::isHealthy);
		assertThat(b.isLocalTierServing()).isTrue();
	}

	@Test
	void coldInstanceOnAHungRedisAnswersWithinFourCommandTimeouts() {
		this.redis.pause();
		try {
			TieredCache cold = instance(false);
			long started = System.nanoTime();
			assertThat(cold.get("k", () -> "loaded")).isEqualTo("loaded");
			Duration read = Duration.ofNanos(System.nanoTime() - started);
			started = System.nanoTime();
			cold.put("k", "written");
			Duration write = Duration.ofNanos(System.nanoTime() - started);
			assertThat(read).isLessThan(COMMAND_TIMEOUT.multipliedBy(4));
			assertThat(write).isLessThan(COMMAND_TIMEOUT.multipliedBy(4));
		}
		finally {
			this.redis.resume();
		}
	}

	@Test
	void moreMissedWritesThanCanBeRememberedClearTheCacheWhenRedisAnswers() {
		TieredCache a = instance();
		TieredCache b = instance();
		a.put("k", "v1");
		cacheInL1(b, "k", "v1");
		String before = a.currentRedisKeyPrefix();
		this.redis.pause();
		try {
			// the breaker opens after the first few; the rest are short-circuited at once
			for (int i = 0; i <= WriteJournal.MAX_REMEMBERED; i++) {
				a.evict("gone-" + i);
			}
			assertThat(a.currentRedisKeyPrefix()).as("a clear is remembered: Redis is not read").isNull();
		}
		finally {
			this.redis.resume();
		}
		await().atMost(BOUND).until(() -> this.managers.get(0).getPendingWrites() == 0);
		assertThat(a.currentRedisKeyPrefix()).isNotEqualTo(before);
		convergesWithout(List.of(a, b), "k", "v1");
		oneVersion(List.of(a, b));
	}

	@Test
	void invalidateIsVisibleToEveryInstanceWhenItReturns() {
		TieredCache a = instance();
		TieredCache b = instance();
		TieredCache c = instance();
		for (int round = 0; round < 10; round++) {
			a.put("k", "v" + round);
			cacheInL1(b, "k", "v" + round);
			cacheInL1(c, "k", "v" + round);
			a.invalidate();
			assertThat(b.get("k")).as("round %d, instance B", round).isNull();
			assertThat(c.get("k")).as("round %d, instance C", round).isNull();
		}
		assertThat(a.getStatistics().unacknowledgedClears()).isZero();
	}

	@Test
	void internalKeysAreNoDataKeys() {
		CacheNamespace.Version version = new CacheNamespace.Version("t1", this.prefix + ":products:");
		assertThat(new String(version.refreshKey("k"), StandardCharsets.UTF_8))
			.isNotEqualTo(new String(version.redisKey("k:refresh"), StandardCharsets.UTF_8))
			.isEqualTo(this.prefix + ":products:rt1:k");
		// a cache named like another cache's version cannot reach that cache's keys
		assertThat(CacheNamespace.segment("products:vt1")).isEqualTo("products%3Avt1");
		assertThat(CacheNamespace.segment("a%3Ab")).isEqualTo("a%253Ab");
		assertThat(CacheNamespace.segment("a:b")).isNotEqualTo(CacheNamespace.segment("a%3Ab"));
		// a forged announcement cannot name an arbitrary acknowledgement key
		assertThat(CacheNamespace.isToken("1764305045123-1x3k9q2m7abc")).isTrue();
		assertThat(CacheNamespace.isToken("x:*")).isFalse();
		assertThat(CacheNamespace.isToken("a".repeat(40))).isFalse();
		assertThat(CacheNamespace.millisOf("1764305045123-k3j9")).isEqualTo(1764305045123L);
		assertThat(CacheNamespace.millisOf("garbage")).isZero();
	}

	// --- review variants: fail on e549815, pass on main ---

	@Test
	void deletedVersionKeyAfterAClearIsNotReused() {
		List<TieredCache> instances = List.of(instance(), instance(), instance(), instance());
		// a version other than the first, so that a lost key is not the same as the
		// current version
		instances.get(0).clear();
		instances.get(0).put("k", "v1");
		instances.forEach((cache) -> cacheInL1(cache, "k", "v1"));
		this.redis.command("DEL", this.prefix + ":products:ns");
		instances.get(1).put("k", "v2");
		oneVersion(instances);
		convergesWithout(instances, "k", "v1");
		String lost = instances.get(0).currentRedisKeyPrefix();
		instances.get(2).clear();
		await().atMost(BOUND)
			.untilAsserted(() -> assertThat(instances.get(3).currentRedisKeyPrefix()).isNotEqualTo(lost));
	}

	@Test
	void deletedVersionKeyInstanceStartedAfterTheLossJoinsTheOthers() {
		List<TieredCache> instances = new ArrayList<>(List.of(instance(), instance(), instance()));
		instances.get(0).clear();
		instances.get(0).put("k", "v1");
		instances.forEach((cache) -> cacheInL1(cache, "k", "v1"));
		this.redis.command("DEL", this.prefix + ":products:ns");
		// an instance that learns the version only after the loss
		instances.add(instance());
		instances.get(1).put("k", "v2");
		oneVersion(instances);
		convergesWithout(instances, "k", "v1");
	}

	@Test
	void flushAllInstanceStartedAfterTheFlushServesNoOverwrittenValue() {
		List<TieredCache> instances = new ArrayList<>(List.of(instance(), instance(), instance()));
		instances.get(0).clear();
		instances.get(0).put("k", "v1");
		instances.forEach((cache) -> cacheInL1(cache, "k", "v1"));
		this.redis.command("FLUSHALL");
		TieredCache late = instance();
		instances.add(late);
		late.put("k", "v2");
		instances.get(0).put("k", "v3");
		convergesWithout(instances, "k", "v2");
		oneVersion(instances);
	}

	// --- review: suspected holes on main ---

	private TieredCache instanceOn(LettuceConnectionFactory connection) {
		this.connections.add(connection);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connection)
			.keyPrefix(this.prefix)
			.redisCommandTimeout(COMMAND_TIMEOUT)
			.circuitBreaker(3, Duration.ofMillis(100))
			.invalidation(this.prefix + ":invalidation", HEARTBEAT)
			.cache("products", CacheSettings.builder().localTtl(Duration.ofMinutes(1)).build())
			.build();
		this.managers.add(manager);
		return manager.getCache("products");
	}

	@Test
	void peersOfAnInstanceWhosePublishIsRefusedDoNotKeepServingWhatItOverwrote() {
		this.redis.command("ACL", "SETUSER", "mute", "on", ">pw", "~*", "&*", "+@all", "-publish");
		TieredCache peer = instance();
		peer.put("k", "v1");
		cacheInL1(peer, "k", "v1");
		RedisStandaloneConfiguration config = new RedisStandaloneConfiguration(this.redis.host(), this.redis.port());
		config.setUsername("mute");
		config.setPassword(RedisPassword.of("pw"));
		LettuceConnectionFactory muted = new LettuceConnectionFactory(config,
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
		muted.afterPropertiesSet();
		muted.start();
		TieredCache writer = instanceOn(muted);
		writer.put("k", "v2");
		assertThat(this.redis.command("GET", peer.currentRedisKeyPrefix() + "k")).contains("v2");
		convergesWithout(List.of(peer), "k", "v1");
	}

	@Test
	void loadOfAKeyWhoseEvictionMissedRedisDoesNotOverwriteANewerWrite() throws Exception {
		TieredCache l = instance();
		TieredCache b = instance();
		TieredCache c = instance();
		TieredCacheManager managerL = this.managers.get(0);
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> load;
		this.redis.command("ACL", "SETUSER", "default", "-unlink");
		try {
			l.evict("k");
			assertThat(managerL.getPendingWrites()).isEqualTo(1);
			load = CompletableFuture.supplyAsync(() -> l.get("k", () -> {
				loading.countDown();
				release.await();
				return "old";
			}));
			assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			this.redis.command("ACL", "SETUSER", "default", "+unlink");
		}
		await().atMost(BOUND).until(() -> managerL.getPendingWrites() == 0);
		// L hears B's invalidations late (a slow subscriber): hold its receiving thread
		CountDownLatch held = new CountDownLatch(1);
		CountDownLatch unhold = new CountDownLatch(1);
		managerL.getInvalidationBus().addObserver((cache, keys) -> {
			if (keys.contains("x")) {
				held.countDown();
				try {
					unhold.await(1, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		});
		b.put("x", "-");
		assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
		b.put("k", "new");
		release.countDown();
		assertThat(load.get(5, TimeUnit.SECONDS)).isEqualTo("old");
		unhold.countDown();
		convergesWithout(List.of(l, b, c), "k", "old");
	}

	@Test
	void restartFromAnOlderSnapshotDoesNotBringBackAClearedValue() {
		TieredCache a = instance();
		TieredCache b = instance();
		a.put("k", "v1");
		a.put("c", "cleared");
		cacheInL1(b, "k", "v1");
		// RDB (or AOF everysec) persistence: the restart loads a snapshot older than what
		// follows
		this.redis.command("SAVE");
		a.clear();
		a.put("k", "v2");
		await().atMost(BOUND).untilAsserted(() -> assertThat(b.get("k", String.class)).isEqualTo("v2"));
		this.redis.kill();
		this.redis.restart();
		// give every instance the bound to notice the restart, then check
		await().pollDelay(BOUND).atMost(BOUND.multipliedBy(2)).until(() -> true);
		convergesWithout(List.of(a, b), "c", "cleared");
		convergesWithout(List.of(a, b), "k", "v1");
	}

}
