package io.github.tieredcache.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A load program for {@code @WriteBehind}: N threads call a {@code @WriteBehind} method
 * with a JDBC batch writer on PostgreSQL (upserts in one transaction per batch) for a
 * fixed time, against a {@code redis-server} of its own. It reports the acknowledged
 * calls per second, the backlog (the stream's length) during and at the end of the run,
 * how long the flusher then took to drain it, and the rows written for the calls; then it
 * checks that every key holds its last acknowledged value in PostgreSQL.
 * <p>
 * Each thread writes keys of its own (key {@code thread + threads * j}), with values that
 * rise with each call, so the last acknowledged value of every key is known.
 * <p>
 * Run (PostgreSQL on 127.0.0.1:5432, user {@code postgres}, trust authentication; a
 * schema of its own is created and dropped):
 * {@code java -cp benchmarks/target/benchmarks.jar io.github.tieredcache.benchmarks.WriteBehindLoad --threads=16 --seconds=20 --warmup=10}
 * <p>
 * Options: {@code --threads} (16), {@code --seconds} measured (20), {@code --warmup}
 * seconds (10), {@code --keys} (10000), {@code --batch-size} (1000),
 * {@code --flush-interval} (100ms), {@code --jdbc-url}
 * ({@code jdbc:postgresql://127.0.0.1:5432/postgres}), and any {@code --tiered-cache.*=…}
 * property.
 */
public final class WriteBehindLoad {

	static final LongAdder rows = new LongAdder();

	static final LongAdder batches = new LongAdder();

	private WriteBehindLoad() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new HashMap<>(Map.of("threads", "16", "seconds", "20", "warmup", "10", "keys",
				"10000", "batch-size", "1000", "flush-interval", "100ms", "jdbc-url",
				"jdbc:postgresql://127.0.0.1:5432/postgres?reWriteBatchedInserts=true"));
		List<String> properties = new ArrayList<>();
		for (String arg : args) {
			String[] pair = arg.replaceFirst("^--", "").split("=", 2);
			if (pair[0].startsWith("tiered-cache.") || pair[0].startsWith("spring.")) {
				properties.add(arg);
			}
			else {
				options.put(pair[0], (pair.length > 1) ? pair[1] : "true");
			}
		}
		int threads = Integer.parseInt(options.get("threads"));
		int seconds = Integer.parseInt(options.get("seconds"));
		int warmup = Integer.parseInt(options.get("warmup"));
		int keys = Integer.parseInt(options.get("keys"));
		String schema = "wb_load_" + UUID.randomUUID().toString().replace("-", "");
		String url = options.get("jdbc-url");
		try (Connection admin = DriverManager.getConnection(url, "postgres", "")) {
			execute(admin, "CREATE SCHEMA " + schema,
					"CREATE TABLE " + schema + ".stock (id BIGINT PRIMARY KEY, quantity BIGINT NOT NULL)");
		}
		RedisServer redis = RedisServer.start();
		ConfigurableApplicationContext context = null;
		try {
			properties.addAll(0,
					List.of("--spring.data.redis.port=" + redis.port(), "--tiered-cache.key-prefix=wb-load",
							"--tiered-cache.serialization.allowed-packages=io.github.tieredcache.**",
							"--tiered-cache.write-behind.batch-size=" + options.get("batch-size"),
							"--tiered-cache.write-behind.flush-interval=" + options.get("flush-interval"),
							"--logging.level.root=warn", "--load.jdbc-url=" + url, "--load.schema=" + schema));
			context = new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
				.run(properties.toArray(new String[0]));
			WriteBehindService service = context.getBean(WriteBehindService.class);
			Stock stock = context.getBean(Stock.class);
			run(stock, service, redis, threads, warmup, seconds, keys, schema, url);
		}
		finally {
			if (context != null) {
				context.close();
			}
			redis.close();
			try (Connection admin = DriverManager.getConnection(url, "postgres", "")) {
				execute(admin, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
			}
		}
	}

	private static void run(Stock stock, WriteBehindService service, RedisServer redis, int threads, int warmup,
			int seconds, int keys, String schema, String url) throws Exception {
		AtomicLong phase = new AtomicLong();
		LongAdder measured = new LongAdder();
		LongAdder failed = new LongAdder();
		long[][] last = new long[threads][];
		CountDownLatch done = new CountDownLatch(threads);
		List<Thread> callers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int thread = t;
			int own = Math.max(1, keys / threads);
			last[t] = new long[own];
			callers.add(new Thread(() -> {
				long call = 0;
				try {
					while (phase.get() < 2) {
						int slot = (int) (call % own);
						long value = ++call;
						try {
							stock.set(thread + (long) threads * slot, value);
							last[thread][slot] = value;
							if (phase.get() == 1) {
								measured.increment();
							}
						}
						catch (RuntimeException ex) {
							// not acknowledged: the key keeps its previous last value
							failed.increment();
						}
					}
				}
				finally {
					done.countDown();
				}
			}, "caller-" + t));
		}
		callers.forEach(Thread::start);
		Thread.sleep(warmup * 1000L);
		long rowsBefore = rows.sum();
		long batchesBefore = batches.sum();
		com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
			.getOperatingSystemMXBean();
		long cpuBefore = os.getProcessCpuTime();
		double redisCpuBefore = redisCpuSeconds(redis);
		phase.set(1);
		long start = System.nanoTime();
		long maxBacklog = 0;
		for (int s = 0; s < seconds; s++) {
			Thread.sleep(1000);
			maxBacklog = Math.max(maxBacklog, service.getQueue().backlog());
		}
		phase.set(2);
		long elapsed = System.nanoTime() - start;
		long calls = measured.sum();
		long cpu = os.getProcessCpuTime() - cpuBefore;
		double redisCpu = redisCpuSeconds(redis) - redisCpuBefore;
		done.await();
		long backlogAtEnd = service.getQueue().backlog();
		long rowsInRun = rows.sum() - rowsBefore;
		long batchesInRun = batches.sum() - batchesBefore;
		long drainStart = System.nanoTime();
		// bounded: a backlog that does not drain is reported, not waited for forever
		while (service.getQueue().backlog() > 0 && System.nanoTime() - drainStart < 120_000_000_000L) {
			Thread.sleep(50);
		}
		long notDrained = service.getQueue().backlog();
		if (notDrained > 0) {
			System.out.printf(Locale.ROOT, "NOT DRAINED within 120 s: %d entries left%n", notDrained);
		}
		long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;
		Map<Long, Long> stored = new HashMap<>();
		try (Connection connection = DriverManager.getConnection(url, "postgres", "");
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT id, quantity FROM " + schema + ".stock")) {
			while (result.next()) {
				stored.put(result.getLong(1), result.getLong(2));
			}
		}
		long wrong = 0;
		long checked = 0;
		for (int t = 0; t < threads; t++) {
			for (int slot = 0; slot < last[t].length; slot++) {
				if (last[t][slot] != 0) {
					checked++;
					Long value = stored.get(t + (long) threads * slot);
					if (value == null || value != last[t][slot]) {
						wrong++;
					}
				}
			}
		}
		double perSecond = calls / (elapsed / 1e9);
		System.out.printf(Locale.ROOT, "threads=%d measured=%ds calls=%d calls/s=%.0f failed=%d%n", threads, seconds,
				calls, perSecond, failed.sum());
		System.out.printf(Locale.ROOT,
				"backlog: max sampled=%d at end=%d drained in %d ms; rows written in the run=%d (%.3f per call) in %d batches%n",
				maxBacklog, backlogAtEnd, drainMillis, rowsInRun, (calls > 0) ? (double) rowsInRun / calls : 0,
				batchesInRun);
		// on a loaded machine calls/s says little; CPU time per call says what a quiet
		// one can do (this JVM's CPU includes its flusher; Redis's is its own process)
		System.out.printf(Locale.ROOT, "cpu per call: this JVM %.1f us, redis-server %.1f us (machine load %.1f)%n",
				(calls > 0) ? cpu / 1000.0 / calls : 0, (calls > 0) ? redisCpu * 1e6 / calls : 0,
				os.getSystemLoadAverage());
		System.out.printf(Locale.ROOT, "keys checked=%d without their last acknowledged value=%d%n", checked, wrong);
		if (wrong > 0) {
			throw new IllegalStateException(wrong + " keys do not hold their last acknowledged value");
		}
	}

	private static double redisCpuSeconds(RedisServer redis) {
		double seconds = 0;
		for (String line : redis.command("INFO", "cpu").split("\\R")) {
			if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
				seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
			}
		}
		return seconds;
	}

	private static void execute(Connection connection, String... statements) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class })
	static class Application {

		@Bean
		Stock stock() {
			return new Stock();
		}

		@Bean(destroyMethod = "close")
		StockWriter stockWriter(org.springframework.core.env.Environment environment) throws SQLException {
			return new StockWriter(environment.getRequiredProperty("load.jdbc-url"),
					environment.getRequiredProperty("load.schema"));
		}

	}

	public static class Stock {

		@WriteBehind(cache = "stock", key = "#id", value = "#quantity", batchWriter = "stockWriter")
		public void set(long id, long quantity) {
		}

	}

	/**
	 * One JDBC batch of upserts per call, committed in one transaction: the flusher's one
	 * thread calls it.
	 */
	static final class StockWriter implements WriteBehindBatchWriter<Long, Long>, AutoCloseable {

		private final Connection connection;

		private final String upsert;

		StockWriter(String url, String schema) throws SQLException {
			this.connection = DriverManager.getConnection(url, "postgres", "");
			this.connection.setAutoCommit(false);
			this.upsert = "INSERT INTO " + schema + ".stock (id, quantity) VALUES (?, ?) "
					+ "ON CONFLICT (id) DO UPDATE SET quantity = EXCLUDED.quantity";
		}

		@Override
		public synchronized void writeAll(Map<Long, Long> entries) {
			try (PreparedStatement statement = this.connection.prepareStatement(this.upsert)) {
				for (Map.Entry<Long, Long> entry : entries.entrySet()) {
					statement.setLong(1, entry.getKey());
					statement.setLong(2, entry.getValue());
					statement.addBatch();
				}
				statement.executeBatch();
				this.connection.commit();
			}
			catch (SQLException ex) {
				try {
					this.connection.rollback();
				}
				catch (SQLException rollback) {
					ex.addSuppressed(rollback);
				}
				throw new IllegalStateException(ex);
			}
			rows.add(entries.size());
			batches.increment();
		}

		@Override
		public synchronized void close() throws SQLException {
			this.connection.close();
		}

	}

}
