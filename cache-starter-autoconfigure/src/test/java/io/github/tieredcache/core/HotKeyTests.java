package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import io.github.tieredcache.internal.hotkeys.ReplicaPlacement;
import io.github.tieredcache.testsupport.RedisCluster;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hot keys on real Redis: two managers (two instances) detect a key read far more than
 * the others and agree on it over the bus; it is pinned in the in-process tier; on the
 * 3-master cluster its value is replicated on the other masters, kept in step with the
 * primary by writes and evictions, and dropped when the key cools.
 */
class HotKeyTests {

	private static final Duration WINDOW = Duration.ofMillis(300);

	private final String prefix = "hot-" + UUID.randomUUID();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private final List<LettuceConnectionFactory> factories = new ArrayList<>();

	@AfterEach
	void tearDown() {
		this.managers.forEach(TieredCacheManager::destroy);
		this.factories.forEach(LettuceConnectionFactory::destroy);
	}

	private TieredCacheManager manager(LettuceConnectionFactory factory, CacheSettings settings) {
		this.factories.add(factory);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(factory)
			.keyPrefix(this.prefix)
			.invalidation(this.prefix + ":invalidation", Duration.ofSeconds(1))
			.hotKeys(WINDOW)
			.cache("items", settings)
			.build();
		this.managers.add(manager);
		return manager;
	}

	private static CacheSettings.Builder settings(int replicas) {
		return CacheSettings.builder().hotKeys(new CacheSettings.HotKeys(true, 0.2, 4, replicas));
	}

	/**
	 * Read one key 40 times and 20 others once each from Redis (the in-process tier is
	 * off, so every read goes there).
	 */
	private static void readSkewed(TieredCache cache) {
		for (int i = 0; i < 40; i++) {
			cache.get("hot");
		}
		for (int i = 0; i < 20; i++) {
			cache.get("cold" + i);
		}
	}

