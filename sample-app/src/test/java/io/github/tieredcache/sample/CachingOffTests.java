package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.util.List;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app with caching switched off ({@code spring.cache.type=none}, the load
 * test's baseline): it starts, and every call of every pattern reaches the database.
 */
@SpringBootTest(
		properties = { "spring.cache.type=none", "spring.datasource.url=jdbc:h2:mem:caching-off;DB_CLOSE_DELAY=-1" })
class CachingOffTests {

	private static final RedisServer redis = RedisServer.shared();

	@Autowired
	private ApplicationContext context;

	@Autowired
	private CatalogService catalog;

	@Autowired
	private CategoryDirectory categories;

	@Autowired
	private ProductRepository products;

	@Autowired
	private StockService stock;

	@Autowired
	private JdbcClient jdbc;

	@Test
	void thereIsNoTieredCacheManager() {
		assertThat(this.context.getBeanNamesForType(TieredCacheManager.class)).isEmpty();
	}

	@Test
	void everyReadQueriesTheDatabase() {
		long before = this.products.queries();
		for (int i = 0; i < 3; i++) {
			assertThat(this.catalog.find(2L)).isPresent(); // @CacheAside
			assertThat(this.catalog.countInCategory(2L)).isEqualTo(1); // @Cacheable
			assertThat(this.categories.names(List.of(1L, 3L))).containsValues("Lighting", "Stationery");
		}
		assertThat(this.products.queries() - before).isEqualTo(9);
	}

	@Test
	void writesReachTheDatabaseAtOnce() {
		this.catalog.changePrice(3L, new BigDecimal("4.20")); // @WriteThrough
		assertThat(this.catalog.find(3L).orElseThrow().price()).isEqualByComparingTo("4.20");
		this.stock.setQuantity(3L, 77); // @WriteBehind, through its batch writer
		assertThat(this.jdbc.sql("SELECT quantity FROM stock WHERE product_id = 3").query(Integer.class).single())
			.isEqualTo(77);
		assertThat(this.stock.quantity(3L)).isEqualTo(77);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class RedisConnection {

		@Bean
		DataRedisConnectionDetails redisConnectionDetails() {
			return redis.connectionDetails();
		}

	}

}
