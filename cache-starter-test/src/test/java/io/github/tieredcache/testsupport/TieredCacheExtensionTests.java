package io.github.tieredcache.testsupport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@link TieredCacheExtension} over Spring's own cache managers and a stand-in for a
 * tiered-cache manager whose bus turns healthy after a few looks.
 */
@SpringJUnitConfig
@ExtendWith(TieredCacheExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieredCacheExtensionTests {

	@Autowired
	private ConcurrentMapCacheManager cacheManager;

	@Autowired
	private ManagerWithBus managerWithBus;

	@Test
	@Order(1)
	void fillsACache() {
		this.cacheManager.getCache("products").put(1L, "lamp");
		this.managerWithBus.getCache("prices").put(1L, "19.90");
		assertThat(this.cacheManager.getCache("products").get(1L)).isNotNull();
	}

	@Test
	@Order(2)
	void nextTestFindsEveryCacheEmpty() {
		assertThat(this.cacheManager.getCache("products").get(1L)).isNull();
		assertThat(this.managerWithBus.getCache("prices").get(1L)).isNull();
	}

	@Test
	@Order(3)
	void waitedForTheBusBeforeTheTest() {
		assertThat(this.managerWithBus.getInvalidationBus().isHealthy()).isTrue();
		assertThat(this.managerWithBus.getInvalidationBus().looks.get()).isGreaterThanOrEqualTo(3);
	}

	@Test
	void failsNamingTheBusStateWhenItStaysUnhealthy() {
		ManagerWithBus manager = new ManagerWithBus(Integer.MAX_VALUE);
		assertThatIllegalStateException()
			.isThrownBy(() -> new TieredCacheExtension(Duration.ofMillis(50)).awaitHealthyBuses(List.of(manager)))
			.withMessageContaining("Bus (SILENT)")
			.withMessageContaining("not healthy after PT0.05S");
	}

	@Test
	void ignoresManagersWithoutABus() {
		ManagerWithBus manager = new ManagerWithBus(0);
		manager.bus = null;
		new TieredCacheExtension(Duration.ZERO).awaitHealthyBuses(List.of(manager, new ConcurrentMapCacheManager()));
	}

	@Configuration(proxyBeanMethods = false)
	static class Config {

		@Bean
		ConcurrentMapCacheManager cacheManager() {
			return new ConcurrentMapCacheManager();
		}

		@Bean
		ManagerWithBus managerWithBus() {
			return new ManagerWithBus(3);
		}

	}

	/**
	 * Has the shape of a tiered-cache manager: a public {@code getInvalidationBus()}.
	 */
	public static class ManagerWithBus extends ConcurrentMapCacheManager implements CacheManager {

		Bus bus;

		ManagerWithBus(int unhealthyLooks) {
			this.bus = new Bus(unhealthyLooks);
		}

		public Bus getInvalidationBus() {
			return this.bus;
		}

	}

	/**
	 * Has the shape of the invalidation bus: public {@code isHealthy()} and
	 * {@code getState()}.
	 */
	public static class Bus {

		final AtomicInteger looks = new AtomicInteger();

		private final int unhealthyLooks;

		Bus(int unhealthyLooks) {
			this.unhealthyLooks = unhealthyLooks;
		}

		public boolean isHealthy() {
			return this.looks.incrementAndGet() > this.unhealthyLooks;
		}

		public String getState() {
			return (this.looks.get() > this.unhealthyLooks) ? "HEALTHY" : "SILENT";
		}

	}

}
