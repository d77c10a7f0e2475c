package io.github.tieredcache.internal.writebehind;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The crash tests: a separate JVM makes 20,000 {@code @WriteBehind} calls (10,000 keys,
 * each written twice) against a real Redis and an H2 database in a file, while its
 * flusher runs, and is killed with {@code SIGKILL} right after the last call returned. A
 * process started afterwards flushes the backlog, claiming what the dead one left
 * unacknowledged: every key holds its last value, none is lost. With two writing JVMs
 * (both flushers up, the second writing every key again after the first died, and then
 * killed too), every key holds the second's value.
 */
class WriteBehindCrashTests {

	private static final int KEYS = 10_000;

	@Test
	void noAcknowledgedWriteIsLostWhenTheProcessDies() throws Exception {
		RedisServer redis = RedisServer.shared();
		String prefix = "crash-" + UUID.randomUUID();
		String database = database();

		Process writer = start("write", redis, prefix, database, String.valueOf(KEYS));
		try {
			assertThat(answer(writer, Duration.ofMinutes(5))).isEqualTo("done");
		}
		finally {
			writer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		System.out
			.println("write-behind crash test: backlog at SIGKILL " + backlog(redis, prefix) + " of " + (2 * KEYS));

		assertEveryKeyEventuallyHolds(redis, prefix, database, 2);
	}

	@Test
	void twoWritingInstancesKilledInTurnLoseNothingAndEndWithTheLastCalls() throws Exception {
		RedisServer redis = RedisServer.shared();
		String prefix = "crash-two-" + UUID.randomUUID();
		String database = database();
		// this JVM opens the database first, so it serves it (AUTO_SERVER) to both
		// instances
		// and the second keeps writing after the first died
		SingleConnectionDataSource server = new SingleConnectionDataSource(database, true);
		JdbcClient.create(server)
			.sql("CREATE TABLE IF NOT EXISTS stock (sku VARCHAR(100) PRIMARY KEY, quantity INT)")
			.update();
		// both instances run a flusher; the second writes every key again once the first
		// has
		// returned from its last call and died, and has time to write them all before the
		// first's lease lapses and what the first had read is claimed
		String claimIdleTime = "--tiered-cache.write-behind.claim-idle-time=10s";
		Process first = start("write", redis, prefix, database, String.valueOf(KEYS), claimIdleTime);
		Process second = start("rewrite", redis, prefix, database, String.valueOf(KEYS), claimIdleTime);
		try {
			assertThat(answer(second, Duration.ofMinutes(2))).isEqualTo("ready");
			assertThat(answer(first, Duration.ofMinutes(5))).isEqualTo("done");
			first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			System.out.println("write-behind crash test: backlog at the first SIGKILL " + backlog(redis, prefix));
			second.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
			second.getOutputStream().flush();
			assertThat(answer(second, Duration.ofMinutes(5))).isEqualTo("done");
			// killed once it has written the backlog, including what it claimed from the
			// first
			await().atMost(Duration.ofMinutes(3))
				.pollInterval(Duration.ofMillis(200))
				.until(() -> backlog(redis, prefix) == 0);
			second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			System.out.println("write-behind crash test: backlog at the second SIGKILL " + backlog(redis, prefix));
		}
		finally {
			first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		try {
			assertEveryKeyEventuallyHolds(redis, prefix, database, 3);
		}
		finally {
			server.destroy();
		}
	}

	private static String database() throws IOException {
		Path directory = Files.createTempDirectory("tiered-cache-crash-");
		// WRITE_DELAY=0: a commit is on disk when the write returns (H2 delays it 500 ms
		// by
		// default, and a write-behind acknowledgement is only as durable as the writer's
		// commit)
		return "jdbc:h2:file:" + directory.resolve("stock") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
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
