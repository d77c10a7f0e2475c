package io.github.tieredcache.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cache.Cache;
import org.springframework.cache.Cache.ValueRetrievalException;
import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The {@link Cache} contract, as Spring's own cache tests state it, for one set-up of
 * tiers. Every test uses a fresh cache name so tests never see each other's entries.
 */
abstract class AbstractTieredCacheConformanceTests {

	protected LettuceConnectionFactory connectionFactory;

	protected TieredCacheManager manager;

	protected TieredCache cache;

	protected TieredCache nullCache;

	/**
	 * The settings under test, before the null-value switch.
	 * @return the settings builder
	 */
	abstract CacheSettings.Builder settings();

	/**
	 * The Redis the set-up uses.
	 * @return a started connection factory, destroyed after each test
	 */
	LettuceConnectionFactory connectionFactory() {
		return RedisServer.shared().connectionFactory();
	}

	@BeforeEach
	void createCache() {
		this.connectionFactory = connectionFactory();
		String prefix = "conformance-" + UUID.randomUUID();
		this.manager = TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix(prefix)
			.valueCodec(new JacksonValueCodec(List.of("io.github.tieredcache.**")))
			// the contract is under test, not timeouts: a cold connection's first
			// commands on a loaded machine must not take the fail-open path
			.redisCommandTimeout(Duration.ofSeconds(2))
			.cache("values", settings().build())
			.cache("nulls", settings().cacheNullValues(true).build())
			.build();
		this.cache = this.manager.getCache("values");
		this.nullCache = this.manager.getCache("nulls");
	}

	@AfterEach
	void close() {
		this.manager.destroy();
		this.connectionFactory.destroy();
	}

	@Test
	void nameAndNativeCache() {
		assertThat(this.cache.getName()).isEqualTo("values");
		assertThat(this.cache.getNativeCache()).isNotNull();
	}

	@Test
	void missReturnsNull() {
		assertThat(this.cache.get("absent")).isNull();
		assertThat(this.cache.get("absent", String.class)).isNull();
	}

	@Test
	void putThenGet() {
		this.cache.put("k", "v");
		assertThat(this.cache.get("k").get()).isEqualTo("v");
		assertThat(this.cache.get("k", String.class)).isEqualTo("v");
	}

