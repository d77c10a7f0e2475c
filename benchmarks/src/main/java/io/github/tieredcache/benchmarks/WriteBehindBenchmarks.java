package io.github.tieredcache.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;
import org.openjdk.jmh.annotations.AuxCounters;
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

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code @WriteBehind} from one thread or several ({@code -t 16}): calls per second (each
 * updates both tiers and appends to the stream, waiting for Redis's acknowledgement),
 * and, as auxiliary counters, how many rows the batch writer wrote for those calls — over
 * 100 keys, so that the flusher coalesces.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar WriteBehindBenchmarks} (add
 * {@code -t 16} for 16 callers). {@link WriteBehindLoad} measures the same with a JDBC
 * batch writer on PostgreSQL, and the backlog.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WriteBehindBenchmarks {

	static final AtomicLong rows = new AtomicLong();

	private RedisServer redis;

	private ConfigurableApplicationContext context;

	private Counters counters;

	@Setup(Level.Trial)
	public void setUp() {
		this.redis = RedisServer.start();
		this.context = new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
			.properties("spring.data.redis.port=" + this.redis.port(), "tiered-cache.key-prefix=bench-wb",
					"tiered-cache.serialization.allowed-packages=io.github.tieredcache.**",
					"tiered-cache.write-behind.batch-size=1000", "tiered-cache.write-behind.flush-interval=100ms",
					"logging.level.root=warn")
			.run();
		this.counters = this.context.getBean(Counters.class);
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.context.close();
		this.redis.close();
	}

	@Benchmark
	public void writeBehindCall(Coalescing coalescing) {
		long call = coalescing.calls++;
		// each thread its own keys: with -t N, N threads over 100 keys each
		this.counters.set(coalescing.thread * 100 + call % 100, call);
		coalescing.rowsWritten = rows.get();
	}

	/**
	 * Calls made and rows the batch writer wrote for them.
	 */
	@State(Scope.Thread)
	@AuxCounters(AuxCounters.Type.EVENTS)
	public static class Coalescing {

		private static final AtomicLong threads = new AtomicLong();

		public long calls;

		/**
		 * Rows written in the iteration so far (by every thread's calls: with several
		 * threads, read it from one thread's figure, not the sum).
		 */
		public long rowsWritten;

		final long thread = threads.getAndIncrement();

		@Setup(Level.Iteration)
		public void reset() {
			this.calls = 0;
			this.rowsWritten = 0;
			rows.set(0);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class })
	static class Application {

		@Bean
		Counters counters() {
			return new Counters();
		}

		@Bean
		WriteBehindBatchWriter<Long, Long> counterWriter() {
			return (entries) -> rows.addAndGet(entries.size());
		}

	}

	public static class Counters {

		@WriteBehind(cache = "counters", key = "#id", value = "#value", batchWriter = "counterWriter")
		public void set(long id, long value) {
		}

	}

}
