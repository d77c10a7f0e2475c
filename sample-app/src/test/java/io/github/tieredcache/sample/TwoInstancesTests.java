package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the sample app on one database and one Redis: a price changed through
 * one is served by the other once the invalidation has arrived.
 */
class TwoInstancesTests {

	private static ConfigurableApplicationContext instance(String database) {
		// command-line arguments: they win over the sample's application.yml (its Redis
		// port
		// and database), which default properties would not
		return new SpringApplicationBuilder(SampleApplication.class).run("--server.port=0",
				"--spring.data.redis.port=" + RedisServer.shared().port(),
				"--spring.datasource.url=jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1",
				"--tiered-cache.key-prefix=" + database);
	}

	@Test
	void changeThroughOneInstanceIsSeenByTheOther() {
		String database = "two-instances-" + UUID.randomUUID();
		try (ConfigurableApplicationContext first = instance(database);
				ConfigurableApplicationContext second = instance(database)) {
			for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { first, second }) {
				await().atMost(Duration.ofSeconds(10))
					.until(() -> context.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
			}
			CatalogService one = first.getBean(CatalogService.class);
			CatalogService two = second.getBean(CatalogService.class);
			assertThat(two.find(2L).orElseThrow().price()).isEqualByComparingTo("149.00");
			assertThat(two.find(2L).orElseThrow().price()).isEqualByComparingTo("149.00");
			one.changePrice(2L, new BigDecimal("99.00"));
			await().atMost(Duration.ofSeconds(3))
				.untilAsserted(() -> assertThat(two.find(2L).orElseThrow().price()).isEqualByComparingTo("99.00"));
		}
	}

}
