package io.github.tieredcache.internal.invalidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.core.ValueCodec;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two and three instances (managers with their own connections) sharing one real Redis:
 * writes, evictions and clears reach the others' in-process tiers, the fill race is
 * closed, and a silent or broken subscription is noticed.
 */
class InvalidationBusTests {

	static final Duration HEARTBEAT = Duration.ofMillis(400);

	/**
	 * The staleness bound the bus keeps: the heartbeat interval plus the watchdog's
	 * period (a quarter interval), plus slack for a loaded 2-core machine.
	 */
	static final Duration BOUND = HEARTBEAT.multipliedBy(2).plusMillis(500);

	private final String prefix = "bus-" + UUID.randomUUID();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private final List<LettuceConnectionFactory> connectionFactories = new ArrayList<>();

	/**
	 * The Redis the instances share.
	 * @return a started connection factory, destroyed after each test
	 */
	LettuceConnectionFactory connectionFactory() {
		return RedisServer.shared().connectionFactory();
	}

	/**
	 * Read a key straight from Redis.
	 * @param key the key
	 * @return the reply
	 */
	String redisGet(String key) {
		return RedisServer.shared().command("GET", key);
	}

	/**
	 * Name of the topology, for the measurement file.
	 * @return the name
	 */
	String topology() {
		return "standalone";
	}

	@AfterEach
	void close() {
		this.managers.forEach(TieredCacheManager::destroy);
		this.connectionFactories.forEach(LettuceConnectionFactory::destroy);
	}

	TieredCacheManager instance() {
		return instance(new JacksonValueCodec(List.of()));
	}

	TieredCacheManager instance(ValueCodec codec) {
		LettuceConnectionFactory connectionFactory = connectionFactory();
		this.connectionFactories.add(connectionFactory);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(this.prefix)
			.valueCodec(codec)
			.invalidation(this.prefix + ":invalidation", HEARTBEAT)
			.cache("products", CacheSettings.builder().localTtl(Duration.ofMinutes(1)).build())
			.build();
		this.managers.add(manager);
		await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
		return manager;
	}

	@Test
	void busBecomesHealthyAndTheLocalTierServes() {
		TieredCacheManager manager = instance();
		assertThat(manager.getCache("products").isLocalTierServing()).isTrue();
		assertThat(manager.getInvalidationBus().getState()).isEqualTo(InvalidationBus.State.HEALTHY);
	}

	@Test
	void writeOnOneInstanceReachesTheOthers() {
		TieredCache a = instance().getCache("products");
		TieredCache b = instance().getCache("products");
		TieredCache c = instance().getCache("products");
		a.put("k", "v1");
		assertThat(b.get("k", String.class)).isEqualTo("v1");
		assertThat(c.get("k", String.class)).isEqualTo("v1");
		assertThat(b.get("k", String.class)).as("from B's L1").isEqualTo("v1");
		a.put("k", "v2");
		await().atMost(BOUND).untilAsserted(() -> {
			assertThat(b.get("k", String.class)).isEqualTo("v2");
			assertThat(c.get("k", String.class)).isEqualTo("v2");
		});
	}

	@Test
	void evictionAndClearReachTheOthers() {
		TieredCacheManager managerA = instance();
		TieredCacheManager managerB = instance();
		TieredCache a = managerA.getCache("products");
		TieredCache b = managerB.getCache("products");
		a.put("k", "v1");
		a.put("other", "o1");
		assertThat(b.get("k", String.class)).isEqualTo("v1");
		assertThat(b.get("other", String.class)).isEqualTo("o1");
		a.evict("k");
		await().atMost(BOUND).untilAsserted(() -> assertThat(b.get("k")).isNull());
		a.clear();
		await().atMost(BOUND).untilAsserted(() -> assertThat(b.get("other")).isNull());
		a.put("other", "o2");
		await().atMost(BOUND).untilAsserted(() -> assertThat(b.get("other", String.class)).isEqualTo("o2"));
		assertThat(b.currentRedisKeyPrefix()).isEqualTo(a.currentRedisKeyPrefix());
	}

	@Test
	void anInstanceIgnoresItsOwnMessages() {
		TieredCacheManager manager = instance();
		TieredCache a = manager.getCache("products");
		instance();
		a.put("k", "v1");
		long sentBefore = manager.getInvalidationBus().getStatistics().sent();
		await().atMost(BOUND).until(() -> manager.getInvalidationBus().getStatistics().sent() > sentBefore + 1);
		long localHits = a.getStatistics().localHits();
		assertThat(a.get("k", String.class)).isEqualTo("v1");
		assertThat(a.getStatistics().localHits()).isEqualTo(localHits + 1);
	}

	@Test
	void aBurstOfWritesTravelsInFewMessages() {
		TieredCacheManager managerA = instance();
		TieredCacheManager managerB = instance();
		AtomicLong keysReceived = new AtomicLong();
		managerB.getInvalidationBus().addObserver((cache, keys) -> keysReceived.addAndGet(keys.size()));
		InvalidationBus bus = managerA.getInvalidationBus();
		long sentBefore = bus.getStatistics().sent();
		for (int i = 0; i < 1000; i++) {
			bus.keyChanged("products", "k" + i);
		}
		await().atMost(BOUND).untilAtomic(keysReceived, org.hamcrest.Matchers.equalTo(1000L));
		assertThat(bus.getStatistics().sent() - sentBefore).isLessThan(50);
	}

