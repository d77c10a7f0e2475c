package io.github.tieredcache.internal.aspect;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code @CacheAside}, {@code @WriteThrough} and {@code @CacheInvalidate} on beans of a
 * real application context, over a real Redis.
 */
class PatternAnnotationsTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "patterns-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.port=" + this.redis.port(), "tiered-cache.key-prefix=" + this.prefix,
				"tiered-cache.serialization.allowed-packages=io.github.tieredcache.**", "catalog.price-ttl=45s")
		.withUserConfiguration(ServicesConfiguration.class);

	private void run(ContextConsumer<AssertableApplicationContext> test) {
		this.runner.run((context) -> {
			// the bus empties the in-process tiers once when it becomes healthy
			await().atMost(Duration.ofSeconds(10))
				.until(() -> context.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
			test.accept(context);
		});
	}

	private String redisKey(String cache, String encodedKey) {
		return dataKey(cache, encodedKey);
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

	private long pttl(String key) {
		return Long.parseLong(this.redis.command("PTTL", key).substring(1));
	}

	@Test
	void cacheAsideCallsTheMethodOnceAndStoresInBothTiers() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			assertThat(catalog.find(7L)).isEqualTo(new Item(7L, "item-7"));
			assertThat(catalog.find(7L)).isEqualTo(new Item(7L, "item-7"));
			assertThat(catalog.calls("find")).isEqualTo(1);
			assertThat(this.redis.command("EXISTS", redisKey("items", "#long:7"))).isEqualTo(":1");
			TieredCache cache = context.getBean(TieredCacheManager.class).getCache("items");
			assertThat(cache.getStatistics().localHits()).isEqualTo(1);
		});
	}

	@Test
	void cacheAsideAndSpringsCacheableShareKeys() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			SpringCatalog springCatalog = context.getBean(SpringCatalog.class);
			Item viaSpring = springCatalog.find(8L);
			assertThat(catalog.find(8L)).isEqualTo(viaSpring);
			assertThat(catalog.calls("find")).isZero();
			assertThat(catalog.byNameAndPage("lamp", 2)).isEqualTo("lamp/2");
			assertThat(springCatalog.byNameAndPage("lamp", 2)).isEqualTo("lamp/2");
			assertThat(springCatalog.calls()).as("Spring finds what @CacheAside stored").isZero();
		});
	}

	@Test
	void perMethodTtlsAndPlaceholders() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			catalog.shortLived("a");
			catalog.price("sku");
			long shortTtl = pttl(redisKey("items", "a"));
			long priceTtl = pttl(redisKey("prices", "sku"));
			assertThat(shortTtl).isBetween(Duration.ofSeconds(26).toMillis(), Duration.ofSeconds(33).toMillis());
			assertThat(priceTtl).isBetween(Duration.ofSeconds(40).toMillis(), Duration.ofSeconds(50).toMillis());
		});
	}

	@Test
	void conditionFalseBypassesTheCacheAndUnlessVetoesStoring() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			catalog.conditional(-1);
			catalog.conditional(-1);
			assertThat(catalog.calls("conditional")).isEqualTo(2);
			catalog.conditional(1);
			catalog.conditional(1);
			assertThat(catalog.calls("conditional")).isEqualTo(3);
			assertThat(catalog.unlessEmpty("")).isEmpty();
			assertThat(catalog.unlessEmpty("")).isEmpty();
			assertThat(catalog.calls("unlessEmpty")).isEqualTo(2);
			assertThat(catalog.unlessEmpty("x")).isEqualTo("x!");
			assertThat(catalog.unlessEmpty("x")).isEqualTo("x!");
			assertThat(catalog.calls("unlessEmpty")).isEqualTo(3);
		});
	}

	@Test
	void nullResultsAreCachedOnlyWhenAsked() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			assertThat(catalog.missing(1)).isNull();
			assertThat(catalog.missing(1)).isNull();
			assertThat(catalog.calls("missing")).isEqualTo(2);
			assertThat(catalog.missingCached(1)).isNull();
			assertThat(catalog.missingCached(1)).isNull();
			assertThat(catalog.calls("missingCached")).isEqualTo(1);
		});
	}

	@Test
	void optionalResults() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			assertThat(catalog.optional(3)).contains(new Item(3, "item-3"));
			assertThat(catalog.optional(3)).contains(new Item(3, "item-3"));
			assertThat(catalog.calls("optional")).isEqualTo(1);
			assertThat(this.redis.command("GET", redisKey("items", "#int:3"))).contains("item-3")
				.doesNotContain("Optional");
			assertThat(catalog.optional(-3)).isEmpty();
			assertThat(catalog.optional(-3)).isEmpty();
			assertThat(catalog.calls("optional")).as("an empty Optional is a null, cached with cacheNull").isEqualTo(2);
		});
	}

	@Test
	void completableFutureResultsCacheTheValueNotTheFuture() throws Exception {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			assertThat(catalog.async("a").get(10, TimeUnit.SECONDS)).isEqualTo("async-a");
			assertThat(catalog.async("a").get(10, TimeUnit.SECONDS)).isEqualTo("async-a");
			assertThat(catalog.calls("async")).isEqualTo(1);
			assertThat(this.redis.command("GET", redisKey("items", "a"))).isEqualTo("\u0001\"async-a\"");
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> catalog.async("fail").get(10, TimeUnit.SECONDS));
			assertThat(this.redis.command("EXISTS", redisKey("items", "fail"))).isEqualTo(":0");
		});
	}

	@Test
	void monoResults() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			Mono<String> first = catalog.reactive("r");
			assertThat(catalog.calls("reactive")).as("nothing runs before subscription").isZero();
			assertThat(first.block(Duration.ofSeconds(10))).isEqualTo("mono-r");
			assertThat(catalog.reactive("r").block(Duration.ofSeconds(10))).isEqualTo("mono-r");
			assertThat(catalog.calls("reactive")).isEqualTo(1);
		});
	}

	@Test
	void loaderExceptionsReachTheCallerUnwrapped() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> catalog.failing("x"))
				.withMessage("disk on fire");
			assertThat(this.redis.command("EXISTS", redisKey("items", "x"))).isEqualTo(":0");
		});
	}

	@Test
	void concurrentMissesCallTheMethodOnce() throws Exception {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			List<Thread> threads = new ArrayList<>();
			List<Object> results = java.util.Collections.synchronizedList(new ArrayList<>());
			for (int i = 0; i < 10; i++) {
				Thread thread = new Thread(() -> results.add(catalog.slow("hot")));
				threads.add(thread);
				thread.start();
			}
			await().atMost(10, TimeUnit.SECONDS)
				.until(() -> catalog.calls("slow") == 1
						&& threads.stream().filter((t) -> t.getState() == Thread.State.WAITING).count() == 10);
			catalog.release();
			for (Thread thread : threads) {
				thread.join(10_000);
			}
			assertThat(results).hasSize(10).containsOnly("slow-hot");
			assertThat(catalog.calls("slow")).isEqualTo(1);
		});
	}

	@Test
	void argumentValuesAreNeverParsedAsExpressions() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			String hostile = "T(java.lang.Runtime).getRuntime().exec('x')";
			assertThat(catalog.byExpression(hostile)).isEqualTo("value");
			assertThat(this.redis.command("EXISTS",
					redisKey("items", "key-T\\(java.lang.Runtime\\).getRuntime\\(\\).exec\\('x'\\)")))
				.isEqualTo(":1");
		});
	}

	@Test
	void writeThroughCachesTheResultOrTheNamedValue() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			catalog.find(5L);
			catalog.save(new Item(5L, "renamed"));
			assertThat(catalog.find(5L)).isEqualTo(new Item(5L, "renamed"));
			catalog.update(new Item(5L, "updated"));
			assertThat(catalog.find(5L)).isEqualTo(new Item(5L, "updated"));
			assertThat(catalog.calls("find")).isEqualTo(1);
		});
	}

	@Test
	void writeThroughThatThrowsWritesNothing() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			catalog.find(6L);
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> catalog.saveAndFail(new Item(6L, "lost")));
			assertThat(catalog.find(6L)).isEqualTo(new Item(6L, "item-6"));
		});
	}

	@Test
	void invalidateRemovesTheKeyOrEveryEntry() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			catalog.find(1L);
			catalog.find(2L);
			catalog.delete(1L);
			assertThat(this.redis.command("EXISTS", redisKey("items", "#long:1"))).isEqualTo(":0");
			catalog.find(1L);
			catalog.find(2L);
			assertThat(catalog.calls("find")).isEqualTo(3);
			catalog.deleteAll();
			catalog.find(2L);
			assertThat(catalog.calls("find")).isEqualTo(4);
		});
	}

	@Test
	void invalidateBeforeInvocationHappensEvenIfTheMethodThrows() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			catalog.find(9L);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> catalog.purgeThenFail(9L));
			catalog.find(9L);
			assertThat(catalog.calls("find")).isEqualTo(2);
		});
	}

	@Test
	void classLevelAndMetaAnnotations() {
		run((context) -> {
			ClassLevelCatalog catalog = context.getBean(ClassLevelCatalog.class);
			catalog.name(1);
			catalog.name(1);
			catalog.other("x");
			catalog.other("x");
			assertThat(catalog.calls()).isEqualTo(2);
			assertThat(this.redis.command("EXISTS", redisKey("classy", "#int:1"))).isEqualTo(":1");
			MetaCatalog meta = context.getBean(MetaCatalog.class);
			meta.find(1);
			meta.find(1);
			assertThat(meta.calls()).isEqualTo(1);
			assertThat(pttl(redisKey("meta", "#int:1"))).isLessThan(Duration.ofSeconds(25).toMillis());
		});
	}

	@Test
	void badExpressionFailsAtStartUpNamingMethodAndExpression() {
		this.runner.withUserConfiguration(BadExpressionConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasStackTraceContaining("Cannot parse @CacheAside.key expression '#id +' of BadExpression.find(long)");
		});
	}

	@Test
	void badDurationFailsAtStartUp() {
		this.runner.withUserConfiguration(BadTtlConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining(
					"Invalid tiered-cache annotation on BadTtl.find(long): @CacheAside.ttl 'ten minutes' is not a positive duration");
		});
	}

	@Test
	void expressionThatFailsToEvaluateNamesMethodAndExpression() {
		run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> catalog.byMissingProperty("x"))
				.withMessageContaining("Catalog.byMissingProperty(String)")
				.withMessageContaining("#text.nothingHere");
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class ServicesConfiguration {

		@Bean
		Catalog catalog() {
			return new Catalog();
		}

		@Bean
		SpringCatalog springCatalog() {
			return new SpringCatalog();
		}

		@Bean
		ClassLevelCatalog classLevelCatalog() {
			return new ClassLevelCatalog();
		}

		@Bean
		MetaCatalog metaCatalog() {
			return new MetaCatalog();
		}

	}

	record Item(long id, String name) {
	}

	static class Catalog {

		private final java.util.Map<String, AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();

		private final CountDownLatch release = new CountDownLatch(1);

		void release() {
			this.release.countDown();
		}

		int calls(String method) {
			return this.calls.computeIfAbsent(method, (key) -> new AtomicInteger()).get();
		}

		private void called(String method) {
			this.calls.computeIfAbsent(method, (key) -> new AtomicInteger()).incrementAndGet();
		}

		@CacheAside(cache = "items", key = "#id")
		public Item find(long id) {
			called("find");
			return new Item(id, "item-" + id);
		}

		@CacheAside(cache = "pages")
		public String byNameAndPage(String name, int page) {
			called("byNameAndPage");
			return name + "/" + page;
		}

		@CacheAside(cache = "items", ttl = "30s", localTtl = "5s")
		public String shortLived(String key) {
			return key;
		}

		@CacheAside(cache = "prices", ttl = "${catalog.price-ttl:10m}")
		public String price(String sku) {
			return "9.99";
		}

		@CacheAside(cache = "items", key = "'c' + #value", condition = "#value > 0")
		public int conditional(int value) {
			called("conditional");
			return value;
		}

		@CacheAside(cache = "items", key = "'u' + #p0", unless = "#result.isEmpty()")
		public String unlessEmpty(String value) {
			called("unlessEmpty");
			return value.isEmpty() ? "" : value + "!";
		}

		@CacheAside(cache = "items", key = "'m' + #id")
		public Item missing(int id) {
			called("missing");
			return null;
		}

		@CacheAside(cache = "items", key = "'mc' + #id", cacheNull = true)
		public Item missingCached(int id) {
			called("missingCached");
			return null;
		}

		@CacheAside(cache = "items", cacheNull = true)
		public Optional<Item> optional(int id) {
			called("optional");
			return (id > 0) ? Optional.of(new Item(id, "item-" + id)) : Optional.empty();
		}

		@CacheAside(cache = "items")
		public CompletableFuture<String> async(String key) {
			called("async");
			if (key.equals("fail")) {
				return CompletableFuture.failedFuture(new IllegalStateException("async failure"));
			}
			return CompletableFuture.supplyAsync(() -> "async-" + key);
		}

		@CacheAside(cache = "items", key = "'mono-' + #key")
		public Mono<String> reactive(String key) {
			return Mono.fromSupplier(() -> {
				called("reactive");
				return "mono-" + key;
			});
		}

		@CacheAside(cache = "items")
		public String failing(String key) throws IOException {
			throw new IOException("disk on fire");
		}

		@CacheAside(cache = "items", key = "'slow-' + #key")
		public String slow(String key) {
			called("slow");
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "slow-" + key;
		}

		@CacheAside(cache = "items", key = "'key-' + #text")
		public String byExpression(String text) {
			return "value";
		}

		@CacheAside(cache = "items", key = "#text.nothingHere")
		public String byMissingProperty(String text) {
			return "value";
		}

		@WriteThrough(cache = "items", key = "#item.id")
		public Item save(Item item) {
			return item;
		}

		@WriteThrough(cache = "items", key = "#item.id", value = "#item")
		public void update(Item item) {
		}

		@WriteThrough(cache = "items", key = "#item.id")
		public Item saveAndFail(Item item) {
			throw new IllegalStateException("database down");
		}

		@CacheInvalidate(cache = "items", key = "#id")
		@CacheInvalidate(cache = "pages", allEntries = true)
		public void delete(long id) {
		}

		@CacheInvalidate(cache = "items", allEntries = true)
		public void deleteAll() {
		}

		@CacheInvalidate(cache = "items", key = "#id", beforeInvocation = true)
		public void purgeThenFail(long id) {
			throw new IllegalStateException("failed after the purge");
		}

	}

	static class SpringCatalog {

		private final AtomicInteger calls = new AtomicInteger();

		int calls() {
			return this.calls.get();
		}

		@Cacheable(cacheNames = "items", key = "#id")
		public Item find(long id) {
			return new Item(id, "spring-" + id);
		}

		@Cacheable("pages")
		public String byNameAndPage(String name, int page) {
			this.calls.incrementAndGet();
			return name + "/" + page;
		}

	}

	@CacheAside(cache = "classy")
	static class ClassLevelCatalog {

		private final AtomicInteger calls = new AtomicInteger();

		int calls() {
			return this.calls.get();
		}

		public String name(int id) {
			this.calls.incrementAndGet();
			return "name-" + id;
		}

		public String other(String key) {
			this.calls.incrementAndGet();
			return key;
		}

	}

	@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
	@java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
	@CacheAside(cache = "meta", ttl = "20s")
	@interface ShortCached {

	}

	static class MetaCatalog {

		private final AtomicInteger calls = new AtomicInteger();

		int calls() {
			return this.calls.get();
		}

		@ShortCached
		public String find(int id) {
			this.calls.incrementAndGet();
			return "meta-" + id;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadExpressionConfiguration {

		@Bean
		BadExpression badExpression() {
			return new BadExpression();
		}

	}

	static class BadExpression {

		@CacheAside(cache = "items", key = "#id +")
		public String find(long id) {
			return "x";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadTtlConfiguration {

		@Bean
		BadTtl badTtl() {
			return new BadTtl();
		}

	}

	static class BadTtl {

		@CacheAside(cache = "items", ttl = "ten minutes")
		public String find(long id) {
			return "x";
		}

	}

}
