package io.github.tieredcache.internal.writebehind;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisCluster;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;
import io.github.tieredcache.writebehind.WriteBehindException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The database ends with the value of the last call that returned, whatever fails in
 * between: retries, overflow write-through, two flushing instances, slow instances,
 * re-driven dead letters, appends that timed out. Every write the writer receives is
 * recorded in a history table, so a test sees not only the final value but every older
 * value that landed after a newer one.
 */
class WriteBehindOrderTests {

	private final String prefix = "write-behind-order-" + UUID.randomUUID();

	private final String database = "ledger-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = runner(RedisServer.shared());

	/**
	 * A runner whose Redis commands wait up to 2 s: a command that times out makes a call
	 * write through unordered (a documented residual risk), which is not what most tests
	 * here are about; the tests of timeouts set their own.
	 */
	private ApplicationContextRunner runner(RedisServer redis) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=" + redis.port(), "tiered-cache.key-prefix=" + this.prefix,
					"tiered-cache.serialization.allowed-packages=io.github", "tiered-cache.invalidation.enabled=false",
					"tiered-cache.write-behind.flush-interval=50ms", "tiered-cache.write-behind.retry-backoff=50ms",
					"tiered-cache.redis.command-timeout=2s", "ledger.database=" + this.database)
			.withUserConfiguration(LedgerConfiguration.class);
	}

	@Test
	void aRetriedWriteNeverLandsAfterANewerOne() {
		this.runner.withPropertyValues("tiered-cache.write-behind.retry-backoff=1s").run((context) -> {
			Ledger ledger = context.getBean(Ledger.class);
			ledger.failOnce("k", 1);
			ledger.set("k", 1);
			await().atMost(Duration.ofSeconds(10)).until(() -> ledger.failures() == 1);
			// the newer write is fresh while the failed one waits out its backoff
			ledger.set("k", 2);
			awaitDrained(context);
			assertThat(ledger.history("k")).endsWith(2).doesNotContain(1);
			assertThat(ledger.valueInDatabase("k")).isEqualTo(2);
		});
	}

	@Test
	void aBatchRetriedWriteNeverLandsAfterANewerOne() {
		this.runner.withPropertyValues("tiered-cache.write-behind.retry-backoff=1s").run((context) -> {
			Ledger ledger = context.getBean(Ledger.class);
			ledger.failOnce("k", 1);
			ledger.setInBatch("k", 1);
			await().atMost(Duration.ofSeconds(10)).until(() -> ledger.failures() == 1);
			ledger.setInBatch("k", 2);
			awaitDrained(context);
			assertThat(ledger.history("k")).endsWith(2).doesNotContain(1);
		});
	}

	@Test
	void overflowWriteThroughIsOrderedWithQueuedWritesOfTheSameKey() {
		this.runner.withPropertyValues("tiered-cache.write-behind.max-pending=3").run((context) -> {
			Ledger ledger = context.getBean(Ledger.class);
			ledger.block("blocker");
			ledger.set("blocker", 0);
			await().atMost(Duration.ofSeconds(10)).until(() -> ledger.blockedWrites() == 1);
			ledger.set("k", 1);
			ledger.set("filler", 1);
			// past max-pending: written through at once
			ledger.set("k", 2);
			assertThat(ledger.valueInDatabase("k")).as("written before the call returned").isEqualTo(2);
			ledger.unblock();
			awaitDrained(context);
			assertThat(ledger.history("k")).containsExactly(2);
			assertThat(ledger.valueInDatabase("k")).isEqualTo(2);
		});
	}

	@Test
	void aBatchWriterMethodWrittenThroughReachesTheBatchWriter() {
		this.runner.withPropertyValues("tiered-cache.write-behind.max-pending=2").run((context) -> {
			Ledger ledger = context.getBean(Ledger.class);
			ledger.block("blocker");
			ledger.set("blocker", 0);
			await().atMost(Duration.ofSeconds(10)).until(() -> ledger.blockedWrites() == 1);
			ledger.set("filler", 1);
			ledger.setInBatch("k", 7);
			assertThat(ledger.valueInDatabase("k")).as("written by the batch writer before the call returned")
				.isEqualTo(7);
			ledger.unblock();
		});
	}

	@Test
	void aBatchWriterMethodWithoutRedisReachesTheBatchWriter() {
		this.runner.withPropertyValues("tiered-cache.write-behind.enabled=false").run((context) -> {
			Ledger ledger = context.getBean(Ledger.class);
			ledger.setInBatch("k", 7);
			assertThat(ledger.valueInDatabase("k")).isEqualTo(7);
		});
	}

	@Test
	void aRejectedCallLeavesTheCacheUnchanged() {
		this.runner
			.withPropertyValues("tiered-cache.write-behind.max-pending=2", "tiered-cache.write-behind.overflow=fail")
			.run((context) -> {
				Ledger ledger = context.getBean(Ledger.class);
				ledger.block("blocker");
				ledger.set("blocker", 0);
				await().atMost(Duration.ofSeconds(10)).until(() -> ledger.blockedWrites() == 1);
				ledger.set("k", 1);
				assertThatExceptionOfType(WriteBehindException.class).isThrownBy(() -> ledger.set("k", 2))
					.withMessageContaining("max-pending");
				assertThat(cached(context, "k")).isEqualTo(1);
				ledger.unblock();
				awaitDrained(context);
				assertThat(ledger.valueInDatabase("k")).isEqualTo(1);
			});
	}

	@Test
	void aCallThatBlockedPastTheBlockTimeoutLeavesTheCacheUnchanged() {
		this.runner
			.withPropertyValues("tiered-cache.write-behind.max-pending=2", "tiered-cache.write-behind.overflow=block",
					"tiered-cache.write-behind.block-timeout=200ms")
			.run((context) -> {
				Ledger ledger = context.getBean(Ledger.class);
				ledger.block("blocker");
				ledger.set("blocker", 0);
				await().atMost(Duration.ofSeconds(10)).until(() -> ledger.blockedWrites() == 1);
				ledger.set("k", 1);
				long start = System.nanoTime();
				assertThatExceptionOfType(WriteBehindException.class).isThrownBy(() -> ledger.set("k", 2))
					.withMessageContaining("block-timeout");
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
				assertThat(cached(context, "k")).isEqualTo(1);
				ledger.unblock();
			});
	}

	@Test
	void aCallWithoutAUniqueBeanToReplayOnLeavesTheCacheUnchanged() {
		this.runner.withUserConfiguration(TwinConfiguration.class).run((context) -> {
			Ledger twin = (Ledger) context.getBean("twin");
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> twin.set("k", 2))
				.withMessageContaining("exactly one bean");
			assertThat(cached(context, "k")).isNull();
		});
	}

	@Test
	void aReDrivenDeadLetterNeverOverwritesANewerWrite() {
		this.runner.withPropertyValues("tiered-cache.write-behind.max-attempts=2").run((context) -> {
			Ledger ledger = context.getBean(Ledger.class);
			WriteBehindService service = context.getBean(WriteBehindService.class);
			ledger.poison("k", 1);
			ledger.set("k", 1);
			await().atMost(Duration.ofSeconds(10)).until(() -> service.getFlusher().deadLettered() == 1);
			assertThat(service.getFlusher().lastErrorCount()).as("last errors of dead-lettered keys are dropped")
				.isZero();
			ledger.set("k", 2);
			await().atMost(Duration.ofSeconds(10)).until(() -> Integer.valueOf(2).equals(ledger.valueInDatabase("k")));
			ledger.cure();
			WriteBehindQueue.DeadLetter letter = service.getQueue().deadLetters(10).get(0);
			assertThat(service.getQueue().redrive(letter.id())).isTrue();
			awaitDrained(context);
			assertThat(ledger.valueInDatabase("k")).isEqualTo(2);
			assertThat(ledger.history("k")).containsExactly(2);
		});
	}

	@Test
	void aSlowInstanceIsNotOvertakenByAnother() {
		this.runner.withPropertyValues("tiered-cache.write-behind.claim-idle-time=300ms").run((first) -> {
			Ledger slow = first.getBean(Ledger.class);
			slow.block("k");
			slow.set("k", 1);
			await().atMost(Duration.ofSeconds(10)).until(() -> slow.blockedWrites() == 1);
			this.runner.withPropertyValues("tiered-cache.write-behind.claim-idle-time=300ms").run((second) -> {
				Ledger other = second.getBean(Ledger.class);
				other.set("k", 2);
				// the first instance is slow, not dead: for several claim-idle-times
				// nobody else
				// writes the key
				await().during(Duration.ofSeconds(1))
					.atMost(Duration.ofSeconds(5))
					.until(() -> other.history("k").isEmpty());
				slow.unblock();
				awaitDrained(second);
				assertThat(other.history("k")).containsExactly(1, 2);
				assertThat(other.valueInDatabase("k")).isEqualTo(2);
			});
		});
	}

	@Test
	void twoInstancesWriteEachKeyInCallOrder() {
		this.runner.withPropertyValues("tiered-cache.write-behind.batch-size=7").run((first) -> {
			this.runner.withPropertyValues("tiered-cache.write-behind.batch-size=7").run((second) -> {
				Ledger[] ledgers = { first.getBean(Ledger.class), second.getBean(Ledger.class) };
				for (Ledger ledger : ledgers) {
					ledger.jitter();
				}
				// both instances' flushers are up; calls alternate between them, one at a
				// time
				for (int i = 1; i <= 300; i++) {
					ledgers[i % 2].set("k" + (i % 5), i);
				}
				awaitDrained(first);
				for (int k = 0; k < 5; k++) {
					List<Integer> history = ledgers[0].history("k" + k);
					assertThat(history).as("k" + k).isSorted().endsWith(300 - ((5 - k) % 5));
				}
			});
		});
	}

	@Test
	void anAppendThatTimedOutButWasAppliedNeverLandsAfterANewerDirectWrite() {
		try (RedisServer redis = RedisServer.start()) {
			ApplicationContextRunner runner = runner(redis).withPropertyValues(
					"tiered-cache.redis.command-timeout=300ms", "tiered-cache.write-behind.claim-idle-time=10s",
					"tiered-cache.redis.circuit-breaker.failure-threshold=1000");
			runner.run((first) -> runner.withPropertyValues("tiered-cache.write-behind.max-pending=1").run((second) -> {
				Ledger holder = first.getBean(Ledger.class);
				holder.block("blocker");
				holder.set("blocker", 0);
				await().atMost(Duration.ofSeconds(10)).until(() -> holder.blockedWrites() == 1);
				redis.pause();
				try {
					// the append times out (Redis is paused, not gone): written through
					holder.set("k", 1);
				}
				finally {
					redis.resume();
				}
				assertThat(holder.valueInDatabase("k")).isEqualTo(1);
				// the append was applied after all; a newer call written through on
				// another
				// instance (past its max-pending) must not be overwritten by it
				WriteBehindService other = second.getBean(WriteBehindService.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> other.getFlusher().approximateBacklog() >= 1);
				second.getBean(Ledger.class).set("k", 2);
				assertThat(holder.valueInDatabase("k")).isEqualTo(2);
				holder.unblock();
				awaitDrained(first);
				assertThat(holder.history("k")).containsExactly(1, 2);
			}));
		}
	}

	@Test
	void orderingScriptsRunOnRedisCluster() {
		RedisCluster cluster = RedisCluster.shared();
		String nodes = cluster.nodes()
			.stream()
			.map((node) -> "127.0.0.1:" + node.port())
			.collect(java.util.stream.Collectors.joining(","));
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.cluster.nodes=" + nodes, "tiered-cache.key-prefix=" + this.prefix,
					"tiered-cache.serialization.allowed-packages=io.github", "tiered-cache.invalidation.enabled=false",
					"tiered-cache.write-behind.flush-interval=50ms", "tiered-cache.write-behind.max-pending=2",
					"tiered-cache.redis.command-timeout=2s", "ledger.database=" + this.database)
			.withUserConfiguration(LedgerConfiguration.class)
			.run((context) -> {
				Ledger ledger = context.getBean(Ledger.class);
				ledger.block("blocker");
				ledger.set("blocker", 0);
				await().atMost(Duration.ofSeconds(10)).until(() -> ledger.blockedWrites() == 1);
				ledger.set("k", 1);
				// written through, fenced: the queued write of 1 becomes a no-op
				ledger.set("k", 2);
				ledger.unblock();
				awaitDrained(context);
				assertThat(ledger.history("k")).containsExactly(2);
				assertThat(context.getBean(WriteBehindService.class).getQueue().writtenUpTo("stock:k")).isNotNull();
			});
	}

	@Test
	void companionKeysShareTheStreamsSlot() {
		assertThat(WriteBehindQueue.companion("app:write-behind", "lease")).isEqualTo("{app:write-behind}:lease");
		assertThat(WriteBehindQueue.companion("{app}:write-behind", "lease")).isEqualTo("{app}:write-behind:lease");
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> WriteBehindQueue.companion("app{}:write-behind", "lease"))
			.withMessageContaining("tiered-cache.write-behind.stream");
	}

	@Test
	void waitReplicasIsSatisfiedByARealReplica() {
		try (RedisServer primary = RedisServer.start(); RedisServer replica = RedisServer.replicaOf(primary)) {
			// WAIT gets half the command timeout: generous, for a loaded machine
			runner(primary)
				.withPropertyValues("tiered-cache.write-behind.wait-replicas=1",
						"tiered-cache.redis.command-timeout=4s")
				.run((context) -> {
					Ledger ledger = context.getBean(Ledger.class);
					ledger.set("k", 1);
					assertThat(cached(context, "k")).isEqualTo(1);
					awaitDrained(context);
					assertThat(ledger.valueInDatabase("k")).isEqualTo(1);
				});
		}
	}

	@Test
	void waitReplicasUnsatisfiedFailsTheCallAndLeavesTheCacheUnchanged() {
		try (RedisServer primary = RedisServer.start(); RedisServer replica = RedisServer.replicaOf(primary)) {
			runner(primary)
				.withPropertyValues("tiered-cache.write-behind.wait-replicas=2",
						"tiered-cache.redis.command-timeout=2s")
				.run((context) -> {
					Ledger ledger = context.getBean(Ledger.class);
					assertThatExceptionOfType(WriteBehindException.class).isThrownBy(() -> ledger.set("k", 1))
						.withMessageContaining("1 of 2 replicas");
					assertThat(cached(context, "k")).isNull();
					await().during(Duration.ofMillis(500))
						.atMost(Duration.ofSeconds(5))
						.until(() -> ledger.history("k").isEmpty());
					assertThat(context.getBean(WriteBehindService.class).getQueue().backlog()).isZero();
				});
		}
	}

	private static Object cached(ApplicationContext context, String key) {
		return context.getBean(TieredCacheManager.class).getCache("stock").get(key, Integer.class);
	}

	private static void awaitDrained(ApplicationContext context) {
		WriteBehindQueue queue = context.getBean(WriteBehindService.class).getQueue();
		await().atMost(Duration.ofSeconds(20)).until(() -> queue.backlog() == 0 && queue.pending(10).isEmpty());
	}

	@Configuration(proxyBeanMethods = false)
	static class LedgerConfiguration {

		@Bean
		Ledger ledger(Environment environment) {
			return Ledger.create(environment.getRequiredProperty("ledger.database"));
		}

		@Bean
		WriteBehindBatchWriter<String, Integer> ledgerWriter(Ledger ledger) {
			return ledger::writeAll;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwinConfiguration {

		@Bean
		Ledger twin(Environment environment) {
			return Ledger.create(environment.getRequiredProperty("ledger.database"));
		}

	}

	/**
	 * A writer that records every write it receives, and fails or blocks when told to.
	 */
	static class Ledger {

		private final JdbcClient jdbc;

		private final Map<String, Integer> failOnce = new ConcurrentHashMap<>();

		private final Map<String, Integer> poisoned = new ConcurrentHashMap<>();

		private final Set<String> blocked = ConcurrentHashMap.newKeySet();

		private final CountDownLatch unblocked = new CountDownLatch(1);

		private final AtomicInteger failures = new AtomicInteger();

		private final AtomicInteger blockedWrites = new AtomicInteger();

		private volatile boolean jitter;

		Ledger(JdbcClient jdbc) {
			this.jdbc = jdbc;
		}

		static Ledger create(String database) {
			JdbcClient jdbc = JdbcClient
				.create(new DriverManagerDataSource("jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1"));
			jdbc.sql("CREATE TABLE IF NOT EXISTS ledger (sku VARCHAR(100) PRIMARY KEY, quantity INT)").update();
			jdbc.sql("CREATE TABLE IF NOT EXISTS history (seq BIGINT AUTO_INCREMENT PRIMARY KEY,"
					+ " sku VARCHAR(100), quantity INT)")
				.update();
			return new Ledger(jdbc);
		}

		@WriteBehind(cache = "stock", key = "#sku", value = "#quantity")
		public void set(String sku, int quantity) throws Exception {
			write(sku, quantity);
		}

		@WriteBehind(cache = "stock", key = "#sku", value = "#quantity", batchWriter = "ledgerWriter")
		public void setInBatch(String sku, int quantity) {
			throw new IllegalStateException("never called: the batch writer writes");
		}

		public void writeAll(Map<String, Integer> entries) throws Exception {
			for (Map.Entry<String, Integer> entry : entries.entrySet()) {
				write(entry.getKey(), entry.getValue());
			}
		}

		private void write(String sku, int quantity) throws Exception {
			if (this.blocked.contains(sku)) {
				this.blockedWrites.incrementAndGet();
				this.unblocked.await(30, TimeUnit.SECONDS);
			}
			if (this.failOnce.remove(sku, quantity) || Integer.valueOf(quantity).equals(this.poisoned.get(sku))) {
				this.failures.incrementAndGet();
				throw new IllegalStateException("failing " + sku + "=" + quantity);
			}
			if (this.jitter) {
				Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(3));
			}
			this.jdbc.sql("MERGE INTO ledger (sku, quantity) KEY (sku) VALUES (?, ?)").params(sku, quantity).update();
			this.jdbc.sql("INSERT INTO history (sku, quantity) VALUES (?, ?)").params(sku, quantity).update();
		}

		Integer valueInDatabase(String sku) {
			return this.jdbc.sql("SELECT quantity FROM ledger WHERE sku = ?")
				.param(sku)
				.query(Integer.class)
				.optional()
				.orElse(null);
		}

		List<Integer> history(String sku) {
			return this.jdbc.sql("SELECT quantity FROM history WHERE sku = ? ORDER BY seq")
				.param(sku)
				.query(Integer.class)
				.list();
		}

		void failOnce(String sku, int quantity) {
			this.failOnce.put(sku, quantity);
		}

		void poison(String sku, int quantity) {
			this.poisoned.put(sku, quantity);
		}

		void cure() {
			this.poisoned.clear();
		}

		void block(String sku) {
			this.blocked.add(sku);
		}

		void unblock() {
			this.unblocked.countDown();
		}

		void jitter() {
			this.jitter = true;
		}

		int failures() {
			return this.failures.get();
		}

		int blockedWrites() {
			return this.blockedWrites.get();
		}

	}

}