	@Test
	void aKeyReadOftenIsReportedToEveryInstanceAndCoolsWhenNoLongerRead() {
		CacheSettings settings = settings(1).localEnabled(false).build();
		TieredCache a = manager(RedisServer.shared().connectionFactory(), settings).getCache("items");
		TieredCache b = manager(RedisServer.shared().connectionFactory(), settings).getCache("items");
		a.put("hot", "v");
		String encoded = CacheKey.of("hot").encoded();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			readSkewed(a);
			assertThat(a.getHotKeys()).containsExactly(encoded);
			assertThat(b.getHotKeys()).containsExactly(encoded);
		});
		// b read nothing itself: it knows the key from a's report; the set is recorded
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(a.getRecordedHotKeys()).contains(encoded));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(a.getHotKeys()).isEmpty();
			assertThat(b.getHotKeys()).isEmpty();
		});
	}

	@Test
	void aHotKeyIsPinnedAgainstSizePressureAndReleasedWhenItCools() {
		CacheSettings settings = settings(1).localMaximumSize(10).build();
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(factory(RedisServer.shared()))
			.keyPrefix(this.prefix)
			// a long heartbeat: a loaded machine must not make the bus distrust the tier
			.invalidation(this.prefix + ":invalidation", Duration.ofSeconds(5))
			.hotKeys(Duration.ofHours(1))
			.executor(Runnable::run)
			.cache("items", settings)
			.build();
		this.managers.add(manager);
		TieredCache cache = manager.getCache("items");
		// the tier is emptied once when the bus turns healthy: start after that
		await().atMost(Duration.ofSeconds(20))
			.until(() -> manager.getInvalidationBus().isHealthy() && cache.isLocalTierServing());
		HotKeyProtection protection = cache.hotKeyProtection();
		String encoded = CacheKey.of("hot").encoded();
		cache.put("hot", "v");
		cache.put("other", "v");
		protection.hot(encoded);
		@SuppressWarnings("unchecked")
		Cache<Object, Object> local = (Cache<Object, Object>) cache.getNativeCache();
		assertThat(local.policy().eviction().get().weightOf(CacheKeyEncoder.localKey("hot"))).hasValue(0);
		for (int i = 0; i < 1000; i++) {
			cache.put("filler" + i, i);
		}
		local.cleanUp();
		assertThat(local.estimatedSize()).isLessThanOrEqualTo(11);
		long localHits = cache.getStatistics().localHits();
		assertThat(cache.get("hot").get()).isEqualTo("v");
		assertThat(cache.getStatistics().localHits()).isEqualTo(localHits + 1);
		// an entry that is not pinned was evicted: its read is no in-process hit
		cache.get("other");
		assertThat(cache.getStatistics().localHits()).isEqualTo(localHits + 1);
		// cooled, it weighs like any other entry again (whether it stays is Caffeine's
		// choice: it was just read)
		protection.cooled(encoded);
		assertThat(local.policy().eviction().get().weightOf(CacheKeyEncoder.localKey("hot"))).hasValue(1);
		assertThat(cache.getHotKeys()).isEmpty();
	}

	@Test
	void replicasOnTheClusterFollowWritesAndEvictionsAndAreDroppedWhenTheKeyCools() {
		RedisCluster cluster = RedisCluster.shared();
		CacheSettings settings = settings(0).localEnabled(false).build();
		TieredCache a = manager(cluster.connectionFactory(), settings).getCache("items");
		TieredCache b = manager(cluster.connectionFactory(), settings).getCache("items");
		a.put("hot", "v1");
		String encoded = CacheKey.of("hot").encoded();
		HotKeyProtection onA = a.hotKeyProtection();
		HotKeyProtection onB = b.hotKeyProtection();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			readSkewed(a);
			assertThat(onA.replicasReadable(encoded)).isTrue();
			assertThat(onB.replicasReadable(encoded)).isTrue();
		});
		// one copy per master: the primary and two replicas, each on another master
		assertThat(onB.copyCount()).isEqualTo(3);
		List<byte[]> replicas = onB.replicaKeysOf(encoded);
		assertThat(replicas).hasSize(2);
		byte[] primary = primaryKey(a, encoded);
		ReplicaPlacement placement = a.hotKeyProtection().placementForTests();
		Set<Integer> masters = new HashSet<>();
		masters.add(placement.masterOf(primary));
		replicas.forEach((replica) -> masters.add(placement.masterOf(replica)));
		assertThat(masters).hasSize(3).doesNotContain(-1);
		assertThat(onA.replicaKeysOf(encoded)).usingElementComparator(HotKeyTests::compare)
			.containsExactlyElementsOf(replicas);

		// a write through one instance reaches every replica before it returns
		a.put("hot", "v2");
		byte[] written = get(cluster, primary);
		for (byte[] replica : replicas) {
			assertThat(get(cluster, replica)).isEqualTo(written);
		}
		long replicaReads = onB.replicaReads.sum();
		for (int i = 0; i < 30; i++) {
			assertThat(b.get("hot").get()).isEqualTo("v2");
		}
		assertThat(onB.replicaReads.sum()).isGreaterThan(replicaReads);

		// a writer whose copy lands after a newer write copies the newer value
		a.put("hot", "v3");
		byte[] newest = get(cluster, primary);
		onB.written(primary, encoded, written, Duration.ofMinutes(1));
		for (byte[] replica : replicas) {
			assertThat(get(cluster, replica)).isEqualTo(newest);
		}

		// an eviction removes every copy
		b.evict("hot");
		assertThat(get(cluster, primary)).isNull();
		for (byte[] replica : replicas) {
			assertThat(get(cluster, replica)).isNull();
		}

		// cooling deletes the replicas
		readSkewed(a);
		a.put("hot", "v4");
		for (byte[] replica : replicas) {
			assertThat(get(cluster, replica)).isNotNull();
		}
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(a.getHotKeys()).isEmpty();
			assertThat(b.getHotKeys()).isEmpty();
			for (byte[] replica : replicas) {
				assertThat(get(cluster, replica)).isNull();
			}
		});
		assertThat(get(cluster, primary)).isNotNull();
	}

	@Test
	void whileTheFleetMayDisagreeAWriteByAnInstanceThatDoesNotKnowTheKeyIsHotIsCopiedByOneThatDoes() {
		// no window passes in this test: which instance holds the key hot is set by hand
		CacheSettings settings = settings(3).localEnabled(false).build();
		TieredCacheManager first = TieredCacheManager.builder()
			.redis(factory(RedisServer.shared()))
			.keyPrefix(this.prefix)
			.invalidation(this.prefix + ":invalidation", Duration.ofSeconds(1))
			.hotKeys(Duration.ofHours(1))
			.cache("items", settings)
			.build();
		TieredCacheManager second = TieredCacheManager.builder()
			.redis(factory(RedisServer.shared()))
			.keyPrefix(this.prefix)
			.invalidation(this.prefix + ":invalidation", Duration.ofSeconds(1))
			.hotKeys(Duration.ofHours(1))
			.cache("items", settings)
			.build();
		this.managers.add(first);
		this.managers.add(second);
		TieredCache a = first.getCache("items");
		TieredCache b = second.getCache("items");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> first.getInvalidationBus().isHealthy() && second.getInvalidationBus().isHealthy());
		String encoded = CacheKey.of("hot").encoded();
		a.put("hot", "v1");
		HotKeyProtection onB = b.hotKeyProtection();
		onB.hot(encoded);
		await().atMost(Duration.ofSeconds(10)).until(() -> onB.replicasReadable(encoded));
		List<byte[]> replicas = onB.replicaKeysOf(encoded);
		assertThat(replicas).hasSize(2);
		assertThat(a.getHotKeys()).isEmpty();
		a.put("hot", "v2");
		byte[] primary = primaryKey(a, encoded);
		RedisServer redis = RedisServer.shared();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			String written = redis.command("GET".getBytes(StandardCharsets.UTF_8), primary);
			assertThat(written).contains("v2");
			for (byte[] replica : replicas) {
				assertThat(redis.command("GET".getBytes(StandardCharsets.UTF_8), replica)).isEqualTo(written);
			}
		});
		for (int i = 0; i < 20; i++) {
			assertThat(b.get("hot").get()).isEqualTo("v2");
		}
	}

	private static int compare(byte[] left, byte[] right) {
		return java.util.Arrays.compare(left, right);
	}

	private LettuceConnectionFactory factory(RedisServer server) {
		LettuceConnectionFactory factory = server.connectionFactory();
		this.factories.add(factory);
		return factory;
	}

	private static byte[] primaryKey(TieredCache cache, String encoded) {
		return (cache.currentRedisKeyPrefix() + encoded).getBytes(StandardCharsets.UTF_8);
	}

	private LettuceConnectionFactory reader;

	private byte[] get(RedisCluster cluster, byte[] key) {
		if (this.reader == null) {
			this.reader = factory(cluster);
		}
		try (var connection = this.reader.getClusterConnection()) {
			return connection.stringCommands().get(key);
		}
	}

	private LettuceConnectionFactory factory(RedisCluster cluster) {
		LettuceConnectionFactory factory = cluster.connectionFactory();
		this.factories.add(factory);
		return factory;
	}

}
