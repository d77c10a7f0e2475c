package io.github.tieredcache.internal.invalidation;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instance A in a separate JVM process, instance B in this one, sharing a real Redis:
 * what A writes reaches B's in-process tier, and the other way round.
 */
class SeparateProcessCoherenceTests {

	@Test
	void writesCrossJvmBoundaries() throws Exception {
		RedisServer redis = RedisServer.shared();
		String prefix = "process-" + UUID.randomUUID();
		Process process = new ProcessBuilder(
				System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-cp",
				System.getProperty("java.class.path"), InstanceProcess.class.getName(), String.valueOf(redis.port()),
				prefix)
			.redirectError(ProcessBuilder.Redirect.INHERIT)
			.start();
		LettuceConnectionFactory connectionFactory = redis.connectionFactory();
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(prefix)
			.valueCodec(new JacksonValueCodec(List.of()))
			.invalidation(prefix + ":invalidation", InvalidationBusTests.HEARTBEAT)
			.cache("products", CacheSettings.builder().localTtl(Duration.ofMinutes(1)).build())
			.build();
		try (PrintWriter toA = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
				BufferedReader fromA = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			assertThat(CompletableFuture.supplyAsync(() -> readLine(fromA)).get(60, TimeUnit.SECONDS))
				.isEqualTo("ready");
			await().atMost(Duration.ofSeconds(10)).until(() -> manager.getInvalidationBus().isHealthy());
			TieredCache b = manager.getCache("products");

			toA.println("put k v1");
			assertThat(readLine(fromA)).isEqualTo("ok");
			await().atMost(InvalidationBusTests.BOUND).untilAsserted(() -> {
				long localHits = b.getStatistics().localHits();
				assertThat(b.get("k", String.class)).isEqualTo("v1");
				assertThat(b.getStatistics().localHits()).isGreaterThan(localHits);
			});
			toA.println("put k v2");
			assertThat(readLine(fromA)).isEqualTo("ok");
			await().atMost(InvalidationBusTests.BOUND)
				.untilAsserted(() -> assertThat(b.get("k", String.class)).isEqualTo("v2"));

			toA.println("get k");
			assertThat(readLine(fromA)).isEqualTo("v2");
			b.put("k", "v3");
			await().atMost(InvalidationBusTests.BOUND).untilAsserted(() -> {
				toA.println("get k");
				assertThat(readLine(fromA)).isEqualTo("v3");
			});
		}
		finally {
			process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			manager.destroy();
			connectionFactory.destroy();
		}
	}

	private static String readLine(BufferedReader reader) {
		try {
			String line;
			while ((line = reader.readLine()) != null) {
				if (line.startsWith(">> ")) {
					return line.substring(3);
				}
			}
			return null;
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
