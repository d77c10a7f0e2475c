package io.github.tieredcache.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.aspect.TieredCacheAdvisor;
import io.github.tieredcache.internal.aspect.TieredCacheInterceptor;
import io.github.tieredcache.metrics.TieredCacheManagerMetrics;
import io.github.tieredcache.metrics.TieredCacheMeterBinderProvider;
import io.github.tieredcache.testsupport.RedisServer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * An L1 hit through an annotated method, side by side: {@code @CacheAside} against
 * Spring's {@code @Cacheable} over {@code CaffeineCacheManager} (same bound and TTL as
 * our in-process tier) and over {@code TieredCacheManager}, all with {@code key = "#id"}
 * on {@code Product find(long id)}, all through a CGLIB proxy of a Spring context, each
 * thread cycling through 1,024 cached keys; and {@code @CacheAside} again with every
 * tiered-cache meter bound to a {@link SimpleMeterRegistry}, to show that metrics cost
 * the hit nothing measurable.
 * <p>
 * Run:
 * {@code java -jar benchmarks/target/benchmarks.jar AnnotationHitBenchmarks -prof gc};
 * the thread-scaling table (throughput at 1, 2 and 4 threads):
 * {@code benchmarks/thread-scaling.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class AnnotationHitBenchmarks {

	/** How many keys the hits cycle through (a power of two). */
	static final int KEYS = 1024;

	private static RedisServer redis;

	private AnnotationConfigApplicationContext springOnCaffeine;

	private AnnotationConfigApplicationContext springOnTiered;

	private AnnotationConfigApplicationContext cacheAside;

	private AnnotationConfigApplicationContext cacheAsideWithMetrics;

	private AsideCatalog cacheAsideWithMetricsCatalog;

	private SpringCatalog springOnCaffeineCatalog;

	private SpringCatalog springOnTieredCatalog;

	private AsideCatalog cacheAsideCatalog;

	@Setup(Level.Trial)
	public void setUp() {
		redis = RedisServer.start();
		this.springOnCaffeine = new AnnotationConfigApplicationContext(SpringOnCaffeine.class);
		this.springOnTiered = new AnnotationConfigApplicationContext(SpringOnTiered.class);
		this.cacheAside = new AnnotationConfigApplicationContext(CacheAsideOnTiered.class);
		this.cacheAsideWithMetrics = new AnnotationConfigApplicationContext(CacheAsideOnTiered.class,
				WithMetrics.class);
		this.cacheAsideWithMetricsCatalog = this.cacheAsideWithMetrics.getBean(AsideCatalog.class);
		this.springOnCaffeineCatalog = this.springOnCaffeine.getBean(SpringCatalog.class);
		this.springOnTieredCatalog = this.springOnTiered.getBean(SpringCatalog.class);
		this.cacheAsideCatalog = this.cacheAside.getBean(AsideCatalog.class);
		// the first pass loads every key, the second hits
		for (int pass = 0; pass < 2; pass++) {
			for (long id = 0; id < KEYS; id++) {
				this.springOnCaffeineCatalog.find(id);
				this.springOnTieredCatalog.find(id);
				this.cacheAsideCatalog.find(id);
				this.cacheAsideWithMetricsCatalog.find(id);
			}
		}
		SimpleMeterRegistry registry = this.cacheAsideWithMetrics.getBean(SimpleMeterRegistry.class);
		double localHits = registry.get("cache.gets").tag("tier", "local").functionCounter().count();
		if (localHits != KEYS) {
			throw new IllegalStateException(
					"Expected the meters bound and counting " + KEYS + " local hits, saw " + localHits);
		}
		if (SpringCatalog.loads + AsideCatalog.loads != 4 * KEYS) {
			throw new IllegalStateException(
					"Expected one load per key and set-up, saw " + (SpringCatalog.loads + AsideCatalog.loads));
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.springOnCaffeine.close();
		this.springOnTiered.close();
		this.cacheAside.close();
		this.cacheAsideWithMetrics.close();
		redis.close();
	}

	@Benchmark
	public Product cacheableOnCaffeineCacheManager(Keys keys) {
		return this.springOnCaffeineCatalog.find(keys.next());
	}

	@Benchmark
	public Product cacheableOnTieredCacheManager(Keys keys) {
		return this.springOnTieredCatalog.find(keys.next());
	}

	@Benchmark
	public Product cacheAsideOnTieredCacheManager(Keys keys) {
		return this.cacheAsideCatalog.find(keys.next());
	}

	@Benchmark
	public Product cacheAsideOnTieredCacheManagerWithMetrics(Keys keys) {
		return this.cacheAsideWithMetricsCatalog.find(keys.next());
	}

	/**
	 * Each benchmark thread's walk over the keys, from its own starting point.
	 */
	@State(Scope.Thread)
	public static class Keys {

		private int next = ThreadLocalRandom.current().nextInt(KEYS);

		long next() {
			return this.next++ & (KEYS - 1);
		}

	}

	public static class SpringCatalog {

		static int loads;

		@Cacheable(cacheNames = "products", key = "#id")
		public Product find(long id) {
			loads++;
			return Product.sample();
		}

	}

	public static class AsideCatalog {

		static int loads;

		@CacheAside(cache = "products", key = "#id")
		public Product find(long id) {
			loads++;
			return Product.sample();
		}

	}

	static TieredCacheManager tieredCacheManager() {
		return TieredCacheManager.builder()
			.redis(redis.connectionFactory())
			.keyPrefix("bench-annotations-" + System.nanoTime())
			// set-up writes 4,096 keys over a cold connection: no fail-open on the way
			.redisCommandTimeout(Duration.ofSeconds(2))
			.valueCodec(new JacksonValueCodec(List.of("io.github.tieredcache.benchmarks")))
			.cache("products", CacheSettings.builder().build())
			.build();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class SpringOnCaffeine {

		@Bean
		CaffeineCacheManager cacheManager() {
			CaffeineCacheManager manager = new CaffeineCacheManager("products");
			manager.setCaffeine(Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)));
			return manager;
		}

		@Bean
		SpringCatalog catalog() {
			return new SpringCatalog();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class SpringOnTiered {

		@Bean
		TieredCacheManager cacheManager() {
			return tieredCacheManager();
		}

		@Bean
		SpringCatalog catalog() {
			return new SpringCatalog();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CacheAsideOnTiered {

		@Bean
		TieredCacheManager cacheManager() {
			return tieredCacheManager();
		}

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static TieredCacheAdvisor tieredCacheAdvisor(ObjectProvider<TieredCacheManager> cacheManager) {
			return new TieredCacheAdvisor(new TieredCacheInterceptor(cacheManager::getObject, null),
					Integer.MAX_VALUE - 100);
		}

		@Bean
		AsideCatalog catalog() {
			return new AsideCatalog();
		}

	}

	/**
	 * The meters as the auto-configuration binds them: every cache (existing and created
	 * later) and the manager's shared meters.
	 */
	@Configuration(proxyBeanMethods = false)
	static class WithMetrics {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		SmartInitializingSingleton bindMetrics(TieredCacheManager manager, SimpleMeterRegistry registry) {
			return () -> {
				Tags tags = Tags.of("cache.manager", "cacheManager");
				TieredCacheMeterBinderProvider provider = new TieredCacheMeterBinderProvider();
				manager.addCacheListener((cache) -> provider.getMeterBinder(cache, tags).bindTo(registry));
				new TieredCacheManagerMetrics(manager, null, tags).bindTo(registry);
			};
		}

	}

}
