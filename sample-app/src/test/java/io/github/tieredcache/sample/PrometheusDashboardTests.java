package io.github.tieredcache.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app's {@code /actuator/prometheus} scrape has every series the Grafana
 * dashboard ({@code docs/grafana/tiered-cache-dashboard.json}) queries: each metric name
 * in an {@code expr} (or a {@code label_values} variable), with the label values the
 * query fixes ({@code tier="local"}, {@code state="open"}, ...).
 * <p>
 * Against a real Redis, with a second instance (a peer on the same Redis and key prefix)
 * so that the scraped instance sees a hit in each tier, a miss, a write, a deferred write
 * and an invalidation from another instance (the bus delay).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class PrometheusDashboardTests {

	private static final Path DASHBOARD = Path.of("../docs/grafana/tiered-cache-dashboard.json");

	private static final RedisServer redis = RedisServer.shared();

	private static final String NAME = "dashboard-" + UUID.randomUUID();

	// a hit in Redis must not turn into a miss because the build machine is busy
	private static final String COMMAND_TIMEOUT = "5s";

	private static ConfigurableApplicationContext peer;

	@LocalServerPort
	private int port;

	@Autowired
	private TieredCacheManager cacheManager;

	@Autowired
	private JdbcClient jdbc;

	@DynamicPropertySource
	static void sampleOnPrivateRedis(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.port", redis::port);
		registry.add("spring.datasource.url", () -> "jdbc:h2:mem:" + NAME + ";DB_CLOSE_DELAY=-1");
		registry.add("tiered-cache.key-prefix", () -> NAME);
		registry.add("tiered-cache.redis.command-timeout", () -> COMMAND_TIMEOUT);
	}

	@BeforeAll
	static void startPeer() {
		// command-line arguments: SpringApplicationBuilder.properties(...) are defaults,
		// below the sample's application.yml (which names port 6379 and its own database)
		peer = new SpringApplicationBuilder(SampleApplication.class).run("--spring.main.web-application-type=none",
				"--spring.data.redis.port=" + redis.port(),
				"--spring.datasource.url=jdbc:h2:mem:" + NAME + ";DB_CLOSE_DELAY=-1",
				"--tiered-cache.key-prefix=" + NAME, "--tiered-cache.redis.command-timeout=" + COMMAND_TIMEOUT);
	}

	@AfterAll
	static void stopPeer() {
		if (peer != null) {
			peer.close();
		}
	}

	@Test
	void everySeriesTheDashboardQueriesIsScraped() throws IOException {
		exerciseTheCatalogue();
		List<Selector> queried = dashboardSelectors(Files.readString(DASHBOARD));
		assertThat(queried).as("selectors found in the dashboard").hasSizeGreaterThan(20);
		Scrape scrape = scrape();
		assertThat(scrape.missing(queried)).as("dashboard queries without a series in /actuator/prometheus").isEmpty();
	}

	@Test
	void aQueryOfAMetricThatDoesNotExistIsReportedMissing() {
		String dashboard = """
				{ "panels": [ { "targets": [
				  { "expr": "sum(rate(cache_gets_total{result=\\"hit\\",tier=\\"local\\"}[$__rate_interval]))" },
				  { "expr": "sum by (cache) (rate(tiered_cache_no_such_meter_total{job=~\\"$job\\"}[5m]))" },
				  { "expr": "sum(rate(cache_gets_total{tier=\\"l1\\"}[5m])) / sum(rate(cache_gets_total[5m]))" },
				  { "expr": "histogram_quantile(0.99, sum by (le) (rate(tiered_cache_bus_delay_bucket[5m])))" }
				] } ] }
				""";
		List<Selector> queried = dashboardSelectors(dashboard);
		assertThat(queried).extracting(Selector::name)
			.containsExactly("cache_gets_total", "tiered_cache_no_such_meter_total", "cache_gets_total",
					"cache_gets_total", "tiered_cache_bus_delay_bucket");
		assertThat(scrape().missing(queried)).containsExactly(queried.get(1), queried.get(2), queried.get(4));
	}

	/**
	 * A miss, a hit in each tier and a write in {@code products}; {@code @Cacheable} in
	 * {@code category-counts}; a deferred write in {@code stock}, written; an
	 * invalidation from the peer, applied here (the bus delay).
	 */
	private void exerciseTheCatalogue() {
		for (TieredCacheManager manager : List.of(this.cacheManager, peer.getBean(TieredCacheManager.class))) {
			await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
		}
		RestClient http = RestClient.create("http://localhost:" + this.port);
		CatalogService peerCatalog = peer.getBean(CatalogService.class);

		http.get().uri("/products/2").retrieve().toBodilessEntity();
		http.get().uri("/products/2").retrieve().toBodilessEntity();
		http.put()
			.uri("/products/1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.body("19.90")
			.retrieve()
			.toBodilessEntity();
		http.get().uri("/categories/2/count").retrieve().toBodilessEntity();
		http.get().uri("/categories/2/count").retrieve().toBodilessEntity();
		http.put()
			.uri("/products/3/stock")
			.contentType(MediaType.APPLICATION_JSON)
			.body("42")
			.retrieve()
			.toBodilessEntity();
		// the peer's write reaches Redis and, through the bus, empties this instance's
		// in-process copy: the next read here is a Redis hit
		peerCatalog.changePrice(2L, new BigDecimal("99.00"));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			http.get().uri("/products/2").retrieve().toBodilessEntity();
			assertThat(scrape().value("cache_gets_total", Map.of("cache", "products", "tier", "redis"))).isPositive();
		});

		// either instance's flusher may write it: the database tells
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.jdbc.sql("SELECT quantity FROM stock WHERE product_id = 3")
				.query(Integer.class)
				.single() == 42);
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			Scrape scrape = scrape();
			assertThat(scrape.value("cache_gets_total", Map.of("cache", "products", "result", "hit", "tier", "local")))
				.isPositive();
			assertThat(scrape.value("cache_gets_total", Map.of("cache", "products", "result", "hit", "tier", "redis")))
				.isPositive();
			assertThat(scrape.value("cache_gets_total", Map.of("cache", "products", "result", "miss", "tier", "none")))
				.isPositive();
			assertThat(scrape.value("cache_puts_total", Map.of("cache", "products"))).isPositive();
			assertThat(scrape.value("cache_gets_total", Map.of("cache", "category-counts", "result", "hit")))
				.isPositive();
			assertThat(scrape.value("tiered_cache_bus_delay_seconds_count", Map.of())).isPositive();
		});
	}

	private Scrape scrape() {
		String body = RestClient.create("http://localhost:" + this.port)
			.get()
			.uri("/actuator/prometheus")
			.retrieve()
			.body(String.class);
		assertThat(body).isNotNull();
		try {
			// the last scrape, to read when a dashboard query is reported missing
			Files.writeString(Path.of("target/prometheus-scrape.txt"), body);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return Scrape.parse(body);
	}

	// Selectors of the PromQL the dashboard runs: every "expr" (panels, rows, nested
	// panels) and every query variable's label_values(...) metric.
	static List<Selector> dashboardSelectors(String dashboardJson) {
		JsonNode dashboard = JsonMapper.builder().build().readTree(dashboardJson);
		List<Selector> selectors = new ArrayList<>();
		for (JsonNode expr : dashboard.findValues("expr")) {
			selectors.addAll(Selector.parse(expr.asString()));
		}
		for (JsonNode variable : dashboard.path("templating").path("list")) {
			JsonNode query = variable.path("query");
			String text = query.isObject() ? query.path("query").asString() : query.asString();
			Matcher labelValues = LABEL_VALUES.matcher(text);
			if ("query".equals(variable.path("type").asString()) && labelValues.find()) {
				selectors.addAll(Selector.parse(labelValues.group(1)));
			}
		}
		return selectors;
	}

	private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*[a-zA-Z_]+\\s*\\)");

	/**
	 * A series selector: a metric name and the label values it requires (from
	 * {@code label="value"} matchers; regular expressions, negations and Grafana
	 * variables constrain nothing here).
	 */
	record Selector(String name, Map<String, String> labels) {

		private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

		private static final Pattern NAME_AND_MATCHERS = Pattern
			.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*\\})?\\s*(\\()?");

		private static final Pattern MATCHER = Pattern
			.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!=|!~|=)\\s*\"([^\"]*)\"");

		private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
				"group_right", "and", "or", "unless", "bool", "offset", "inf", "nan");

		static List<Selector> parse(String promql) {
			// range selectors ([5m], [$__rate_interval]), Grafana variables, grouping
			// label lists: none of them name a metric
			String text = promql.replaceAll("\\[[^\\]]*\\]", " ")
				.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
				.replaceAll("\\$\\{?[a-zA-Z_][a-zA-Z0-9_]*\\}?", "");
			List<Selector> selectors = new ArrayList<>();
			Matcher matcher = NAME_AND_MATCHERS.matcher(withoutStrings(text));
			while (matcher.find()) {
				String name = matcher.group(1);
				boolean function = matcher.group(3) != null && matcher.group(2) == null;
				if (function || KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))
						|| isNumberSuffix(text, matcher.start())) {
					continue;
				}
				Map<String, String> labels = new LinkedHashMap<>();
				if (matcher.group(2) != null) {
					String matchers = text.substring(matcher.start(2), matcher.end(2));
					Matcher label = MATCHER.matcher(matchers);
					while (label.find()) {
						if ("=".equals(label.group(2)) && !label.group(3).contains("$")) {
							labels.put(label.group(1), label.group(3));
						}
					}
				}
				selectors.add(new Selector(name, labels));
			}
			return selectors;
		}

		// Blank string literals outside label matchers ("label_replace" arguments and
		// the like), keep the ones inside {...} for the matchers.
		private static String withoutStrings(String text) {
			StringBuilder out = new StringBuilder(text);
			int depth = 0;
			Matcher string = STRING.matcher(text);
			int from = 0;
			while (string.find(from)) {
				for (int i = from; i < string.start(); i++) {
					depth += (text.charAt(i) == '{') ? 1 : (text.charAt(i) == '}') ? -1 : 0;
				}
				if (depth == 0) {
					for (int i = string.start(); i < string.end(); i++) {
						out.setCharAt(i, ' ');
					}
				}
				from = string.end();
			}
			return out.toString();
		}

		// "1e3" or "0.99" read as a name "e3" or nothing: a name straight after a digit
		// is part of a number
		private static boolean isNumberSuffix(String text, int start) {
			return start > 0 && (Character.isDigit(text.charAt(start - 1)) || text.charAt(start - 1) == '.');
		}

	}

	/**
	 * The samples of one scrape in Prometheus's text format.
	 */
	record Scrape(Map<String, List<Map<String, String>>> series, Map<String, Double> values) {

		private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+).*");

		private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

		static Scrape parse(String body) {
			Map<String, List<Map<String, String>>> series = new LinkedHashMap<>();
			Map<String, Double> values = new LinkedHashMap<>();
			for (String line : body.split("\n")) {
				Matcher sample = SAMPLE.matcher(line);
				if (line.startsWith("#") || !sample.matches()) {
					continue;
				}
				Map<String, String> labels = new LinkedHashMap<>();
				if (sample.group(3) != null) {
					Matcher label = LABEL.matcher(sample.group(3));
					while (label.find()) {
						labels.put(label.group(1), label.group(2));
					}
				}
				series.computeIfAbsent(sample.group(1), (name) -> new ArrayList<>()).add(labels);
				values.put(sample.group(1) + labels, Double.valueOf(sample.group(4)));
			}
			return new Scrape(series, values);
		}

		List<Selector> missing(List<Selector> selectors) {
			List<Selector> missing = new ArrayList<>();
			for (Selector selector : new LinkedHashSet<>(selectors)) {
				if (!has(selector)) {
					missing.add(selector);
				}
			}
			return missing;
		}

		boolean has(Selector selector) {
			return this.series.getOrDefault(selector.name(), List.of())
				.stream()
				.anyMatch((labels) -> labels.entrySet().containsAll(selector.labels().entrySet()));
		}

		/**
		 * Sum of the samples of a metric whose labels include the given ones.
		 */
		double value(String name, Map<String, String> labels) {
			double sum = 0;
			for (Map<String, String> series : this.series.getOrDefault(name, List.of())) {
				if (series.entrySet().containsAll(labels.entrySet())) {
					sum += this.values.get(name + series);
				}
			}
			return sum;
		}

	}

}
