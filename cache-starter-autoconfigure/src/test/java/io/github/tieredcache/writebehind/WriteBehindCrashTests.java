package io.github.tieredcache.writebehind;

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
 * The crash test: a separate JVM makes 20,000 {@code @WriteBehind} calls (10,000 keys, each
 * written twice) against a real Redis and an H2 database in a file, while its flusher runs,
 * and is killed with {@code SIGKILL} right after the last call returned. A second process
 * started afterwards flushes the backlog, claiming what the first left unacknowledged: every
 * key holds its last value, none is lost.
 */
class WriteBehindCrashTests {

	private static final int KEYS = 10_000;

	@Test
	void noAcknowledgedWriteIsLostWhenTheProcessDies() throws Exception {
		RedisServer redis = RedisServer.shared();
		String prefix = "crash-" + UUID.randomUUID();
		Path directory = Files.createTempDirectory("tiered-cache-crash-");
		// WRITE_DELAY=0: a commit is on disk when the write returns (H2 delays it 500 ms by
		// default, and a write-behind acknowledgement is only as durable as the writer's commit)
		String database = "jdbc:h2:file:" + directory.resolve("stock") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";

		Process writer = start("write", redis, prefix, database, String.valueOf(KEYS));
		try {
			assertThat(answer(writer, Duration.ofMinutes(5))).isEqualTo("done");
		}
		finally {
			writer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		long backlogAtCrash = Long.parseLong(redis.command("XLEN", prefix + ":write-behind").substring(1));
		System.out.println("write-behind crash test: backlog at SIGKILL " + backlogAtCrash + " of " + (2 * KEYS));

		Process flusher = start("flush", redis, prefix, database);
		try {
			assertThat(answer(flusher, Duration.ofMinutes(2))).isEqualTo("ready");
			await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
				.until(() -> redis.command("XLEN", prefix + ":write-behind").equals(":0"));
			JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(database, true));
			Map<String, Integer> stored = jdbc.sql("SELECT sku, quantity FROM stock")
				.query((rs, row) -> Map.entry(rs.getString(1), rs.getInt(2)))
				.list()
				.stream()
				.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
			List<String> wrong = new ArrayList<>();
			for (int key = 0; key < KEYS; key++) {
				Integer quantity = stored.get("sku-" + key);
				if (quantity == null || quantity != key * 10 + 2) {
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
		List<String> command = new ArrayList<>(List.of(
				System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-cp",
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
