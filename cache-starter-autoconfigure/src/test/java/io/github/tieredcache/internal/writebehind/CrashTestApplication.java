package io.github.tieredcache.internal.writebehind;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import javax.sql.DataSource;

import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * An application in a JVM of its own for the write-behind crash test, on a real Redis and
 * a real database: H2 in a file, or PostgreSQL (with its default commit settings).
 * {@code write <redis-port> <prefix> <database> <keys>} writes every key twice through
 * {@code @WriteBehind} (values {@code key * 10 + 1}, then {@code key * 10 + 2}), answers
 * {@code >> done} once the last call has returned, and waits to be killed.
 * {@code rewrite <redis-port> <prefix> <database> <keys>} answers {@code >> ready}, waits
 * for a line on standard input, writes every key once more ({@code key * 10 + 3}, last
 * key first), answers {@code >> done} and waits to be killed.
 * {@code flush <redis-port> <prefix> <database>} only flushes (taking over what the dead
 * instances left), and answers {@code >> ready}.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class })
public class CrashTestApplication {

	@Bean
	DataSource dataSource(org.springframework.core.env.Environment environment) {
		// one connection, opened once: a file database with AUTO_SERVER is slow to
		// connect to
		return new SingleConnectionDataSource(environment.getRequiredProperty("crash.database"), true);
	}

	@Bean
	Stock stock(DataSource dataSource, org.springframework.core.env.Environment environment) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		jdbc.sql("CREATE TABLE IF NOT EXISTS stock (sku VARCHAR(100) PRIMARY KEY, quantity INT)").update();
		// each database's own upsert; autocommit: each call's write is committed when
		// it returns
		String upsert = environment.getRequiredProperty("crash.database").startsWith("jdbc:postgresql:")
				? "INSERT INTO stock (sku, quantity) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET quantity = EXCLUDED.quantity"
				: "MERGE INTO stock (sku, quantity) KEY (sku) VALUES (?, ?)";
		return new Stock(jdbc, upsert);
	}

	public static void main(String[] args) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(CrashTestApplication.class)
			.web(WebApplicationType.NONE)
			.properties("spring.data.redis.port=" + args[1], "tiered-cache.key-prefix=" + args[2],
					"crash.database=" + args[3], "tiered-cache.serialization.allowed-packages=io.github.**",
					"tiered-cache.invalidation.enabled=false", "tiered-cache.write-behind.batch-size=500",
					"tiered-cache.write-behind.flush-interval=100ms", "tiered-cache.write-behind.claim-idle-time=1s",
					"logging.level.root=warn")
			// trailing --name=value arguments override these
			.run(java.util.Arrays.stream(args).filter((arg) -> arg.startsWith("--")).toArray(String[]::new));
		BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		if (args[0].equals("write")) {
			Stock stock = context.getBean(Stock.class);
			int keys = Integer.parseInt(args[4]);
			for (int round = 1; round <= 2; round++) {
				for (int key = 0; key < keys; key++) {
					stock.set("sku-" + key, key * 10 + round);
				}
			}
			System.out.println(">> done");
		}
		else if (args[0].equals("rewrite")) {
			Stock stock = context.getBean(Stock.class);
			int keys = Integer.parseInt(args[4]);
			System.out.println(">> ready");
			input.readLine();
			for (int key = keys - 1; key >= 0; key--) {
				stock.set("sku-" + key, key * 10 + 3);
			}
			System.out.println(">> done");
		}
		else {
			System.out.println(">> ready");
		}
		// wait to be killed (or for standard input to close)
		input.readLine();
		context.close();
	}

	public static class Stock {

		private final JdbcClient jdbc;

		private final String upsert;

		Stock(JdbcClient jdbc, String upsert) {
			this.jdbc = jdbc;
			this.upsert = upsert;
		}

		@WriteBehind(cache = "stock", key = "#sku", value = "#quantity")
		public void set(String sku, int quantity) {
			this.jdbc.sql(this.upsert).params(sku, quantity).update();
		}

	}

}
