package io.github.tieredcache.core;

import java.time.Duration;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Review: interleavings of {@link CacheNamespace} replayed step by step on one thread,
 * against a real Redis.
 */
class CacheNamespaceRaceTests {

	private final String prefix = "race-" + UUID.randomUUID();

	private LettuceConnectionFactory connection;

	private RedisTier tier;

	@BeforeEach
	void start() {
		this.connection = RedisServer.shared().connectionFactory();
		this.tier = new RedisTier(this.connection, Ticker.systemTicker(), Duration.ofMillis(250), 5,
				Duration.ofMillis(500));
	}

	@AfterEach
	void stop() {
		this.tier.close();
		this.connection.destroy();
	}

	/**
	 * writeRemote: current() = V1 ... [maintenance: validate() moves to V2] ... SET under
	 * V1 ... written(k). The write went to a dead version after the move was processed:
	 * it must be remembered, as writes of the version's last period are.
	 */
	@Test
	void writeUnderTheOldVersionRecordedAfterTheMoveIsRemembered() {
		CacheNamespace namespace = new CacheNamespace("products", this.prefix, this.tier);
		await().atMost(Duration.ofSeconds(5)).until(() -> namespace.current() != null);
		CacheNamespace.Version v1 = namespace.current();
		// another instance clears
		RedisServer.shared().command("SET", this.prefix + ":products:ns", "other");
		assertThat(namespace.validate()).isTrue();
		// the writer's SET under v1 returns now
		namespace.written("k", v1);
		assertThat(namespace.journal().isPending("k")).as("written under a replaced version").isTrue();
	}

	/**
	 * More than MAX_REMEMBERED distinct successful writes between two validations (a
	 * warm-up): nothing missed Redis and the version never changed.
	 */
	@Test
	void manySuccessfulWritesUnderAConfirmedVersionDoNotClearTheCache() {
		CacheNamespace namespace = new CacheNamespace("products", this.prefix, this.tier);
		await().atMost(Duration.ofSeconds(5)).until(() -> namespace.current() != null);
		for (int i = 0; i <= WriteJournal.MAX_REMEMBERED; i++) {
			namespace.written("k" + i, namespace.current());
		}
		assertThat(namespace.journal().isClearPending()).isFalse();
	}

}
