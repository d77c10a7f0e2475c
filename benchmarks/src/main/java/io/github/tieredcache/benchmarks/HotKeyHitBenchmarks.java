package io.github.tieredcache.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
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

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The in-process hit with hot keys off and on: a cache without hot keys, and in a cache
 * with them (its Caffeine bounded by weight) a key the fleet agreed is hot (pinned) and
 * one that is not. Hot keys are counted on the Redis read path only, so the three should
 * be the same.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar HotKeyHitBenchmarks -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class HotKeyHitBenchmarks {

	private static final Long HOT = 42L;

	private static final Long COLD = 43L;

	private RedisServer redis;

	private LettuceConnectionFactory connectionFactory;

	private TieredCacheManager manager;

	private TieredCache off;

	private TieredCache on;

	@Setup(Level.Trial)
	public void setUp() throws InterruptedException {
		Product product = Product.sample();
		this.redis = RedisServer.start();
		this.connectionFactory = this.redis.connectionFactory();
		this.manager = TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix("bench")
			.valueCodec(new JacksonValueCodec(List.of("io.github.tieredcache.benchmarks")))
			.invalidation("bench:invalidation", Duration.ofSeconds(1))
			.hotKeys(Duration.ofMillis(100))
			.cache("off", CacheSettings.builder().build())
			.cache("on", CacheSettings.builder().hotKeys(new CacheSettings.HotKeys(true, 0.1, 4, 0)).build())
			.build();
		this.off = this.manager.getCache("off");
		this.on = this.manager.getCache("on");
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (this.on.getHotKeys().isEmpty() || !this.on.isLocalTierServing()) {
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException("The hot key was not detected");
			}
			// in-process misses read Redis, where hot keys are counted
			for (int i = 0; i < 20; i++) {
				this.on.evict(HOT);
				this.on.get(HOT, Product::sample);
			}
			Thread.sleep(50);
		}
		this.off.put(HOT, product);
		this.on.put(HOT, product);
		this.on.put(COLD, product);
		if (this.on.get(HOT) == null || this.on.get(COLD) == null || this.off.get(HOT) == null) {
			throw new IllegalStateException("Benchmark set-up reads nothing back");
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.manager.destroy();
		this.connectionFactory.destroy();
		this.redis.close();
	}

	@Benchmark
	public Object l1HitHotKeysOff() {
		return this.off.get(HOT);
	}

	@Benchmark
	public Object l1HitHotKeysOnPinnedKey() {
		return this.on.get(HOT);
	}

	@Benchmark
	public Object l1HitHotKeysOnOtherKey() {
		return this.on.get(COLD);
	}

}
