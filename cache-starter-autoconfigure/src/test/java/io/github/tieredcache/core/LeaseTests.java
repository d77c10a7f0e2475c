package io.github.tieredcache.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.cache.Cache.ValueRetrievalException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Leases against a real Redis: one load per key across instances, and no stale set.
 */
class LeaseTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "lease-" + UUID.randomUUID();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private final List<LettuceConnectionFactory> connectionFactories = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(TieredCacheManager::destroy);
		this.connectionFactories.forEach(LettuceConnectionFactory::destroy);
	}

	private TieredCache instance(Duration leaseWait) {
		LettuceConnectionFactory connectionFactory = this.redis.connectionFactory();
		this.connectionFactories.add(connectionFactory);
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(this.prefix)
			.cache("products",
					CacheSettings.builder()
						.lease(new CacheSettings.Lease(true, Duration.ofSeconds(5), leaseWait))
						.build())
			.build();
		this.managers.add(manager);
		return manager.getCache("products");
	}

	private String redisKey(String key) {
		return dataKey("products", key);
	}

	/**
	 * The data key of a cache's key under its current namespace version (creating the
	 * version as a cache would if none exists yet).
	 */
	private String dataKey(String cache, String encodedKey) {
		String versionKey = this.prefix + ":" + cache + ":ns";
		this.redis.command("SET", versionKey, "t0", "NX");
		return this.prefix + ":" + cache + ":v" + this.redis.command("GET", versionKey) + ":" + encodedKey;
	}

	/**
	 * A caller that waits for another instance's lease and then reads the value from
	 * Redis counts one Redis hit (not also a miss) and a filled lease wait; the holder
	 * counts the miss.
	 */
	@Test
	void leaseWaitThatEndsWithTheValueIsOneRedisHit() throws Exception {
		TieredCache holder = instance(Duration.ofSeconds(30));
		TieredCache waiter = instance(Duration.ofSeconds(30));
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> holder.get("k", () -> {
			loading.countDown();
			release.await();
			return "value";
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<String> waited = CompletableFuture.supplyAsync(() -> waiter.get("k", () -> "other"));
		await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getStatistics().leaseWaits() == 1);
		release.countDown();
		assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("value");
		assertThat(waited.get(10, TimeUnit.SECONDS)).isEqualTo("value");
		CacheStatistics statistics = waiter.getStatistics();
		assertThat(statistics.redisHits()).isEqualTo(1);
		assertThat(statistics.misses()).isZero();
		assertThat(statistics.loads()).isZero();
		assertThat(statistics.leaseWaits(CacheStatistics.LeaseWait.FILLED)).isEqualTo(1);
		assertThat(statistics.leaseWaitNanos(CacheStatistics.LeaseWait.FILLED)).isPositive();
		assertThat(holder.getStatistics().misses()).isEqualTo(1);
		assertThat(holder.getStatistics().loadSuccesses()).isEqualTo(1);
	}

	/**
	 * 200 callers miss one cold key together, 50 on each of 4 instances: the loader runs
	 * once and everyone gets its value. The loader is held until every caller is parked.
	 */
	@Test
	void stampedeAcrossInstancesLoadsOnce() throws Exception {
		List<TieredCache> instances = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			instances.add(instance(Duration.ofSeconds(30)));
		}
		AtomicInteger loads = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		List<CompletableFuture<String>> results = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			TieredCache cache = instances.get(i % 4);
			CompletableFuture<String> result = new CompletableFuture<>();
			results.add(result);
			Thread thread = new Thread(() -> {
				try {
					result.complete(cache.get("cold", () -> {
						loads.incrementAndGet();
						release.await();
						return "value";
					}));
				}
				catch (Throwable ex) {
					result.completeExceptionally(ex);
				}
			});
			threads.add(thread);
			thread.start();
		}
		await().atMost(Duration.ofSeconds(30))
			.until(() -> loads.get() == 1 && threads.stream()
				.allMatch((t) -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING));
		release.countDown();
		for (CompletableFuture<String> result : results) {
			assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("value");
		}
		assertThat(loads).hasValue(1);
		assertThat(instances.stream().mapToLong((cache) -> cache.getStatistics().leaseWaits()).sum())
			.as("the three instances without the lease waited for it")
			.isEqualTo(3);
	}

	/**
	 * A slow load takes the lease and reads the database; a write of the key lands
	 * meanwhile; the slow load's value, older than the write, must not be stored.
	 */
	@Test
	void slowLoadRacingAWriteCannotPutBackAStaleValue() throws Exception {
		TieredCache loader = instance(Duration.ofMillis(250));
		TieredCache writer = instance(Duration.ofMillis(250));
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> slowLoad = CompletableFuture.supplyAsync(() -> loader.get("k", () -> {
			loading.countDown();
			release.await(10, TimeUnit.SECONDS);
			return "read-before-the-write";
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(this.redis.command("GET", redisKey("k"))).startsWith("\u0002");
		writer.put("k", "written");
		release.countDown();
		assertThat(slowLoad.get(10, TimeUnit.SECONDS)).isEqualTo("read-before-the-write");
		assertThat(this.redis.command("GET", redisKey("k"))).isEqualTo("\u0001\"written\"");
		assertThat(loader.getStatistics().rejectedFills()).isEqualTo(1);
		assertThat(loader.get("k", String.class)).isEqualTo("written");
	}

	@Test
	void evictionVoidsTheLeaseToo() throws Exception {
		TieredCache loader = instance(Duration.ofMillis(250));
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> slowLoad = CompletableFuture.supplyAsync(() -> loader.get("k", () -> {
			loading.countDown();
			release.await(10, TimeUnit.SECONDS);
			return "stale";
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		instance(Duration.ofMillis(250)).evict("k");
		release.countDown();
		assertThat(slowLoad.get(10, TimeUnit.SECONDS)).isEqualTo("stale");
		assertThat(this.redis.command("EXISTS", redisKey("k"))).isEqualTo(":0");
	}

	@Test
	void leaseOfACrashedHolderDelaysOthersByAtMostTheWait() {
		TieredCache cache = instance(Duration.ofMillis(100));
		// a holder that took the lease and died: its lease stays until lease.ttl
		this.redis.command("SET", redisKey("k"), "\u0002crashed-holder-token", "PX", "5000");
		AtomicInteger loads = new AtomicInteger();
		assertThat(cache.get("k", () -> "loaded-" + loads.incrementAndGet())).isEqualTo("loaded-1");
		assertThat(cache.getStatistics().leaseWaits()).isEqualTo(1);
		assertThat(this.redis.command("GET", redisKey("k"))).as("the lease is not overwritten")
			.isEqualTo("\u0002crashed-holder-token");
		this.redis.command("DEL", redisKey("k"));
		assertThat(cache.get("other", () -> "fresh")).isEqualTo("fresh");
	}

	@Test
	void failingLoaderReleasesItsLease() {
		TieredCache cache = instance(Duration.ofMillis(250));
		assertThatExceptionOfType(ValueRetrievalException.class).isThrownBy(() -> cache.get("k", () -> {
			throw new IllegalStateException("database down");
		}));
		assertThat(this.redis.command("EXISTS", redisKey("k"))).isEqualTo(":0");
	}

	@Test
	void plainReadsTreatALeaseAsAMiss() {
		TieredCache cache = instance(Duration.ofMillis(250));
		this.redis.command("SET", redisKey("k"), "\u0002token", "PX", "5000");
		assertThat(cache.get("k")).isNull();
		assertThat(cache.getStatistics().undecodable()).isZero();
		assertThat(this.redis.command("EXISTS", redisKey("k"))).as("a lease is not deleted as corrupt").isEqualTo(":1");
	}

}
