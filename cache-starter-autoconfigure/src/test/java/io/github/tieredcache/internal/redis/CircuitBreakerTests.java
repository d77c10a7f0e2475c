package io.github.tieredcache.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.redis.RedisTier.BreakerState;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The circuit breaker as a state machine, against a Redis of the test's own that is
 * paused ({@code SIGSTOP}) and resumed: every transition is published, in order.
 */
class CircuitBreakerTests {

	@Test
	void opensHalfOpensAndClosesPublishingEveryTransition() {
		try (RedisServer redis = RedisServer.start()) {
			LettuceConnectionFactory connection = redis.connectionFactory();
			RedisTier tier = new RedisTier(connection, Ticker.systemTicker(), Duration.ofMillis(100), 2,
					Duration.ofMillis(50));
			List<String> transitions = new CopyOnWriteArrayList<>();
			tier.addBreakerListener((from, to) -> transitions.add(from + ">" + to));
			try {
				byte[] key = "k".getBytes(StandardCharsets.UTF_8);
				assertThat(tier.get(key)).isNull();
				assertThat(tier.getBreakerState()).isEqualTo(BreakerState.CLOSED);
				redis.pause();
				try {
					tier.get(key);
					tier.get(key);
					assertThat(tier.getBreakerState()).isIn(BreakerState.OPEN, BreakerState.HALF_OPEN);
					assertThat(tier.isAvailable()).isFalse();
					// a probe that finds no answer opens it again
					await().atMost(Duration.ofSeconds(10)).until(() -> transitions.contains("HALF_OPEN>OPEN"));
				}
				finally {
					redis.resume();
				}
				await().atMost(Duration.ofSeconds(10)).until(() -> tier.getBreakerState() == BreakerState.CLOSED);
				assertThat(transitions.get(0)).isEqualTo("CLOSED>OPEN");
				assertThat(transitions.get(1)).isEqualTo("OPEN>HALF_OPEN");
				assertThat(transitions.get(transitions.size() - 1)).isEqualTo("HALF_OPEN>CLOSED");
				assertThat(tier.isAvailable()).isTrue();
			}
			finally {
				tier.close();
				connection.destroy();
			}
		}
	}

}
