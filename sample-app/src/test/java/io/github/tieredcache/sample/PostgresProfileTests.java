package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.events.PostgresEvents;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app's {@code postgres} profile against the real PostgreSQL of this machine
 * (127.0.0.1:5432, user {@code postgres}, trust authentication), in a database of its
 * own: an {@code UPDATE} made outside the app, as an administrator's {@code psql} would,
 * invalidates the cached product through the trigger and {@code NOTIFY}. Fails, not
 * skips, when PostgreSQL is not there.
 */
@SpringBootTest
@ActiveProfiles("postgres")
class PostgresProfileTests {

	private static final RedisServer redis = RedisServer.shared();

	private static final String DATABASE = "tiered_cache_sample_" + UUID.randomUUID().toString().replace("-", "");

	@Autowired
	private CatalogService catalog;

	@Autowired
	private ProductRepository products;

	@Autowired
	private TieredCacheManager cacheManager;

	@Autowired
	private PostgresEvents events;

	@Autowired
	private StockService stock;

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) throws SQLException {
		execute("postgres", "CREATE DATABASE " + DATABASE);
		registry.add("POSTGRES_DB", () -> DATABASE);
	}

	@AfterAll
	static void dropDatabase() throws SQLException {
		execute("postgres", "DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
	}

	@Test
	void anUpdateMadeOutsideTheAppInvalidatesTheCachedProduct() throws SQLException {
		await().atMost(Duration.ofSeconds(15)).until(this.events::isListening);
		Product lamp = this.catalog.find(4L).orElseThrow();
		assertThat(lamp.price()).isEqualByComparingTo("79.00");
		long before = this.products.queries();
		assertThat(this.catalog.find(4L)).contains(lamp);
		assertThat(this.products.queries()).as("served from the cache").isEqualTo(before);

		execute(DATABASE, "UPDATE catalog.product SET price = 59.00 WHERE id = 4");

		await().atMost(Duration.ofSeconds(15)).until(() -> this.cacheManager.getCache("products").get(4L) == null);
		assertThat(this.catalog.find(4L).orElseThrow().price()).isEqualByComparingTo(new BigDecimal("59.00"));
	}

	@Test
	void stockUpdatesReachPostgresThroughTheBatchWriter() {
		for (int quantity = 1; quantity <= 20; quantity++) {
			this.stock.setQuantity(99_999L, quantity);
		}
		this.stock.setQuantity(100_001L, 5); // no row yet: the upsert inserts it
		await().atMost(Duration.ofSeconds(20))
			.until(() -> quantityInDatabase(99_999L) == 20 && quantityInDatabase(100_001L) == 5);
	}

	@Test
	void theCatalogueIsBigEnoughToLoadTest() {
		assertThat(this.catalog.find(100_000L)).isPresent();
		assertThat(this.catalog.find(100_001L)).isEmpty();
	}

	private int quantityInDatabase(long productId) throws SQLException {
		try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + DATABASE,
				"postgres", "");
				Statement statement = connection.createStatement();
				var rows = statement
					.executeQuery("SELECT quantity FROM catalog.stock WHERE product_id = " + productId)) {
			return rows.next() ? rows.getInt(1) : -1;
		}
	}

	private static void execute(String database, String sql) throws SQLException {
		try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database,
				"postgres", ""); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class RedisConnection {

		@Bean
		DataRedisConnectionDetails redisConnectionDetails() {
			return redis.connectionDetails();
		}

	}

}
