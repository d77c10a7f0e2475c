package io.github.tieredcache.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A stampede: 32 threads spread over 4 instances (managers with their own connections)
 * miss one cold key at once; the loader takes 5 ms. Each invocation uses a fresh key and
 * reports the time until every caller has its value, and, as an auxiliary counter, how
 * many times the loader ran ({@code loads}), with leases on and off.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar StampedeBenchmarks}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 30)
@Fork(1)
public class StampedeBenchmarks {

	private static final int INSTANCES = 4;

	private static final int CALLERS = 32;

	@Param({ "true", "false" })
	public boolean leases;

	private RedisServer redis;

	private final List<LettuceConnectionFactory> connections = new ArrayList<>();

	private final List<TieredCacheManager> managers = new ArrayList<>();

	private final List<TieredCache> caches = new ArrayList<>();

	private ExecutorService callers;

	private final AtomicLong keys = new AtomicLong();

	private final AtomicLong loadCount = new AtomicLong();

	@Setup(Level.Trial)
	public void setUp() {
		this.redis = RedisServer.start();
		for (int i = 0; i < INSTANCES; i++) {
			LettuceConnectionFactory connection = this.redis.connectionFactory();
			TieredCacheManager manager = TieredCacheManager.builder()
				.redis(connection)
				.keyPrefix("stampede")
				.valueCodec(new JacksonValueCodec(List.of("io.github.tieredcache.benchmarks")))
				.cache("products",
						CacheSettings.builder()
							.lease(new CacheSettings.Lease(this.leases, Duration.ofSeconds(5), Duration.ofSeconds(1)))
							.build())
				.build();
			this.connections.add(connection);
			this.managers.add(manager);
			this.caches.add(manager.getCache("products"));
		}
		this.callers = Executors.newFixedThreadPool(CALLERS);
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.callers.shutdownNow();
		this.managers.forEach(TieredCacheManager::destroy);
		this.connections.forEach(LettuceConnectionFactory::destroy);
		this.redis.close();
	}

	@Benchmark
	public void stampede(Loads loads) throws Exception {
		String key = "cold-" + this.keys.incrementAndGet();
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> calls = new ArrayList<>(CALLERS);
		long loadsBefore = this.loadCount.get();
		for (int i = 0; i < CALLERS; i++) {
			TieredCache cache = this.caches.get(i % INSTANCES);
			calls.add(this.callers.submit(() -> {
				start.await();
				return cache.get(key, () -> {
					this.loadCount.incrementAndGet();
					Thread.sleep(5);
					return Product.sample();
				});
			}));
		}
		start.countDown();
		for (Future<?> call : calls) {
			call.get();
		}
		loads.loads += this.loadCount.get() - loadsBefore;
	}

	/**
	 * Loader runs per stampede, reported beside the time.
	 */
	@State(Scope.Thread)
	@AuxCounters(AuxCounters.Type.EVENTS)
	public static class Loads {

		public long loads;

	}

}
