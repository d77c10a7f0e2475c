package io.github.tieredcache.internal.writebehind;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;
import io.github.tieredcache.writebehind.WriteBehindException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code @WriteBehind} over a real Redis Stream and a real H2 database.
 */
class WriteBehindTests {

	private final String prefix = "write-behind-" + UUID.randomUUID();

	/**
	 * Redis commands wait up to 2 s here: on a loaded machine a round whose command timed
	 * out counts a delivery without an attempt, which is not what these tests are about.
	 */
	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.port=" + RedisServer.shared().port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.serialization.allowed-packages=io.github.**",
				"tiered-cache.write-behind.retry-backoff=50ms", "tiered-cache.redis.command-timeout=2s")
		.withUserConfiguration(InventoryConfiguration.class);

	@Test
	void callUpdatesTheCacheAtOnceAndTheDatabaseLater() {
		this.runner.withPropertyValues("tiered-cache.write-behind.flush-interval=100ms").run((context) -> {
			Inventory inventory = context.getBean(Inventory.class);
			inventory.setStock("lamp", 7);
			assertThat(context.getBean(TieredCacheManager.class).getCache("stock").get("lamp", Integer.class))
				.isEqualTo(7);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> Integer.valueOf(7).equals(inventory.stockInDatabase("lamp")));
			WriteBehindService service = context.getBean(WriteBehindService.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> service.getQueue().backlog() == 0);
		});
	}

	@Test
	void writesToOneKeyWithinAFlushIntervalAreCoalesced() {
		this.runner
			.withPropertyValues("tiered-cache.write-behind.flush-interval=5s",
					"tiered-cache.write-behind.batch-size=1000")
			.run((context) -> {
				Inventory inventory = context.getBean(Inventory.class);
				WriteBehindService service = context.getBean(WriteBehindService.class);
				// the flusher's first round found nothing; the next is 5 s away
				await().atMost(Duration.ofSeconds(10)).until(() -> service.getFlusher().approximateBacklog() == 0);
				for (int i = 0; i < 1000; i++) {
					inventory.setStock("sku-" + (i % 10), i);
				}
				await().atMost(Duration.ofSeconds(15)).until(() -> service.getQueue().backlog() == 0);
				assertThat(inventory.databaseWrites()).isLessThanOrEqualTo(10);
				for (int k = 0; k < 10; k++) {
					assertThat(inventory.stockInDatabase("sku-" + k)).isEqualTo(990 + k);
				}
			});
	}

	@Test
	void poisonKeyGoesToTheDeadLetterStreamWhileOthersAreWritten() {
		this.runner
			.withPropertyValues("tiered-cache.write-behind.flush-interval=50ms",
					"tiered-cache.write-behind.max-attempts=3")
			.run((context) -> {
				Inventory inventory = context.getBean(Inventory.class);
				WriteBehindService service = context.getBean(WriteBehindService.class);
				for (String sku : List.of("a", "poison", "b", "c")) {
					inventory.setStockInBatch(sku, 5);
				}
				await().atMost(Duration.ofSeconds(20)).until(() -> service.getFlusher().deadLettered() == 1);
				assertThat(inventory.stockInDatabase("a")).isEqualTo(5);
				assertThat(inventory.stockInDatabase("b")).isEqualTo(5);
				assertThat(inventory.stockInDatabase("c")).isEqualTo(5);
				assertThat(inventory.stockInDatabase("poison")).isNull();
				List<WriteBehindQueue.DeadLetter> dead = service.getQueue().deadLetters(10);
				assertThat(dead).singleElement().satisfies((letter) -> {
					assertThat(letter.key()).isEqualTo("stock:poison");
					assertThat(letter.error()).contains("poisoned");
				});
				assertThat(service.getQueue().backlog()).isZero();
				// an operator fixes the cause and re-drives it
				inventory.cure();
				assertThat(service.getQueue().redrive(dead.get(0).id())).isTrue();
				await().atMost(Duration.ofSeconds(10))
					.until(() -> Integer.valueOf(5).equals(inventory.stockInDatabase("poison")));
				assertThat(service.getQueue().deadLetters(10)).isEmpty();
			});
	}

	@Test
	void entriesOfADeadInstanceAreClaimedAndWritten() {
		this.runner
			.withPropertyValues("tiered-cache.write-behind.flush-interval=50ms",
					"tiered-cache.write-behind.claim-idle-time=300ms")
			.run((context) -> {
				WriteBehindService service = context.getBean(WriteBehindService.class);
				WriteBehindQueue queue = service.getQueue();
				Inventory inventory = context.getBean(Inventory.class);
				service.close();
				inventory.setStock("claimed", 3);
				// an instance reads the entry and dies before acknowledging it
				assertThat(queue.readNew("dead-instance", 10)).hasSize(1);
				assertThat(queue.pending(10)).singleElement()
					.satisfies((pending) -> assertThat(pending.getConsumer()).isEqualTo("dead-instance"));
				service.start();
				await().atMost(Duration.ofSeconds(10))
					.until(() -> Integer.valueOf(3).equals(inventory.stockInDatabase("claimed")));
				await().atMost(Duration.ofSeconds(10)).until(() -> queue.pending(10).isEmpty());
			});
	}

	@Test
	void pastMaxPendingCallsFailOrWriteThrough() {
		this.runner
			.withPropertyValues("tiered-cache.write-behind.max-pending=3", "tiered-cache.write-behind.overflow=fail",
					"tiered-cache.write-behind.flush-interval=50ms")
			.run((context) -> {
				Inventory inventory = context.getBean(Inventory.class);
				inventory.blockWrites();
				for (int i = 0; i < 3; i++) {
					inventory.setStock("busy-" + i, i);
				}
				assertThatExceptionOfType(WriteBehindException.class)
					.isThrownBy(() -> inventory.setStock("one-too-many", 1))
					.withMessageContaining("max-pending");
				inventory.unblockWrites();
			});
		this.runner
			.withPropertyValues("tiered-cache.write-behind.max-pending=3",
					"tiered-cache.write-behind.flush-interval=50ms")
			.run((context) -> {
				Inventory inventory = context.getBean(Inventory.class);
				inventory.blockWrites();
				for (int i = 0; i < 3; i++) {
					inventory.setStock("busy-" + i, i);
				}
				inventory.unblockWritesOnThisThread();
				inventory.setStock("written-through", 9);
				assertThat(inventory.stockInDatabase("written-through")).as("written before the call returned")
					.isEqualTo(9);
				inventory.unblockWrites();
			});
	}

	@Test
	void shutdownDrainsWhatThisInstanceHolds() {
		InventoryConfiguration.SHARED_DATABASE.set("drain-" + UUID.randomUUID());
		String database = InventoryConfiguration.SHARED_DATABASE.get();
		this.runner.withPropertyValues("tiered-cache.write-behind.flush-interval=30s").run((context) -> {
			Inventory inventory = context.getBean(Inventory.class);
			WriteBehindService service = context.getBean(WriteBehindService.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> service.getFlusher().approximateBacklog() == 0);
			for (int i = 0; i < 50; i++) {
				inventory.setStock("drain-" + i, i);
			}
			// the flusher sleeps for 30 s: closing the context must write all 50 now
		});
		assertThat(RedisServer.shared().command("XINFO", "CONSUMERS", this.prefix + ":write-behind", "flushers"))
			.as("the flusher, holding nothing, left the group on shutdown")
			.isEqualTo("*0");
		JdbcClient jdbc = JdbcClient.create(InventoryConfiguration.dataSource(database));
		assertThat(jdbc.sql("SELECT COUNT(*) FROM stock").query(Integer.class).single()).isEqualTo(50);
		InventoryConfiguration.SHARED_DATABASE.remove();
	}

	@Test
	void plantedEntriesNamingOtherMethodsAreNeverRun() {
		this.runner
			.withPropertyValues("tiered-cache.write-behind.flush-interval=50ms",
					"tiered-cache.write-behind.max-attempts=1")
			.run((context) -> {
				Inventory inventory = context.getBean(Inventory.class);
				WriteBehindService service = context.getBean(WriteBehindService.class);
				String beanName = context.getBeanNamesForType(Inventory.class)[0];
				// someone with write access to Redis plants a call to a method without
				// @WriteBehind
				RedisServer.shared()
					.command("XADD", service.getQueue().getStream(), "*", "key", "stock:x", "bean", beanName, "method",
							"blockWrites()", "args", "[\"java.util.ArrayList\",[]]");
				await().atMost(Duration.ofSeconds(10)).until(() -> service.getFlusher().deadLettered() == 1);
				assertThat(service.getQueue().deadLetters(10)).singleElement()
					.satisfies((letter) -> assertThat(letter.error()).contains("No @WriteBehind method blockWrites()"));
				inventory.setStock("still-works", 1);
				await().atMost(Duration.ofSeconds(10))
					.until(() -> Integer.valueOf(1).equals(inventory.stockInDatabase("still-works")));
			});
	}

	@Test
	void argumentsOutsideTheAllowListAreRefusedAtStartUp() {
		this.runner.withUserConfiguration(BadArgumentConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("java.net.URI")
				.hasStackTraceContaining("tiered-cache.serialization.allowed-packages");
		});
	}

	@Test
	void genericArgumentsOutsideTheAllowListAreRefusedAtStartUp() {
		this.runner.withUserConfiguration(BadGenericArgumentConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("java.net.URI")
				.hasStackTraceContaining("tiered-cache.serialization.allowed-packages");
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class InventoryConfiguration {

		static final ThreadLocal<String> SHARED_DATABASE = new ThreadLocal<>();

		static DataSource dataSource(String name) {
			return new DriverManagerDataSource("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
		}

		@Bean
		Inventory inventory() {
			String name = (SHARED_DATABASE.get() != null) ? SHARED_DATABASE.get() : "stock-" + UUID.randomUUID();
			JdbcClient jdbc = JdbcClient.create(dataSource(name));
			jdbc.sql("CREATE TABLE IF NOT EXISTS stock (sku VARCHAR(100) PRIMARY KEY, quantity INT)").update();
			return new Inventory(jdbc);
		}

		@Bean
		WriteBehindBatchWriter<String, Integer> stockBatchWriter(Inventory inventory) {
			return inventory::writeAll;
		}

	}

	static class Inventory {

		private final JdbcClient jdbc;

		private final AtomicInteger writes = new AtomicInteger();

		private volatile boolean poisoned = true;

		private volatile CountDownLatch blocked = new CountDownLatch(0);

		private final ThreadLocal<Boolean> unblocked = new ThreadLocal<>();

		Inventory(JdbcClient jdbc) {
			this.jdbc = jdbc;
		}

		@WriteBehind(cache = "stock", key = "#sku", value = "#quantity")
		public void setStock(String sku, int quantity) throws InterruptedException {
			if (this.unblocked.get() == null) {
				this.blocked.await(30, TimeUnit.SECONDS);
			}
			this.writes.incrementAndGet();
			this.jdbc.sql("MERGE INTO stock (sku, quantity) KEY (sku) VALUES (?, ?)").params(sku, quantity).update();
		}

		@WriteBehind(cache = "stock", key = "#sku", value = "#quantity", batchWriter = "stockBatchWriter")
		public void setStockInBatch(String sku, int quantity) {
			throw new IllegalStateException("never called: the batch writer writes");
		}

		public void writeAll(Map<String, Integer> entries) {
			if (this.poisoned && entries.containsKey("poison")) {
				throw new IllegalStateException("poisoned key");
			}
			entries.forEach((sku, quantity) -> {
				this.writes.incrementAndGet();
				this.jdbc.sql("MERGE INTO stock (sku, quantity) KEY (sku) VALUES (?, ?)")
					.params(sku, quantity)
					.update();
			});
		}

		public Integer stockInDatabase(String sku) {
			return this.jdbc.sql("SELECT quantity FROM stock WHERE sku = ?")
				.param(sku)
				.query(Integer.class)
				.optional()
				.orElse(null);
		}

		public int databaseWrites() {
			return this.writes.get();
		}

		public void cure() {
			this.poisoned = false;
		}

		public void blockWrites() {
			this.blocked = new CountDownLatch(1);
		}

		public void unblockWrites() {
			this.blocked.countDown();
		}

		public void unblockWritesOnThisThread() {
			this.unblocked.set(Boolean.TRUE);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadArgumentConfiguration {

		@Bean
		BadArguments badArguments() {
			return new BadArguments();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadGenericArgumentConfiguration {

		@Bean
		BadGenericArguments badGenericArguments() {
			return new BadGenericArguments();
		}

	}

	static class BadGenericArguments {

		@WriteBehind(cache = "links", key = "#id", value = "#uris")
		public void save(long id, java.util.List<java.net.URI> uris) {
		}

	}

	static class BadArguments {

		@WriteBehind(cache = "links", key = "#id", value = "#uri")
		public void save(long id, java.net.URI uri) {
		}

	}

}