	@Test
	void getWithWrongTypeThrows() {
		this.cache.put("k", "v");
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> this.cache.get("k", Integer.class));
	}

	@Test
	void putOverwrites() {
		this.cache.put("k", "v1");
		this.cache.put("k", "v2");
		assertThat(this.cache.get("k", String.class)).isEqualTo("v2");
	}

	@Test
	void keysOfDifferentTypesAreDifferentEntries() {
		this.cache.put(1, "int");
		this.cache.put(1L, "long");
		this.cache.put("1", "string");
		this.cache.put(new SimpleKey("a", "b"), "pair");
		this.cache.put("a,b", "comma");
		assertThat(this.cache.get(1, String.class)).isEqualTo("int");
		assertThat(this.cache.get(1L, String.class)).isEqualTo("long");
		assertThat(this.cache.get("1", String.class)).isEqualTo("string");
		assertThat(this.cache.get(new SimpleKey("a", "b"), String.class)).isEqualTo("pair");
		assertThat(this.cache.get("a,b", String.class)).isEqualTo("comma");
	}

	@Test
	void valuesKeepTheirTypes() {
		Product product = new Product(7L, "lamp", List.of("light", "home"));
		this.cache.put("product", product);
		this.cache.put("long", 5L);
		this.cache.put("list", List.of(product));
		this.cache.put("map", Map.of("a", 1L));
		assertThat(this.cache.get("product", Product.class)).isEqualTo(product);
		assertThat(this.cache.get("long", Long.class)).isEqualTo(5L);
		assertThat(this.cache.get("list").get()).isEqualTo(List.of(product));
		assertThat(this.cache.get("map").get()).isEqualTo(Map.of("a", 1L));
	}

	@Test
	void putNullWhenNullsAreNotCachedEvicts() {
		this.cache.put("k", "v");
		this.cache.put("k", null);
		assertThat(this.cache.get("k")).isNull();
	}

	@Test
	void nullValueIsCachedWhenAllowed() {
		this.nullCache.put("k", null);
		Cache.ValueWrapper wrapper = this.nullCache.get("k");
		assertThat(wrapper).isNotNull();
		assertThat(wrapper.get()).isNull();
		assertThat(this.nullCache.get("k", String.class)).isNull();
	}

	@Test
	void putIfAbsentStoresWhenAbsent() {
		assertThat(this.cache.putIfAbsent("k", "v1")).isNull();
		assertThat(this.cache.get("k", String.class)).isEqualTo("v1");
	}

	@Test
	void putIfAbsentKeepsExistingValue() {
		this.cache.put("k", "v1");
		Cache.ValueWrapper previous = this.cache.putIfAbsent("k", "v2");
		assertThat(previous).isNotNull();
		assertThat(previous.get()).isEqualTo("v1");
		assertThat(this.cache.get("k", String.class)).isEqualTo("v1");
	}

	@Test
	void putIfAbsentOfNullWhenAllowed() {
		assertThat(this.nullCache.putIfAbsent("k", null)).isNull();
		Cache.ValueWrapper previous = this.nullCache.putIfAbsent("k", "v");
		assertThat(previous).isNotNull();
		assertThat(previous.get()).isNull();
	}

	@Test
	void evict() {
		this.cache.put("k", "v");
		this.cache.evict("k");
		assertThat(this.cache.get("k")).isNull();
	}

	@Test
	void evictIfPresent() {
		this.cache.put("k", "v");
		assertThat(this.cache.evictIfPresent("k")).isTrue();
		assertThat(this.cache.evictIfPresent("k")).isFalse();
		assertThat(this.cache.get("k")).isNull();
	}

	@Test
	void clearRemovesEverything() {
		this.cache.put("a", "1");
		this.cache.put("b", "2");
		this.cache.clear();
		assertThat(this.cache.get("a")).isNull();
		assertThat(this.cache.get("b")).isNull();
		this.cache.put("a", "3");
		assertThat(this.cache.get("a", String.class)).isEqualTo("3");
	}

	@Test
	void invalidateRemovesEverything() {
		this.cache.put("a", "1");
		this.cache.invalidate();
		assertThat(this.cache.get("a")).isNull();
	}

	@Test
	void getWithLoaderLoadsOnMissOnly() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		assertThat(this.cache.<String>get("k", () -> "v" + calls.incrementAndGet())).isEqualTo("v1");
		assertThat(this.cache.<String>get("k", () -> "v" + calls.incrementAndGet())).isEqualTo("v1");
		assertThat(calls).hasValue(1);
		assertThat(this.cache.get("k", String.class)).isEqualTo("v1");
	}

	@Test
	void getWithThrowingLoaderWrapsTheException() {
		IllegalStateException failure = new IllegalStateException("boom");
		assertThatExceptionOfType(ValueRetrievalException.class).isThrownBy(() -> this.cache.get("k", () -> {
			throw failure;
		})).withCause(failure);
		assertThat(this.cache.get("k")).isNull();
		assertThat(this.cache.get("k", () -> "recovered")).isEqualTo("recovered");
	}

	@Test
	void getWithLoaderReturningNull() {
		assertThat(this.cache.<Object>get("k", () -> null)).isNull();
		assertThat(this.cache.get("k")).isNull();
		assertThat(this.nullCache.<Object>get("k", () -> null)).isNull();
		assertThat(this.nullCache.get("k")).isNotNull();
	}

	@Test
	void tenThreadsMissingOneKeyRunTheLoaderOnce() throws Exception {
		int threads = 10;
		AtomicInteger calls = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		List<Thread> waiting = new ArrayList<>();
		List<CompletableFuture<String>> results = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			CompletableFuture<String> result = new CompletableFuture<>();
			results.add(result);
			Thread thread = new Thread(() -> {
				try {
					result.complete(this.cache.get("hot", () -> {
						calls.incrementAndGet();
						release.await();
						return "loaded";
					}));
				}
				catch (Throwable ex) {
					result.completeExceptionally(ex);
				}
			});
			waiting.add(thread);
			thread.start();
		}
		// the loader is blocked until every other caller is parked on it
		await().atMost(10, TimeUnit.SECONDS)
			.until(() -> calls.get() == 1
					&& waiting.stream().filter((t) -> t.getState() == Thread.State.WAITING).count() == threads);
		release.countDown();
		for (CompletableFuture<String> result : results) {
			assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("loaded");
		}
		assertThat(calls).hasValue(1);
	}

	@Test
	void concurrentCallersOfAFailingLoaderAllSeeTheFailure() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger calls = new AtomicInteger();
		CompletableFuture<Object> first = CompletableFuture.supplyAsync(() -> this.cache.get("k", () -> {
			calls.incrementAndGet();
			release.await();
			throw new IllegalStateException("boom");
		}));
		await().atMost(10, TimeUnit.SECONDS).untilAtomic(calls, org.hamcrest.Matchers.equalTo(1));
		Thread second = new Thread(() -> {
			try {
				this.cache.get("k", () -> "never");
			}
			catch (ValueRetrievalException ex) {
				// expected
			}
		});
		second.start();
		await().atMost(10, TimeUnit.SECONDS).until(() -> second.getState() == Thread.State.WAITING);
		release.countDown();
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> first.get(10, TimeUnit.SECONDS))
			.withCauseInstanceOf(ValueRetrievalException.class);
		second.join(10_000);
		assertThat(calls).hasValue(1);
	}

	@Test
	void retrieveOfMissingKey() throws Exception {
		CompletableFuture<?> result = this.cache.retrieve("absent");
		assertThat(result == null || result.get(10, TimeUnit.SECONDS) == null).isTrue();
	}

	@Test
	void retrieveOfPresentKeyIsWrapped() throws Exception {
		this.cache.put("k", "v");
		Object result = this.cache.retrieve("k").get(10, TimeUnit.SECONDS);
		assertThat(result).isInstanceOf(Cache.ValueWrapper.class);
		assertThat(((Cache.ValueWrapper) result).get()).isEqualTo("v");
	}

	@Test
	void retrieveWithLoader() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		CompletableFuture<String> first = this.cache.retrieve("k",
				() -> CompletableFuture.completedFuture("v" + calls.incrementAndGet()));
		assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("v1");
		CompletableFuture<String> second = this.cache.retrieve("k",
				() -> CompletableFuture.completedFuture("v" + calls.incrementAndGet()));
		assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("v1");
		assertThat(calls).hasValue(1);
	}

	@Test
	void retrieveWithFailingLoaderStoresNothing() throws Exception {
		CompletableFuture<String> failed = this.cache.retrieve("k",
				() -> CompletableFuture.failedFuture(new IllegalStateException("boom")));
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> failed.get(10, TimeUnit.SECONDS))
			.withRootCauseInstanceOf(IllegalStateException.class);
		assertThat(this.cache.get("k")).isNull();
	}

	@Test
	void concurrentRetrievesShareOneLoad() throws Exception {
		CompletableFuture<String> pending = new CompletableFuture<>();
		AtomicInteger calls = new AtomicInteger();
		CompletableFuture<String> first = this.cache.retrieve("k", () -> {
			calls.incrementAndGet();
			return pending;
		});
		await().atMost(10, TimeUnit.SECONDS).untilAtomic(calls, org.hamcrest.Matchers.equalTo(1));
		CompletableFuture<String> second = this.cache.retrieve("k", () -> {
			calls.incrementAndGet();
			return CompletableFuture.completedFuture("other");
		});
		pending.complete("v");
		assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("v");
		assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("v");
		assertThat(calls).hasValue(1);
	}

	@Test
	void retrieveOfNullValue() throws Exception {
		this.nullCache.put("k", null);
		Object result = this.nullCache.retrieve("k").get(10, TimeUnit.SECONDS);
		assertThat(result).isInstanceOf(Cache.ValueWrapper.class);
		assertThat(((Cache.ValueWrapper) result).get()).isNull();
	}

	record Product(long id, String name, List<String> tags) {
	}

}
