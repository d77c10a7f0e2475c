package io.github.tieredcache.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
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

import org.springframework.cache.caffeine.CaffeineCache;
import org.springframework.data.redis.cache.RedisCache;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.serializer.GenericJacksonJsonRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;

/**
 * A cache hit, side by side: raw Caffeine, Spring's {@link CaffeineCache} (unbounded in
 * time, and with the same one-minute TTL as tiered-cache's in-process tier),
 * tiered-cache's L1 hit; then an L2 hit through tiered-cache (in-process tier off)
 * against Spring Data Redis's {@link RedisCache}, both reading the same JSON payload from
 * the same {@code redis-server} (started by the benchmark on a free port).
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar CacheHitBenchmarks -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class CacheHitBenchmarks {

	private static final Long KEY = 42L;

	private RedisServer redis;

	private LettuceConnectionFactory connectionFactory;

	private TieredCacheManager tieredManager;

	private Cache<Object, Object> caffeine;

	private CaffeineCache springCaffeine;

	private CaffeineCache springCaffeineWithTtl;

	private TieredCache tieredTwoTier;

	private TieredCache tieredRedisOnly;

	private TieredCache tieredWithEarlyRefresh;

	private final java.util.concurrent.Callable<Product> loader = Product::sample;

	private RedisCache springRedis;

	private JacksonValueCodec codec;

	private StatefulRedisConnection<byte[], byte[]> rawConnection;

	private RedisAsyncCommands<byte[], byte[]> raw;

	private final byte[] rawKey = "bench-raw:42".getBytes(StandardCharsets.UTF_8);

	@Setup(Level.Trial)
	public void setUp() throws Exception {
		Product product = Product.sample();
		this.caffeine = Caffeine.newBuilder().maximumSize(10_000).build();
		this.caffeine.put(KEY, product);
		this.springCaffeine = new CaffeineCache("products", Caffeine.newBuilder().maximumSize(10_000).build());
		this.springCaffeine.put(KEY, product);
		// the same bound and TTL as tiered-cache's in-process tier below
		this.springCaffeineWithTtl = new CaffeineCache("products",
				Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build());
		this.springCaffeineWithTtl.put(KEY, product);

		this.redis = RedisServer.start();
		this.connectionFactory = this.redis.connectionFactory();
		this.codec = new JacksonValueCodec(List.of("io.github.tieredcache.benchmarks"));
		// the floor of an L2 hit: Lettuce's GET of the value's bytes and the codec's
		// decode
		this.rawConnection = ((RedisClient) this.connectionFactory.getRequiredNativeClient())
			.connect(ByteArrayCodec.INSTANCE);
		this.raw = this.rawConnection.async();
		this.rawConnection.sync().set(this.rawKey, this.codec.encode(product));
		this.tieredManager = TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix("bench")
			.valueCodec(this.codec)
			.cache("two-tier", CacheSettings.builder().build())
			.cache("redis-only", CacheSettings.builder().localEnabled(false).build())
			.cache("early-refresh",
					CacheSettings.builder().earlyRefreshBeta(1).staleIfError(Duration.ofMinutes(1)).build())
			.build();
		this.tieredWithEarlyRefresh = this.tieredManager.getCache("early-refresh");
		this.tieredWithEarlyRefresh.get(KEY, () -> {
			Thread.sleep(5);
			return product;
		});
		this.tieredTwoTier = this.tieredManager.getCache("two-tier");
		this.tieredTwoTier.put(KEY, product);
		this.tieredRedisOnly = this.tieredManager.getCache("redis-only");
		this.tieredRedisOnly.put(KEY, product);

		RedisCacheManager redisCacheManager = RedisCacheManager.builder(this.connectionFactory)
			.cacheDefaults(RedisCacheConfiguration.defaultCacheConfig()
				.entryTtl(Duration.ofMinutes(10))
				.serializeValuesWith(SerializationPair
					.fromSerializer(GenericJacksonJsonRedisSerializer.builder().enableUnsafeDefaultTyping().build())))
			.build();
		redisCacheManager.afterPropertiesSet();
		this.springRedis = (RedisCache) redisCacheManager.getCache("products");
		this.springRedis.put(KEY, product);
		check(this.tieredRedisOnly.get(KEY).get(), product);
		check(this.springRedis.get(KEY).get(), product);
		check(l2RawLettuceGetAndDecode(), product);
	}

	private static void check(Object actual, Product expected) {
		if (!expected.equals(actual)) {
			throw new IllegalStateException("Benchmark set-up reads back " + actual + ", not " + expected);
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.tieredManager.destroy();
		this.rawConnection.close();
		this.connectionFactory.destroy();
		this.redis.close();
	}

	@Benchmark
	public Object l1RawCaffeine() {
		return this.caffeine.getIfPresent(KEY);
	}

	@Benchmark
	public Object l1SpringCaffeineCache() {
		return this.springCaffeine.get(KEY);
	}

	@Benchmark
	public Object l1SpringCaffeineCacheWithTtl() {
		return this.springCaffeineWithTtl.get(KEY);
	}

	@Benchmark
	public Object l1TieredCache() {
		return this.tieredTwoTier.get(KEY);
	}

	@Benchmark
	public Object l1TieredCacheWithLoader() {
		return this.tieredTwoTier.get(KEY, this.loader);
	}

	@Benchmark
	public Object l1TieredCacheWithLoaderLeasesAndEarlyRefresh() {
		return this.tieredWithEarlyRefresh.get(KEY, this.loader);
	}

	@Benchmark
	@Fork(3)
	public Object l2TieredCache() {
		return this.tieredRedisOnly.get(KEY);
	}

	@Benchmark
	@Fork(3)
	public Object l2RawLettuceGetAndDecode() throws Exception {
		return this.codec.decode(this.raw.get(this.rawKey).get(1, TimeUnit.SECONDS));
	}

	@Benchmark
	@Fork(3)
	public Object l2SpringRedisCache() {
		return this.springRedis.get(KEY);
	}

}
