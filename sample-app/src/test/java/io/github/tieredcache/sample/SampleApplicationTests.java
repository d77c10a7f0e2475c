package io.github.tieredcache.sample;

import java.math.BigDecimal;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app against a real Redis and its H2 database.
 */
@SpringBootTest
class SampleApplicationTests {

	private static final RedisServer redis = RedisServer.shared();

	@Autowired
	private CatalogService catalog;

	@Autowired
	private ProductRepository products;

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.port", redis::port);
	}

	@Test
	void readsAreCachedInBothTiersAndPriceChangesEvict() {
		long before = this.products.reads();
		Product lamp = this.catalog.find(1L);
		assertThat(lamp.name()).isEqualTo("Desk lamp");
		assertThat(this.catalog.find(1L)).isEqualTo(lamp);
		assertThat(this.products.reads() - before).isEqualTo(1);
		assertThat(redis.command("EXISTS", "catalog:products:v0:#long:1")).isEqualTo(":1");

		this.catalog.changePrice(1L, new BigDecimal("19.90"));
		assertThat(redis.command("EXISTS", "catalog:products:v0:#long:1")).isEqualTo(":0");
		assertThat(this.catalog.find(1L).price()).isEqualByComparingTo("19.90");
		assertThat(this.products.reads() - before).isEqualTo(2);
	}

	@Test
	void missingProductsAreCachedAsNull() {
		long before = this.products.reads();
		assertThat(this.catalog.find(404L)).isNull();
		assertThat(this.catalog.find(404L)).isNull();
		assertThat(this.products.reads() - before).isEqualTo(1);
	}

}