	/**
	 * Instance B reads a key from Redis; before it installs the value in its in-process
	 * tier, A writes the key and B receives the invalidation. B must not install the
	 * value it read: its next read returns A's value. The interleaving is forced with a
	 * codec that holds B's decode on a latch.
	 */
	@Test
	void fillRaceIsClosed() throws Exception {
		CountDownLatch decoding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicBoolean hold = new AtomicBoolean();
		JacksonValueCodec json = new JacksonValueCodec(List.of());
		ValueCodec holdingCodec = new ValueCodec() {

			@Override
			public byte[] encode(Object value) {
				return json.encode(value);
			}

			@Override
			public Object decode(byte[] bytes) {
				if (hold.getAndSet(false)) {
					decoding.countDown();
					try {
						release.await(10, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
				return json.decode(bytes);
			}

		};
		TieredCache a = instance().getCache("products");
		TieredCacheManager managerB = instance(holdingCodec);
		TieredCache b = managerB.getCache("products");
		AtomicLong invalidationsOfK = new AtomicLong();
		managerB.getInvalidationBus().addObserver((cache, keys) -> {
			if (keys.contains("k")) {
				invalidationsOfK.incrementAndGet();
			}
		});
		a.put("k", "old");
		await().atMost(BOUND).untilAtomic(invalidationsOfK, org.hamcrest.Matchers.equalTo(1L));
		hold.set(true);
		CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> b.get("k", String.class));
		assertThat(decoding.await(10, TimeUnit.SECONDS)).isTrue();
		// B has read "old" from Redis and not installed it yet
		a.put("k", "new");
		await().atMost(BOUND).untilAtomic(invalidationsOfK, org.hamcrest.Matchers.equalTo(2L));
		release.countDown();
		assertThat(read.get(10, TimeUnit.SECONDS)).as("what B read before the write").isEqualTo("old");
		long redisHits = b.getStatistics().redisHits();
		assertThat(b.get("k", String.class)).isEqualTo("new");
		assertThat(b.getStatistics().redisHits()).as("served from Redis, not a stale L1 entry")
			.isEqualTo(redisHits + 1);
	}

	@Test
	void slowLoadRacingAWriteIsNotCached() throws Exception {
		TieredCacheManager managerA = instance();
		TieredCache a = managerA.getCache("products");
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> a.get("k", () -> {
			loading.countDown();
			release.await(10, TimeUnit.SECONDS);
			return "loaded-before-the-write";
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		a.put("k", "written");
		release.countDown();
		assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo("loaded-before-the-write");
		assertThat(a.get("k", String.class)).isEqualTo("written");
		assertThat(redisGet(a.currentRedisKeyPrefix() + "k")).isEqualTo("\u0001\"written\"");
	}

	/**
	 * Measures (does not assert) the delay from the start of a write on A to the arrival
	 * of its invalidation at B, over 1,000 writes; docs/coherence.md reports the figures,
	 * written to {@code target/coherence-propagation.txt}.
	 */
	@Test
	void propagationDelayOverAThousandWrites() throws Exception {
		TieredCache a = instance().getCache("products");
		TieredCacheManager managerB = instance();
		int writes = 1000;
		long[] started = new long[writes];
		long[] arrived = new long[writes];
		AtomicLong arrivals = new AtomicLong();
		managerB.getInvalidationBus().addObserver((cache, keys) -> {
			long now = System.nanoTime();
			for (String key : keys) {
				if (key.startsWith("p-")) {
					arrived[Integer.parseInt(key.substring(2))] = now;
					arrivals.incrementAndGet();
				}
			}
		});
		for (int i = 0; i < writes; i++) {
			started[i] = System.nanoTime();
			a.put("p-" + i, "v" + i);
		}
		await().atMost(Duration.ofSeconds(30)).untilAtomic(arrivals, org.hamcrest.Matchers.equalTo((long) writes));
		long[] micros = new long[writes];
		for (int i = 0; i < writes; i++) {
			micros[i] = (arrived[i] - started[i]) / 1000;
		}
		java.util.Arrays.sort(micros);
		String report = topology()
				+ String.format(", back-to-back: propagation over %d writes: p50 %d us, p99 %d us, max %d us", writes,
						micros[writes / 2], micros[writes * 99 / 100], micros[writes - 1]);
		// one write at a time: the next starts once the previous one's invalidation
		// arrived
		arrivals.set(0);
		for (int i = 0; i < writes; i++) {
			started[i] = System.nanoTime();
			a.put("p-" + i, "w" + i);
			long expected = i + 1;
			await().atMost(Duration.ofSeconds(10))
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofNanos(50_000))
				.until(() -> arrivals.get() >= expected);
		}
		for (int i = 0; i < writes; i++) {
			micros[i] = (arrived[i] - started[i]) / 1000;
		}
		java.util.Arrays.sort(micros);
		report += "\n" + topology()
				+ String.format(", one at a time: propagation over %d writes: p50 %d us, p99 %d us, max %d us", writes,
						micros[writes / 2], micros[writes * 99 / 100], micros[writes - 1]);
		System.out.println(report);
		java.nio.file.Files.writeString(java.nio.file.Path.of("target", "coherence-propagation-" + topology() + ".txt"),
				report + "\n");
		assertThat(micros[0]).isPositive();
	}

	@Test
	void newInstanceLearnsTheCurrentNamespace() {
		TieredCache a = instance().getCache("products");
		a.put("k", "v0");
		a.clear();
		a.clear();
		a.put("k", "v2");
		TieredCache late = instance().getCache("products");
		assertThat(late.get("k", String.class)).isEqualTo("v2");
		assertThat(late.currentRedisKeyPrefix()).isEqualTo(a.currentRedisKeyPrefix());
	}

}
