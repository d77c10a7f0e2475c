package io.github.tieredcache.internal.aspect;

import io.github.tieredcache.core.TieredCacheManager;
import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Cache writes and invalidations inside Spring transactions on a real H2 database: they
 * happen after commit and not at all on rollback.
 */
class TransactionalPatternsTests {

	private final RedisServer redis = RedisServer.shared();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=tx-" + UUID.randomUUID(),
				"tiered-cache.serialization.allowed-packages=io.github.tieredcache.**")
		.withUserConfiguration(DatabaseConfiguration.class);

	@Test
	void writeThroughHappensAfterCommit() {
		this.runner.run((context) -> {
			Accounts accounts = ready(context);
			TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
			assertThat(accounts.balance(1)).isEqualTo(100);
			transaction.executeWithoutResult((status) -> {
				accounts.setBalance(1, 150);
				// not committed yet: readers still see the committed value
				assertThat(accounts.cachedBalance(1)).isEqualTo(100);
			});
			assertThat(accounts.cachedBalance(1)).isEqualTo(150);
			assertThat(accounts.balance(1)).isEqualTo(150);
		});
	}

	@Test
	void rolledBackWriteThroughLeavesTheCacheUntouched() {
		this.runner.run((context) -> {
			Accounts accounts = ready(context);
			TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
			assertThat(accounts.balance(2)).isEqualTo(200);
			transaction.executeWithoutResult((status) -> {
				accounts.setBalance(2, 999);
				status.setRollbackOnly();
			});
			assertThat(accounts.balanceFromDatabase(2)).isEqualTo(200);
			assertThat(accounts.cachedBalance(2)).isEqualTo(200);
			assertThat(accounts.balance(2)).isEqualTo(200);
		});
	}

	@Test
	void transactionalMethodThatThrowsRollsBackAndWritesNothing() {
		this.runner.run((context) -> {
			Accounts accounts = ready(context);
			assertThat(accounts.balance(3)).isEqualTo(300);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> accounts.setBalanceAndFail(3, 1));
			assertThat(accounts.balanceFromDatabase(3)).isEqualTo(300);
			assertThat(accounts.balance(3)).isEqualTo(300);
		});
	}

	@Test
	void invalidationHappensAfterCommitAndNotOnRollback() {
		this.runner.run((context) -> {
			Accounts accounts = ready(context);
			TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
			assertThat(accounts.balance(4)).isEqualTo(400);
			transaction.executeWithoutResult((status) -> {
				accounts.close(4);
				status.setRollbackOnly();
			});
			assertThat(accounts.cachedBalance(4)).isEqualTo(400);
			transaction.executeWithoutResult((status) -> {
				accounts.close(4);
				assertThat(accounts.cachedBalance(4)).isEqualTo(400);
			});
			assertThat(accounts.cachedBalance(4)).isNull();
			assertThat(accounts.balance(4)).isNull();
		});
	}

	/**
	 * The accounts, once the bus is healthy: it empties the in-process tiers when it
	 * becomes so, which would otherwise race the first reads of a test.
	 */
	private static Accounts ready(org.springframework.context.ApplicationContext context) {
		TieredCacheManager manager = context.getBean(TieredCacheManager.class);
		await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
		return context.getBean(Accounts.class);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement
	static class DatabaseConfiguration {

		@Bean
		DataSource dataSource() {
			DataSource dataSource = new DriverManagerDataSource(
					"jdbc:h2:mem:accounts-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
			JdbcClient jdbc = JdbcClient.create(dataSource);
			jdbc.sql("CREATE TABLE account (id INT PRIMARY KEY, balance INT NOT NULL)").update();
			for (int id = 1; id <= 4; id++) {
				jdbc.sql("INSERT INTO account VALUES (?, ?)").params(id, id * 100).update();
			}
			return dataSource;
		}

		@Bean
		DataSourceTransactionManager transactionManager(DataSource dataSource) {
			return new DataSourceTransactionManager(dataSource);
		}

		@Bean
		TransactionTemplate transactionTemplate(PlatformTransactionManager transactionManager) {
			return new TransactionTemplate(transactionManager);
		}

		@Bean
		Accounts accounts(DataSource dataSource, io.github.tieredcache.core.TieredCacheManager cacheManager) {
			return new Accounts(JdbcClient.create(dataSource), cacheManager);
		}

	}

	static class Accounts {

		private final JdbcClient jdbc;

		private final io.github.tieredcache.core.TieredCacheManager cacheManager;

		Accounts(JdbcClient jdbc, io.github.tieredcache.core.TieredCacheManager cacheManager) {
			this.jdbc = jdbc;
			this.cacheManager = cacheManager;
		}

		@CacheAside(cache = "balances", key = "#id")
		public Integer balance(int id) {
			return balanceFromDatabase(id);
		}

		public Integer balanceFromDatabase(int id) {
			return this.jdbc.sql("SELECT balance FROM account WHERE id = ?")
				.param(id)
				.query(Integer.class)
				.optional()
				.orElse(null);
		}

		public Integer cachedBalance(int id) {
			return this.cacheManager.getCache("balances").get(id, Integer.class);
		}

		@Transactional
		@WriteThrough(cache = "balances", key = "#id", value = "#balance")
		public void setBalance(int id, int balance) {
			this.jdbc.sql("UPDATE account SET balance = ? WHERE id = ?").params(balance, id).update();
		}

		@Transactional
		@WriteThrough(cache = "balances", key = "#id", value = "#balance")
		public void setBalanceAndFail(int id, int balance) {
			this.jdbc.sql("UPDATE account SET balance = ? WHERE id = ?").params(balance, id).update();
			throw new IllegalStateException("constraint violated");
		}

		@Transactional
		@CacheInvalidate(cache = "balances", key = "#id")
		public void close(int id) {
			this.jdbc.sql("DELETE FROM account WHERE id = ?").param(id).update();
		}

	}

}
