package io.github.tieredcache.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisCluster;
import io.github.tieredcache.testsupport.RedisServer;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Zipf (s = 1.1) read load over 100,000 keys from several threads against a 3-master
 * Redis Cluster, with hot-key replication off and on: the commands each master served
 * ({@code INFO commandstats}, reset with {@code CONFIG RESETSTAT} before each measured
 * run), their max/min ratio, and the origin load rate. The in-process tier is off, so
 * that every read reaches Redis (the case replicas are for: many instances, or keys
 * written too often for L1 to absorb them).
 * <p>
 * Run (after {@code ./mvnw -q -DskipTests package}):
 * {@code java -cp benchmarks/target/benchmarks.jar io.github.tieredcache.benchmarks.HotKeyLoad [seconds] [threads]}
 */
public final class HotKeyLoad {

	private static final int KEYS = 100_000;

	private static final double SKEW = 1.1;

	private HotKeyLoad() {
	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 10;
		int threads = (args.length > 1) ? Integer.parseInt(args[1]) : 8;
		Zipf zipf = new Zipf(KEYS, SKEW);
		System.out.printf(Locale.ROOT, "Zipf s=%.1f over %,d keys, %d threads, %d s measured per run%n", SKEW, KEYS,
				threads, seconds);
		try (RedisCluster cluster = RedisCluster.start()) {
			List<RedisServer> masters = new ArrayList<>();
			for (RedisServer node : cluster.nodes()) {
				if (node.command("INFO", "replication").contains("role:master")) {
					masters.add(node);
				}
			}
			System.out.println("| replication | reads/s | origin loads/s | commands per master | max/min | hot keys |");
			System.out.println("| --- | ---: | ---: | --- | ---: | ---: |");
			for (boolean replicate : new boolean[] { false, true }) {
				run(cluster, masters, replicate, zipf, seconds, threads);
			}
		}
	}

	private static void run(RedisCluster cluster, List<RedisServer> masters, boolean replicate, Zipf zipf, int seconds,
			int threads) throws Exception {
		for (RedisServer master : masters) {
			master.command("FLUSHALL");
		}
		LettuceConnectionFactory factory = cluster.connectionFactory();
		// the same namespace version in both runs: every key in the same slot, so that
		// the runs differ by replication only
		String prefix = "load";
		try (var connection = factory.getClusterConnection()) {
			connection.stringCommands()
				.set((prefix + ":items:ns").getBytes(StandardCharsets.UTF_8),
						"1700000000000-bench".getBytes(StandardCharsets.UTF_8));
		}
		CacheSettings settings = CacheSettings.builder()
			.localEnabled(false)
			.ttl(Duration.ofMinutes(30))
			.hotKeys(new CacheSettings.HotKeys(replicate, 0.01, 16, 0))
			.build();
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(factory)
			.keyPrefix(prefix)
			.invalidation(prefix + ":invalidation", Duration.ofSeconds(1))
			.hotKeys(Duration.ofSeconds(1))
			.cache("items", settings)
			.build();
		try {
			TieredCache cache = manager.getCache("items");
			LongAdder loads = new LongAdder();
			// warm: fill Redis and let the hot keys be found and replicated
			drive(cache, zipf, threads, Duration.ofSeconds(Math.max(3, seconds / 2)), loads, new LongAdder());
			for (RedisServer master : masters) {
				master.command("CONFIG", "RESETSTAT");
			}
			loads.reset();
			LongAdder reads = new LongAdder();
			drive(cache, zipf, threads, Duration.ofSeconds(seconds), loads, reads);
			long[] perMaster = new long[masters.size()];
			for (int i = 0; i < perMaster.length; i++) {
				perMaster[i] = dataCommands(masters.get(i).command("INFO", "commandstats"));
			}
			long max = Arrays.stream(perMaster).max().orElse(0);
			long min = Arrays.stream(perMaster).min().orElse(0);
			System.out.printf(Locale.ROOT, "| %s | %,d | %,.1f | %s | %.2f | %d |%n", replicate ? "on" : "off",
					reads.sum() / seconds, (double) loads.sum() / seconds, Arrays.toString(perMaster),
					(min > 0) ? (double) max / min : Double.NaN, cache.getHotKeys().size());
			var statistics = cache.getStatistics();
			System.err.printf(Locale.ROOT,
					"  (%s: redis hits %,d, misses %,d, loads %,d, lease waits %,d, rejected fills %,d, undecodable %,d,"
							+ " saturated %,d)%n",
					replicate ? "on" : "off", statistics.redisHits(), statistics.misses(), statistics.loads(),
					statistics.leaseWaits(), statistics.rejectedFills(), statistics.undecodable(),
					statistics.saturated());
		}
		finally {
			manager.destroy();
			factory.destroy();
		}
	}

	private static void drive(TieredCache cache, Zipf zipf, int threads, Duration duration, LongAdder loads,
			LongAdder reads) throws InterruptedException {
		AtomicBoolean stop = new AtomicBoolean();
		CountDownLatch done = new CountDownLatch(threads);
		for (int t = 0; t < threads; t++) {
			SplittableRandom random = new SplittableRandom(1234 + t);
			Thread thread = new Thread(() -> {
				try {
					while (!stop.get()) {
						String key = "item-" + zipf.rank(random);
						cache.get(key, () -> {
							loads.increment();
							return key;
						});
						reads.increment();
					}
				}
				finally {
					done.countDown();
				}
			});
			thread.setDaemon(true);
			thread.start();
		}
		Thread.sleep(duration.toMillis());
		stop.set(true);
		done.await();
	}

	/**
	 * Sum the calls of the commands that read or write data (not INFO, CONFIG, CLUSTER,
	 * PING, PUBLISH, …).
	 */
	static long dataCommands(String commandStats) {
		long calls = 0;
		for (String line : commandStats.split("\r?\n")) {
			if (!line.startsWith("cmdstat_")) {
				continue;
			}
			String command = line.substring("cmdstat_".length(), line.indexOf(':'));
			if (List.of("get", "set", "mget", "unlink", "del", "eval", "evalsha", "eval_ro", "evalsha_ro")
				.contains(command)) {
				int from = line.indexOf("calls=") + "calls=".length();
				calls += Long.parseLong(line.substring(from, line.indexOf(',', from)));
			}
		}
		return calls;
	}

}
