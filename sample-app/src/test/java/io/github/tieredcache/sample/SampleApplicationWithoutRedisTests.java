package io.github.tieredcache.sample;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With no Redis reachable the sample app still starts and serves, from the in-process
 * tier and the database.
 */
@SpringBootTest
class SampleApplicationWithoutRedisTests {

	@Autowired
	private CatalogService catalog;

	@Autowired
	private ProductRepository products;

	@DynamicPropertySource
	static void unreachableRedis(DynamicPropertyRegistry registry) {
		RedisServer stopped = RedisServer.start();
		stopped.close();
		registry.add("spring.data.redis.port", stopped::port);
	}

	@Test
	void servesWithoutRedis() {
		long before = this.products.queries();
		assertThat(this.catalog.find(2L).orElseThrow().name()).isEqualTo("Office chair");
		assertThat(this.catalog.find(2L).orElseThrow().name()).isEqualTo("Office chair");
		assertThat(this.products.queries() - before).isEqualTo(1);
	}

}
