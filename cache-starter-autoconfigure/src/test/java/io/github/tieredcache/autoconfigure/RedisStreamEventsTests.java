package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.events.RedisStreamEvents;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.github.tieredcache.autoconfigure.EventTestSupport.inLocalTier;
import static io.github.tieredcache.autoconfigure.EventTestSupport.products;
import static io.github.tieredcache.autoconfigure.EventTestSupport.statistics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the {@code redis-stream} inbound events against a real Redis: entries are
 * added with a raw {@code XADD}, as any producer in any language would.
 */
class RedisStreamEventsTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String EVENT = "tiered-cache.invalidation.events.product-updated.";

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "stream-events-" + UUID.randomUUID();

	private final String stream = this.prefix + ":product-events";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.invalidation.heartbeat-interval=200ms",
				"tiered-cache.invalidation.streams.poll-interval=50ms",
				"tiered-cache.invalidation.streams.claim-idle-time=500ms", EVENT + "source=redis-stream",
				EVENT + "channel=" + this.stream, EVENT + "cache=products", EVENT + "key=#id",
				EVENT + "key-type=java.lang.Long");

	@Test
	void anEntryIsAppliedByOneInstanceAndEveryInstanceDropsItsCopy() {
		this.runner.run((first) -> this.runner.run((second) -> {
			List<AssertableApplicationContext> instances = List.of(first, second);
			instances.forEach(this::awaitReading);
			products(first).put(42L, "v1");
			products(first).put(43L, "other");
			for (AssertableApplicationContext instance : instances) {
				await().atMost(WAIT).until(() -> {
					products(instance).get(42L);
					return inLocalTier(instance, 42L);
				});
			}
			this.redis.command("XADD", this.stream, "*", "id", "42", "op", "update");
			for (AssertableApplicationContext instance : instances) {
				await().atMost(WAIT).until(() -> !inLocalTier(instance, 42L));
				assertThat(products(instance).get(42L)).isNull();
				assertThat(products(instance).get(43L, String.class)).isEqualTo("other");
			}
			// a few more rounds on each: nobody applies it again
			long firstRounds = events(first).rounds();
			long secondRounds = events(second).rounds();
			await().atMost(WAIT)
				.until(() -> events(first).rounds() > firstRounds + 3 && events(second).rounds() > secondRounds + 3);
			assertThat(statistics(first).received() + statistics(second).received()).isOne();
			assertThat(statistics(first).invalidations() + statistics(second).invalidations()).isOne();
		}));
	}

	@Test
	void entriesAddedWhileNoInstanceRunsAreAppliedWhenOneStarts() {
		this.runner.run((before) -> {
			awaitReading(before);
			products(before).put(7L, "v1");
		});
		this.redis.command("XADD", this.stream, "*", "id", "7");
		this.runner.run((after) -> {
			awaitReading(after);
			await().atMost(WAIT).until(() -> products(after).get(7L) == null);
			assertThat(statistics(after).received()).isOne();
		});
	}

	@Test
	void anEntryDeliveredToAnInstanceThatDiedIsTakenOverAndBadEntriesAreAcknowledged() {
		this.runner.run((context) -> {
			awaitReading(context);
			TieredCache products = products(context);
			products.put(9L, "v1");
			this.redis.command("XADD", this.stream, "*", "id", "nine");
			await().atMost(WAIT).until(() -> statistics(context).failed() == 1);
			// an instance that read the entry and died before acknowledging it
			String group = this.prefix + ":invalidation-events";
			this.redis.command("XGROUP", "CREATECONSUMER", this.stream, group, "crashed");
			context.getBean(RedisStreamEvents.class).stop();
			this.redis.command("XADD", this.stream, "*", "id", "9");
			assertThat(this.redis.command("XREADGROUP", "GROUP", group, "crashed", "COUNT", "10", "STREAMS",
					this.stream, ">"))
				.as("one stream in the reply")
				.isEqualTo("*1");
			context.getBean(RedisStreamEvents.class).start();
			await().atMost(WAIT).until(() -> products.get(9L) == null);
			assertThat(statistics(context).received()).isEqualTo(2);
			// every entry acknowledged, the bad one too
			assertThat(this.redis.command("XPENDING", this.stream, group, "-", "+", "10")).isEqualTo("*0");
		});
	}

	private void awaitReading(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		await().atMost(WAIT).until(() -> context.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
		await().atMost(WAIT).until(() -> events(context).rounds() > 0);
	}

	private static RedisStreamEvents events(AssertableApplicationContext context) {
		return context.getBean(RedisStreamEvents.class);
	}

}
