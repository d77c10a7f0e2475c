package io.github.tieredcache.benchmarks.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.tieredcache.benchmarks.Zipf;
import org.HdrHistogram.Histogram;

/**
 * The end-to-end load driver of {@code benchmarks/load-test.sh}: a fixed number of
 * threads send a read-heavy mix to the sample app's instances (round robin, as a load
 * balancer would) for a fixed time, and it reports requests per second, latency
 * percentiles, the cache's hit ratios (from each instance's {@code cache.gets} meters)
 * and PostgreSQL's own count of transactions in the sample's database
 * ({@code pg_stat_database}).
 * <p>
 * The mix: {@code GET /products/{id}} for a share of {@code 1 - writes}; the rest are
 * price changes ({@code PUT /products/{id}/price}) and stock updates ({@code PUT
 * /products/{id}/stock}), half each. Product ids follow a Zipf distribution (exponent
 * {@code zipf}) over {@code 1..products}, ranks shuffled over the ids with a fixed seed
 * so the hot products are not neighbours in the table.
 * <p>
 * Options ({@code --name=value}): {@code targets} (comma-separated base URLs),
 * {@code threads}, {@code duration}, {@code warmup}, {@code settle} (quiet time before
 * reading PostgreSQL's counters: an idle backend reports its last second of statistics
 * only after 10 s), {@code products}, {@code zipf}, {@code writes}, {@code seed},
 * {@code jdbc}, {@code db-user}, {@code label}, {@code reads} (the path the reads go to,
 * before the id: {@code /products/}, the product page with its HTTP caching, by default;
 * {@code /api/products/} for the same data without it), {@code report} ({@code load} or
 * {@code cold-start}: waits for every instance's readiness first and measures from its
 * first request), {@code table} (a Markdown file the result row is appended to).
 */
public final class LoadTest {

	private static final Pattern COUNT = Pattern
		.compile("\"statistic\"\\s*:\\s*\"COUNT\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.Ee+-]+)");

	private final Options options;

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final ZipfIds ids;

	private LoadTest(Options options) {
		this.options = options;
		this.ids = new ZipfIds(options.products, options.zipf, options.seed);
	}

	public static void main(String[] args) throws Exception {
		Options options = Options.parse(args);
		new LoadTest(options).run();
	}

	private void run() throws Exception {
		long start = System.nanoTime();
		boolean coldStart = this.options.report.equals("cold-start");
		double readyAfter = 0;
		if (coldStart) {
			for (String target : this.options.targets) {
				awaitReady(target, start);
			}
			readyAfter = (System.nanoTime() - start) / 1e9;
		}
		if (!this.options.warmup.isZero()) {
			traffic(this.options.warmup);
			Thread.sleep(this.options.settle.toMillis());
		}
		DatabaseCounters dbBefore = DatabaseCounters.read(this.options);
		Tiers tiersBefore = tiers();
		Result result = traffic(this.options.duration);
		Tiers tiersAfter = tiers();
		Thread.sleep(this.options.settle.toMillis());
		DatabaseCounters dbAfter = DatabaseCounters.read(this.options);
		report(result, tiersAfter.minus(tiersBefore), dbAfter.minus(dbBefore), readyAfter);
	}

