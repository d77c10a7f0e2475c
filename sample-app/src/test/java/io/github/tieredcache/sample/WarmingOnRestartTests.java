package io.github.tieredcache.sample;

import java.time.Duration;
import java.util.UUID;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app warms its products cache from Redis on start-up: an instance started
 * after another has cached products holds them in its in-process tier before it reports
 * ready, and says so in its health details.
 */
class WarmingOnRestartTests {

	private static ConfigurableApplicationContext instance(String name) {
		return new SpringApplicationBuilder(SampleApplication.class).run("--server.port=0",
				"--spring.data.redis.port=" + RedisServer.shared().port(),
				"--spring.datasource.url=jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1",
				"--tiered-cache.key-prefix=" + name);
	}

	@Test
	void aRestartedInstanceServesWhatRedisHoldsFromItsFirstCall() {
		String name = "warming-" + UUID.randomUUID();
		try (ConfigurableApplicationContext first = instance(name)) {
			CatalogService catalog = first.getBean(CatalogService.class);
			for (long id = 1; id <= 4; id++) {
				assertThat(catalog.find(id)).isPresent();
			}
		}

		try (ConfigurableApplicationContext restarted = instance(name)) {
			int port = ((WebServerApplicationContext) restarted).getWebServer().getPort();
			String health = RestClient.create("http://localhost:" + port)
				.get()
				.uri("/actuator/health")
				.retrieve()
				.body(String.class);
			assertThat(health).contains("\"warming\":{")
				.contains("\"keysWarmed\":4")
				.contains("\"source\":\"from-l2\"");
			TieredCacheManager cacheManager = restarted.getBean(TieredCacheManager.class);
			long redisHitsBefore = redisHits(cacheManager);
			ProductRepository products = restarted.getBean(ProductRepository.class);
			CatalogService catalog = restarted.getBean(CatalogService.class);
			for (long id = 1; id <= 4; id++) {
				assertThat(catalog.find(id)).isPresent();
			}
			assertThat(products.queries()).as("no database query").isZero();
			assertThat(redisHits(cacheManager)).as("no Redis read either: the in-process tier was warm")
				.isEqualTo(redisHitsBefore);
		}
	}

	private static long redisHits(TieredCacheManager cacheManager) {
		return cacheManager.getCache("products").getStatistics().redisHits();
	}

}
