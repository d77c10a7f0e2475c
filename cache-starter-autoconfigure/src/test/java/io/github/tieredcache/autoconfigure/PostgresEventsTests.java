package io.github.tieredcache.autoconfigure;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.github.tieredcache.autoconfigure.EventTestSupport.RecorderConfiguration;
import io.github.tieredcache.core.CacheInvalidatedEvent;
import io.github.tieredcache.core.CacheInvalidatedEvent.Origin;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.events.InboundInvalidations;
import io.github.tieredcache.internal.events.PostgresEvents;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static io.github.tieredcache.autoconfigure.EventTestSupport.inLocalTier;
import static io.github.tieredcache.autoconfigure.EventTestSupport.products;
import static io.github.tieredcache.autoconfigure.EventTestSupport.recorded;
import static io.github.tieredcache.autoconfigure.EventTestSupport.statistics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the {@code postgres} inbound events against the real PostgreSQL of this
 * machine (127.0.0.1:5432, user {@code postgres}, trust authentication): a trigger
 * {@code NOTIFY}s the id of a changed row, and an {@code UPDATE} made through a plain
 * JDBC connection, not the application, invalidates the cached entry. Each run creates
 * its own database and drops it after. Fails, not skips, when PostgreSQL is not there.
 */
class PostgresEventsTests {

	private static final Duration WAIT = Duration.ofSeconds(15);

	private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

	private static final String DATABASE = "tiered_cache_events_" + UUID.randomUUID().toString().replace("-", "");

	private static final String EVENT = "tiered-cache.invalidation.events.product-updated.";

	/** The trigger of docs/invalidation-events.md. */
	private static final String TRIGGER = """
			CREATE FUNCTION notify_product_updated() RETURNS trigger AS $$
			BEGIN
			  PERFORM pg_notify('product_updated',
			      CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END::text);
			  RETURN NULL;
			END;
			$$ LANGUAGE plpgsql;
			CREATE TRIGGER products_notify AFTER UPDATE OR DELETE ON products
			  FOR EACH ROW EXECUTE FUNCTION notify_product_updated();
			""";

	private final RedisServer redis = RedisServer.shared();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withUserConfiguration(RecorderConfiguration.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=pg-events-" + UUID.randomUUID(),
				"tiered-cache.invalidation.heartbeat-interval=200ms");

	@BeforeAll
	static void createDatabase() throws SQLException {
		execute("postgres", "CREATE DATABASE " + DATABASE);
		execute(DATABASE, "CREATE TABLE products (id BIGINT PRIMARY KEY, name VARCHAR(100), price NUMERIC(10, 2))",
				"INSERT INTO products VALUES (42, 'Teapot', 19.90), (43, 'Kettle', 29.90)", TRIGGER);
	}

