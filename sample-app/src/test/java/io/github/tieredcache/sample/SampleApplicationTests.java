package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.util.List;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each pattern of the sample app, against a real Redis and the app's H2 database.
 */
@SpringBootTest
class SampleApplicationTests {

	private static final RedisServer redis = RedisServer.shared();

	@Autowired
	private CatalogService catalog;

	@Autowired
	private CategoryDirectory categories;

	@Autowired
	private ProductRepository products;

	@Autowired
	private StockService stock;

	@Autowired
	private StockService.StockWriter stockWriter;

	@Autowired
	private org.springframework.jdbc.core.simple.JdbcClient jdbc;

	private static String productKey(long id) {
		return "catalog:products:v" + redis.command("GET", "catalog:products:ns") + ":#long:" + id;
	}

	@Test
	void cacheAsideThenWriteThroughThenInvalidate() {
		long before = this.products.queries();
		Product lamp = this.catalog.find(1L).orElseThrow();
		assertThat(this.catalog.find(1L)).contains(lamp);
		assertThat(this.products.queries() - before).isEqualTo(1);
		assertThat(redis.command("EXISTS", productKey(1))).isEqualTo(":1");

		Product cheaper = this.catalog.changePrice(1L, new BigDecimal("19.90"));
		assertThat(cheaper.price()).isEqualByComparingTo("19.90");
		long afterWrite = this.products.queries();
		assertThat(this.catalog.find(1L)).contains(cheaper);
		assertThat(this.products.queries()).as("the write put the new value in the cache").isEqualTo(afterWrite);

		this.catalog.delete(1L);
		assertThat(redis.command("EXISTS", productKey(1))).isEqualTo(":0");
		assertThat(this.catalog.find(1L)).isEmpty();
	}

	@Test
	void missingProductsAreCachedAsNull() {
		long before = this.products.queries();
		assertThat(this.catalog.find(404L)).isEmpty();
		assertThat(this.catalog.find(404L)).isEmpty();
		assertThat(this.products.queries() - before).isEqualTo(1);
	}

	@Test
	void springCacheableOverTheSameManager() {
		long before = this.products.queries();
		assertThat(this.catalog.countInCategory(2L)).isEqualTo(1);
		assertThat(this.catalog.countInCategory(2L)).isEqualTo(1);
		assertThat(this.products.queries() - before).isEqualTo(1);
	}

	@Test
	void stockUpdatesGoToTheCacheAtOnceAndTheDatabaseLaterCoalesced() {
		long rowsBefore = this.stockWriter.rowsWritten();
		for (int quantity = 1; quantity <= 100; quantity++) {
			this.stock.setQuantity(3L, quantity);
		}
		assertThat(this.stock.quantity(3L)).isEqualTo(100);
		org.awaitility.Awaitility.await()
			.atMost(java.time.Duration.ofSeconds(20))
			.until(() -> this.jdbc.sql("SELECT quantity FROM stock WHERE product_id = 3")
				.query(Integer.class)
				.single() == 100);
		assertThat(this.stockWriter.rowsWritten() - rowsBefore).as("100 updates, far fewer rows written")
			.isLessThan(100);
	}

	@Test
	void readThroughLoadsMissingCategoriesInOneQuery() {
		assertThat(this.categories.name(3L)).isEqualTo("Stationery");
		long before = this.products.queries();
		assertThat(this.categories.names(List.of(1L, 2L, 3L, 99L))).containsOnlyKeys(1L, 2L, 3L);
		assertThat(this.products.queries() - before).isEqualTo(1);
		assertThat(this.categories.names(List.of(1L, 2L, 3L))).hasSize(3);
		assertThat(this.products.queries() - before).isEqualTo(1);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class RedisConnection {

		@Bean
		DataRedisConnectionDetails redisConnectionDetails() {
			return redis.connectionDetails();
		}

	}

}
