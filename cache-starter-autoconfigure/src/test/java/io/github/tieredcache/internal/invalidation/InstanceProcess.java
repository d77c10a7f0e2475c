package io.github.tieredcache.internal.invalidation;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * One application instance in a JVM of its own, driven over standard input by a test:
 * {@code put <key> <value>} and {@code get <key>}, one per line, each answered with a
 * line starting {@code >> }. Answers {@code ready} once its invalidation bus is healthy.
 */
public final class InstanceProcess {

	private InstanceProcess() {
	}

	public static void main(String[] args) throws Exception {
		LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", Integer.parseInt(args[0])));
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		TieredCacheManager manager = TieredCacheManager.builder()
			.redis(connectionFactory)
			.keyPrefix(args[1])
			.valueCodec(new JacksonValueCodec(List.of()))
			.invalidation(args[1] + ":invalidation", InvalidationBusTests.HEARTBEAT)
			.cache("products", CacheSettings.builder().localTtl(Duration.ofMinutes(1)).build())
			.build();
		while (!manager.getInvalidationBus().isHealthy()) {
			Thread.onSpinWait();
		}
		TieredCache cache = manager.getCache("products");
		answer("ready");
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null) {
			String[] words = line.split(" ");
			if (words[0].equals("put")) {
				cache.put(words[1], words[2]);
				answer("ok");
			}
			else if (words[0].equals("get")) {
				answer(cache.get(words[1], String.class));
			}
		}
		manager.destroy();
		connectionFactory.destroy();
	}

	// answers are marked, as the process's logging shares standard output
	private static void answer(Object answer) {
		System.out.println(">> " + answer);
	}

}