	@AfterAll
	static void dropDatabase() throws SQLException {
		execute("postgres", "DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
	}

	private ApplicationContextRunner productUpdated() {
		return declared(this.runner.withUserConfiguration(PostgresConfiguration.class));
	}

	private static ApplicationContextRunner declared(ApplicationContextRunner runner) {
		return runner.withPropertyValues(EVENT + "source=postgres", EVENT + "channel=product_updated",
				EVENT + "cache=products", EVENT + "key=#message", EVENT + "key-type=java.lang.Long");
	}

	@Test
	void updateThroughAPlainConnectionInvalidatesOnEveryInstance() {
		ApplicationContextRunner runner = productUpdated();
		runner.run((first) -> runner.run((second) -> {
			List<AssertableApplicationContext> instances = List.of(first, second);
			instances.forEach(this::awaitListening);
			products(first).put(42L, "Teapot 19.90");
			products(first).put(43L, "Kettle 29.90");
			for (AssertableApplicationContext instance : instances) {
				await().atMost(WAIT).until(() -> {
					products(instance).get(42L);
					return inLocalTier(instance, 42L);
				});
			}
			execute(DATABASE, "UPDATE products SET price = 24.90 WHERE id = 42");
			for (AssertableApplicationContext instance : instances) {
				await().atMost(WAIT).until(() -> !inLocalTier(instance, 42L));
				assertThat(products(instance).get(42L)).isNull();
				assertThat(products(instance).get(43L, String.class)).isEqualTo("Kettle 29.90");
				await().atMost(WAIT)
					.until(() -> recorded(instance).stream()
						.anyMatch((event) -> event.getOrigin() == Origin.INBOUND_EVENT
								&& "product-updated".equals(event.getInboundEventName())
								&& Long.valueOf(42).equals(event.getKey())));
				assertThat(statistics(instance).received()).isOne();
				assertThat(statistics(instance).invalidations()).isOne();
			}
		}));
	}

	@Test
	void listenerReconnectsAfterItsConnectionIsTerminated() {
		productUpdated().run((context) -> {
			awaitListening(context);
			PostgresEvents events = context.getBean(PostgresEvents.class);
			assertThat(events.connections()).isOne();
			List<Integer> killed = listenerBackends();
			assertThat(killed).hasSize(1);
			execute(DATABASE, "SELECT pg_terminate_backend(" + killed.get(0) + ")");
			await().atMost(WAIT).until(() -> events.connections() == 2 && events.isListening());
			assertThat(listenerBackends()).hasSize(1).doesNotContainAnyElementsOf(killed);
			products(context).put(43L, "Kettle 29.90");
			execute(DATABASE, "UPDATE products SET price = 31.90 WHERE id = 43");
			await().atMost(WAIT).until(() -> products(context).get(43L) == null);
		});
	}

	@Test
	void payloadIsReadWithThePatternOrAsJsonAndBadOnesAreCountedAndHarmless() {
		String json = "tiered-cache.invalidation.events.product-json.";
		productUpdated()
			.withPropertyValues(EVENT + "channel=product_text", EVENT + "pattern=product:{id}", EVENT + "key=#id",
					json + "source=postgres", json + "channel=product_json", json + "cache=products",
					json + "key=#payload.id", json + "key-type=java.lang.Long")
			.run((context) -> {
				awaitListening(context);
				TieredCache products = products(context);
				products.put(7L, "a");
				products.put(8L, "b");
				execute(DATABASE, "SELECT pg_notify('product_text', 'order:7')",
						"SELECT pg_notify('product_text', 'product:seven')",
						"SELECT pg_notify('product_json', 'oops')");
				await().atMost(WAIT)
					.until(() -> statistics(context).received() == 2
							&& context.getBean(InboundInvalidations.class).statistics("product-json").received() == 1);
				assertThat(statistics(context).unmatched()).isOne();
				assertThat(statistics(context).failed()).isOne();
				assertThat(context.getBean(InboundInvalidations.class).statistics("product-json").failed()).isOne();
				assertThat(products.get(7L, String.class)).isEqualTo("a");
				execute(DATABASE, "SELECT pg_notify('product_text', 'product:7')",
						"SELECT pg_notify('product_json', '{\"id\": 8, \"op\": \"update\"}')");
				await().atMost(WAIT).until(() -> products.get(7L) == null && products.get(8L) == null);
			});
	}

	@Test
	void startUpFailsNamingTheEventWhenItCannotListenToPostgres() {
		assertFailsNaming(declared(this.runner.withUserConfiguration(H2Configuration.class)), "H2");
		assertFailsNaming(productUpdated().withClassLoader(new FilteredClassLoader(PGConnection.class)),
				"org.postgresql:postgresql");
		assertFailsNaming(declared(this.runner), "no DataSource");
		assertFailsNaming(productUpdated().withPropertyValues(EVENT + "channel=" + "c".repeat(64)), "63 bytes");
	}

	private static void assertFailsNaming(ApplicationContextRunner runner, String reason) {
		runner.run((context) -> {
			assertThat(context).hasFailed();
			InvalidConfigurationPropertyValueException invalid = null;
			for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
				if (cause instanceof InvalidConfigurationPropertyValueException found) {
					invalid = found;
				}
			}
			assertThat(invalid).as("failure: %s", context.getStartupFailure()).isNotNull();
			assertThat(invalid.getName()).startsWith("tiered-cache.invalidation.events.product-updated.");
			assertThat(invalid.getReason()).contains(reason);
		});
	}

	private void awaitListening(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		await().atMost(WAIT).until(() -> context.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
		await().atMost(WAIT).until(context.getBean(PostgresEvents.class)::isListening);
	}

	private static List<Integer> listenerBackends() throws SQLException {
		List<Integer> pids = new ArrayList<>();
		try (Connection connection = connect("postgres");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname = '" + DATABASE
						+ "' AND application_name = '" + PostgresEvents.APPLICATION_NAME + "'")) {
			while (rows.next()) {
				pids.add(rows.getInt(1));
			}
		}
		return pids;
	}

	private static void execute(String database, String... statements) throws SQLException {
		try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

	private static Connection connect(String database) throws SQLException {
		return DriverManager.getConnection(SERVER + database, "postgres", "");
	}

	@Configuration(proxyBeanMethods = false)
	static class PostgresConfiguration {

		@Bean
		DataSource dataSource() {
			return new DriverManagerDataSource(SERVER + DATABASE, "postgres", "");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class H2Configuration {

		@Bean
		DataSource h2DataSource() {
			return new DriverManagerDataSource("jdbc:h2:mem:pg-events-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		}

	}

}