	private void awaitReady(String target, long start) throws InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create(target + "/actuator/health/readiness"))
			.timeout(Duration.ofSeconds(2))
			.build();
		while (System.nanoTime() - start < Duration.ofMinutes(3).toNanos()) {
			try {
				if (this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			Thread.sleep(20);
		}
		throw new IllegalStateException(target + " did not report ready within 3 minutes");
	}

	private Result traffic(Duration duration) throws InterruptedException {
		long deadline = System.nanoTime() + duration.toNanos();
		Result result = new Result();
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < this.options.threads; i++) {
			SplittableRandom random = new SplittableRandom(this.options.seed * 31 + i + System.nanoTime());
			int first = i;
			Thread thread = new Thread(() -> {
				Histogram latencies = new Histogram(60_000_000L, 3);
				int next = first;
				while (System.nanoTime() < deadline) {
					String target = this.options.targets.get(next++ % this.options.targets.size());
					send(request(target, random), latencies, result);
				}
				synchronized (result.latencies) {
					result.latencies.add(latencies);
				}
			}, "load-" + i);
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		result.seconds = duration.toNanos() / 1e9;
		return result;
	}

	private HttpRequest request(String target, SplittableRandom random) {
		long id = this.ids.next(random);
		double kind = random.nextDouble();
		if (kind >= this.options.writes) {
			return HttpRequest.newBuilder(URI.create(target + this.options.reads + id)).GET().build();
		}
		boolean price = kind < this.options.writes / 2;
		String body = price ? String.format(Locale.ROOT, "%d.%02d", 1 + random.nextInt(500), random.nextInt(100))
				: Integer.toString(random.nextInt(1000));
		return HttpRequest.newBuilder(URI.create(target + "/products/" + id + (price ? "/price" : "/stock")))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString(body))
			.build();
	}

	private void send(HttpRequest request, Histogram latencies, Result result) {
		long start = System.nanoTime();
		try {
			int status = this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
			latencies.recordValue(Math.min((System.nanoTime() - start) / 1_000, latencies.getHighestTrackableValue()));
			(request.method().equals("GET") ? result.reads : result.writes).incrementAndGet();
			if (status / 100 != 2) {
				result.errors.incrementAndGet();
			}
		}
		catch (IOException ex) {
			result.errors.incrementAndGet();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private Tiers tiers() {
		long local = 0;
		long redis = 0;
		long none = 0;
		boolean present = false;
		for (String target : this.options.targets) {
			Long l = cacheGets(target, "local");
			Long r = cacheGets(target, "redis");
			Long n = cacheGets(target, "none");
			if (l != null || r != null || n != null) {
				present = true;
				local += (l != null) ? l : 0;
				redis += (r != null) ? r : 0;
				none += (n != null) ? n : 0;
			}
		}
		long busTrouble = 0;
		for (String target : this.options.targets) {
			for (String meter : List.of("tiered.cache.bus.silences", "tiered.cache.bus.gaps",
					"tiered.cache.bus.dropped")) {
				Long count = meterCount(target, meter);
				busTrouble += (count != null) ? count : 0;
			}
		}
		return new Tiers(present, local, redis, none, busTrouble);
	}

	private Long cacheGets(String target, String tier) {
		return meterCount(target, "cache.gets?tag=tier:" + tier);
	}

	private Long meterCount(String target, String meterAndTags) {
		HttpRequest request = HttpRequest.newBuilder(URI.create(target + "/actuator/metrics/" + meterAndTags))
			.timeout(Duration.ofSeconds(5))
			.build();
		try {
			HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() == 404) {
				// no such meter: caching is off, or nothing counted yet
				return null;
			}
			Matcher count = COUNT.matcher(response.body());
			if (response.statusCode() != 200 || !count.find()) {
				throw new IllegalStateException(request.uri() + " answered " + response.statusCode());
			}
			return (long) Double.parseDouble(count.group(1));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private void report(Result result, Tiers tiers, DatabaseCounters db, double readyAfter) throws IOException {
		Histogram latencies = new Histogram(60_000_000L, 3);
		result.latencies.forEach(latencies::add);
		long requests = result.reads.get() + result.writes.get();
		String l1 = tiers.present ? ratio(tiers.local, tiers.local + tiers.redis + tiers.none) : "—";
		String l2 = tiers.present ? ratio(tiers.redis, tiers.redis + tiers.none) : "—";
		Map<String, String> row = new LinkedHashMap<>();
		row.put("mode", this.options.label);
		if (this.options.report.equals("cold-start")) {
			row.put("ready after launch (s)", String.format(Locale.ROOT, "%.1f", readyAfter));
			row.put("requests", Long.toString(requests));
			row.put("L1 hit ratio", l1);
			row.put("L2 hit ratio (of L1 misses)", l2);
			row.put("DB transactions", Long.toString(db.transactions));
			row.put("DB transactions per 1,000 requests",
					String.format(Locale.ROOT, "%,.1f", 1000.0 * db.transactions / Math.max(1, requests)));
			row.put("p50 (ms)", millis(latencies.getValueAtPercentile(50)));
			row.put("p99 (ms)", millis(latencies.getValueAtPercentile(99)));
			row.put("max (ms)", millis(latencies.getMaxValue()));
		}
		else {
			row.put("requests/s", String.format(Locale.ROOT, "%,.0f", requests / result.seconds));
			row.put("p50 (ms)", millis(latencies.getValueAtPercentile(50)));
			row.put("p99 (ms)", millis(latencies.getValueAtPercentile(99)));
			row.put("L1 hit ratio", l1);
			row.put("L2 hit ratio (of L1 misses)", l2);
			row.put("DB transactions/s", String.format(Locale.ROOT, "%,.0f", db.transactions / result.seconds));
			row.put("DB transactions per 1,000 requests",
					String.format(Locale.ROOT, "%,.1f", 1000.0 * db.transactions / Math.max(1, requests)));
		}
		row.put("L1 emptied by the bus", tiers.present ? Long.toString(tiers.busTrouble) : "—");
		row.put("errors", Long.toString(result.errors.get()));
		System.out.println("load-test " + row);
		if (this.options.table != null) {
			Path table = Path.of(this.options.table);
			StringBuilder text = new StringBuilder();
			if (!Files.exists(table) || Files.size(table) == 0) {
				text.append("| ").append(String.join(" | ", row.keySet())).append(" |\n");
				text.append("|").append(" --- |".repeat(row.size())).append('\n');
			}
			text.append("| ").append(String.join(" | ", row.values())).append(" |\n");
			Files.writeString(table, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
					StandardOpenOption.APPEND);
		}
	}

	private static String ratio(long part, long whole) {
		return (whole == 0) ? "—" : String.format(Locale.ROOT, "%.3f", (double) part / whole);
	}

	private static String millis(long micros) {
		return String.format(Locale.ROOT, "%.2f", micros / 1000.0);
	}

	/**
	 * What one traffic phase counted.
	 */
	private static final class Result {

		private final AtomicLong reads = new AtomicLong();

		private final AtomicLong writes = new AtomicLong();

		private final AtomicLong errors = new AtomicLong();

		private final List<Histogram> latencies = new ArrayList<>();

		private double seconds;

	}

	/**
	 * Lookups answered by each tier ({@code cache.gets} by {@code tier}), and the times
	 * the invalidation bus had the in-process tiers emptied or bypassed (silences, gaps,
	 * dropped messages), summed over the instances.
	 */
	private record Tiers(boolean present, long local, long redis, long none, long busTrouble) {

		Tiers minus(Tiers before) {
			return new Tiers(this.present, this.local - before.local, this.redis - before.redis,
					this.none - before.none, this.busTrouble - before.busTrouble);
		}

	}

	/**
	 * PostgreSQL's own counters for the database ({@code pg_stat_database}).
	 */
	private record DatabaseCounters(long transactions) {

		static DatabaseCounters read(Options options) throws SQLException {
			try (Connection connection = DriverManager.getConnection(options.jdbc, options.dbUser, "");
					Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("SELECT xact_commit + xact_rollback"
							+ " FROM pg_stat_database WHERE datname = current_database()")) {
				rows.next();
				return new DatabaseCounters(rows.getLong(1));
			}
		}

		DatabaseCounters minus(DatabaseCounters before) {
			return new DatabaseCounters(this.transactions - before.transactions);
		}

	}

	/**
	 * Product ids by a Zipf distribution: rank {@code k} has weight {@code k^-s}; ranks
	 * are mapped to ids by a fixed shuffle. Thread-safe.
	 */
	static final class ZipfIds {

		private final Zipf ranks;

		private final long[] idOfRank;

		ZipfIds(int products, double exponent, long seed) {
			this.ranks = new Zipf(products, exponent);
			this.idOfRank = new long[products];
			for (int i = 0; i < products; i++) {
				this.idOfRank[i] = i + 1;
			}
			SplittableRandom shuffle = new SplittableRandom(seed);
			for (int i = products - 1; i > 0; i--) {
				int j = shuffle.nextInt(i + 1);
				long swap = this.idOfRank[i];
				this.idOfRank[i] = this.idOfRank[j];
				this.idOfRank[j] = swap;
			}
		}

		long next(SplittableRandom random) {
			return this.idOfRank[this.ranks.rank(random)];
		}

	}

	/**
	 * The command line.
	 */
	private static final class Options {

		private List<String> targets = List.of("http://127.0.0.1:8080");

		private int threads = 8;

		private Duration duration = Duration.ofSeconds(30);

		private Duration warmup = Duration.ofSeconds(10);

		private Duration settle = Duration.ofSeconds(11);

		private int products = 100_000;

		private double zipf = 1.1;

		private double writes = 0.05;

		private long seed = 42;

		private String jdbc = "jdbc:postgresql://127.0.0.1:5432/postgres";

		private String dbUser = "postgres";

		private String label = "run";

		private String reads = "/products/";

		private String report = "load";

		private String table;

		static Options parse(String[] args) {
			Options options = new Options();
			for (String arg : args) {
				int equals = arg.indexOf('=');
				if (!arg.startsWith("--") || equals < 0) {
					throw new IllegalArgumentException("Expected --name=value, got '" + arg + "'");
				}
				String name = arg.substring(2, equals);
				String value = arg.substring(equals + 1);
				switch (name) {
					case "targets" -> options.targets = List.of(value.split(","));
					case "threads" -> options.threads = Integer.parseInt(value);
					case "duration" -> options.duration = duration(value);
					case "warmup" -> options.warmup = duration(value);
					case "settle" -> options.settle = duration(value);
					case "products" -> options.products = Integer.parseInt(value);
					case "zipf" -> options.zipf = Double.parseDouble(value);
					case "writes" -> options.writes = Double.parseDouble(value);
					case "seed" -> options.seed = Long.parseLong(value);
					case "jdbc" -> options.jdbc = value;
					case "db-user" -> options.dbUser = value;
					case "label" -> options.label = value;
					case "reads" -> options.reads = value;
					case "report" -> options.report = value;
					case "table" -> options.table = value;
					default -> throw new IllegalArgumentException("Unknown option --" + name);
				}
			}
			if (!options.report.equals("load") && !options.report.equals("cold-start")) {
				throw new IllegalArgumentException("--report must be 'load' or 'cold-start'");
			}
			return options;
		}

		private static Duration duration(String value) {
			if (value.endsWith("ms")) {
				return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
			}
			if (value.endsWith("m")) {
				return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
			}
			return Duration
				.ofSeconds(Long.parseLong(value.endsWith("s") ? value.substring(0, value.length() - 1) : value));
		}

	}

}
