package io.github.tieredcache.internal.writebehind;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The crash tests: a separate JVM makes 20,000 {@code @WriteBehind} calls (10,000 keys,
 * each written twice) against a real Redis and a real database (H2 in a file, and
 * PostgreSQL with its default commit settings: each test runs on both), while its flusher
 * runs, and is killed with {@code SIGKILL} right after the last call returned. A process
 * started afterwards flushes the backlog, claiming what the dead one left unacknowledged:
 * every key holds its last value, none is lost. With two writing JVMs (both flushers up,
 * the second writing every key again after the first died, and then killed too), every
 * key holds the second's value.
 */
class WriteBehindCrashTests {

	private static final int KEYS = 10_000;

	@ParameterizedTest
	@EnumSource
	void noAcknowledgedWriteIsLostWhenTheProcessDies(CrashDatabase kind) throws Exception {
		RedisServer redis = RedisServer.shared();
		String prefix = "crash-" + UUID.randomUUID();
		try (Database database = kind.create()) {
			Process writer = start("write", redis, prefix, database.url(), String.valueOf(KEYS));
			try {
				assertThat(answer(writer, Duration.ofMinutes(5))).isEqualTo("done");
			}
			finally {
				writer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
			System.out.println("write-behind crash test (" + kind + "): backlog at SIGKILL " + backlog(redis, prefix)
					+ " of " + (2 * KEYS));

			assertEveryKeyEventuallyHolds(redis, prefix, database.url(), 2);
		}
	}

	@ParameterizedTest
	@EnumSource
	void twoWritingInstancesKilledInTurnLoseNothingAndEndWithTheLastCalls(CrashDatabase kind) throws Exception {
		RedisServer redis = RedisServer.shared();
		String prefix = "crash-two-" + UUID.randomUUID();
		try (Database database = kind.create()) {
			// both instances run a flusher; the second writes every key again once the
			// first has returned from its last call and died, and has time to write them
			// all before the first's lease lapses and what the first had read is claimed
			String claimIdleTime = "--tiered-cache.write-behind.claim-idle-time=10s";
			Process first = start("write", redis, prefix, database.url(), String.valueOf(KEYS), claimIdleTime);
			Process second = start("rewrite", redis, prefix, database.url(), String.valueOf(KEYS), claimIdleTime);
			try {
				assertThat(answer(second, Duration.ofMinutes(2))).isEqualTo("ready");
				assertThat(answer(first, Duration.ofMinutes(5))).isEqualTo("done");
				first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				System.out.println("write-behind crash test (" + kind + "): backlog at the first SIGKILL "
						+ backlog(redis, prefix));
				second.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
				second.getOutputStream().flush();
				assertThat(answer(second, Duration.ofMinutes(5))).isEqualTo("done");
				// killed once it has written the backlog, including what it claimed from
				// the first
				await().atMost(Duration.ofMinutes(3))
					.pollInterval(Duration.ofMillis(200))
					.until(() -> backlog(redis, prefix) == 0);
				second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				System.out.println("write-behind crash test (" + kind + "): backlog at the second SIGKILL "
						+ backlog(redis, prefix));
			}
			finally {
				first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
			assertEveryKeyEventuallyHolds(redis, prefix, database.url(), 3);
		}
	}

	/**
	 * The databases the crash tests run against, each with its default commit durability
	 * unless said otherwise.
	 */
	enum CrashDatabase {

		/**
		 * H2 in a file, with {@code WRITE_DELAY=0}: a commit is on disk when the write
		 * returns (H2 delays it 500 ms by default, and a write-behind acknowledgement is
		 * only as durable as the writer's commit). This JVM opens it first, so it serves
		 * it ({@code AUTO_SERVER}) to the instances, one of which keeps writing after
		 * another died.
		 */
		H2_FILE {

			@Override
			Database create() throws IOException {
				Path directory = Files.createTempDirectory("tiered-cache-crash-");
				String url = "jdbc:h2:file:" + directory.resolve("stock") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
				SingleConnectionDataSource server = new SingleConnectionDataSource(url, true);
				JdbcClient.create(server)
					.sql("CREATE TABLE IF NOT EXISTS stock (sku VARCHAR(100) PRIMARY KEY, quantity INT)")
					.update();
				return new Database(url, server::destroy);
			}

		},

		/**
		 * The PostgreSQL of this machine (127.0.0.1:5432, user {@code postgres}, trust
		 * authentication), with its default commit settings ({@code synchronous_commit}
		 * on), in a database of its own, dropped after. Fails, not skips, when PostgreSQL
		 * is not there.
		 */
		POSTGRESQL {

			@Override
			Database create() throws Exception {
				String name = "tiered_cache_crash_" + UUID.randomUUID().toString().replace("-", "");
				String server = "jdbc:postgresql://127.0.0.1:5432/";
				try (Connection connection = DriverManager.getConnection(server + "postgres", "postgres", "");
						Statement statement = connection.createStatement()) {
					statement.execute("CREATE DATABASE " + name);
				}
				return new Database(server + name + "?user=postgres", () -> {
					try (Connection connection = DriverManager.getConnection(server + "postgres", "postgres", "");
							Statement statement = connection.createStatement()) {
						statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
					}
				});
			}

		};

		abstract Database create() throws Exception;

	}

	/**
	 * A database made for one test, removed by {@link #close()}.
	 *
	 * @param url its JDBC URL
	 * @param cleanUp removes it
	 */
	record Database(String url, CleanUp cleanUp) implements AutoCloseable {

		@Override
		public void close() throws Exception {
			this.cleanUp.run();
		}

	}

	@FunctionalInterface
	interface CleanUp {

		void run() throws Exception;

	}

	private static long backlog(RedisServer redis, String prefix) {
		return Long.parseLong(redis.command("XLEN", prefix + ":write-behind").substring(1));
	}

	/**
	 * Start an instance that only flushes, wait until the stream is empty, and check that
	 * every key holds the value of its last call ({@code key * 10 + round}).
	 */
	private static void assertEveryKeyEventuallyHolds(RedisServer redis, String prefix, String database, int round)
			throws Exception {
		Process flusher = start("flush", redis, prefix, database);
		try {
			assertThat(answer(flusher, Duration.ofMinutes(2))).isEqualTo("ready");
			await().atMost(Duration.ofMinutes(3))
				.pollInterval(Duration.ofMillis(500))
				.until(() -> backlog(redis, prefix) == 0);
			JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(database, true));
			Map<String, Integer> stored = jdbc.sql("SELECT sku, quantity FROM stock")
				.query((rs, row) -> Map.entry(rs.getString(1), rs.getInt(2)))
				.list()
				.stream()
				.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
			List<String> wrong = new ArrayList<>();
			for (int key = 0; key < KEYS; key++) {
				Integer quantity = stored.get("sku-" + key);
				if (quantity == null || quantity != key * 10 + round) {
					wrong.add("sku-" + key + "=" + quantity);
				}
			}
			assertThat(wrong).as("keys without their last value").isEmpty();
			assertThat(stored).hasSize(KEYS);
		}
		finally {
			flusher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

	private static Process start(String mode, RedisServer redis, String... rest) throws IOException {
		List<String> command = new ArrayList<>(
				List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-cp",
						System.getProperty("java.class.path"), CrashTestApplication.class.getName(), mode,
						String.valueOf(redis.port())));
		command.addAll(List.of(rest));
		return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
	}

	private static String answer(Process process, Duration timeout) throws Exception {
		BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		return CompletableFuture.supplyAsync(() -> {
			try {
				String line;
				while ((line = reader.readLine()) != null) {
					if (line.startsWith(">> ")) {
						return line.substring(3);
					}
				}
				return "exited with " + process.waitFor();
			}
			catch (IOException | InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		}).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

}
