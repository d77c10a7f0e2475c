package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.autoconfigure.EventTestSupport.ProductChanged;
import io.github.tieredcache.autoconfigure.EventTestSupport.RecorderConfiguration;
import io.github.tieredcache.core.CacheInvalidatedEvent;
import io.github.tieredcache.core.CacheInvalidatedEvent.Origin;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.events.RedisChannelEvents;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static io.github.tieredcache.autoconfigure.EventTestSupport.inLocalTier;
import static io.github.tieredcache.autoconfigure.EventTestSupport.products;
import static io.github.tieredcache.autoconfigure.EventTestSupport.recorded;
import static io.github.tieredcache.autoconfigure.EventTestSupport.statistics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the inbound invalidation events of {@code tiered-cache.invalidation.events}
 * and the {@link CacheInvalidatedEvent}s, against a real Redis: messages are sent with a
 * raw PUBLISH, as any client in any language would.
 */
class InvalidationEventsTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String EVENT = "tiered-cache.invalidation.events.product-updated.";

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "events-" + UUID.randomUUID();

	private final String channelPrefix = "p" + UUID.randomUUID().toString().substring(0, 8);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withUserConfiguration(RecorderConfiguration.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.invalidation.heartbeat-interval=200ms");

	private ApplicationContextRunner productUpdated() {
		return this.runner.withPropertyValues(EVENT + "source=redis-channel",
				EVENT + "channel=" + this.channelPrefix + ":product:*",
				EVENT + "pattern=" + this.channelPrefix + ":product:{id}:updated", EVENT + "cache=products",
				EVENT + "key=#id", EVENT + "key-type=java.lang.Long");
	}

	@Test
	void rawPublishEvictsTheKeyFromBothTiersOnEveryInstance() {
		ApplicationContextRunner runner = productUpdated();
		runner.run((first) -> runner.run((second) -> runner.run((third) -> {
			List<AssertableApplicationContext> instances = List.of(first, second, third);
			instances.forEach(this::awaitReady);
			TieredCache writer = products(first);
			writer.put(42L, "v1");
			writer.put(43L, "other");
			for (AssertableApplicationContext instance : instances) {
				// a read fills the in-process tier once the writer's own invalidation
				// has passed
				await().atMost(WAIT).until(() -> {
					products(instance).get(42L);
					return inLocalTier(instance, 42L);
				});
			}
			String redisKey = writer.currentRedisKeyPrefix() + "#long:42";
			assertThat(this.redis.command("EXISTS", redisKey)).isEqualTo(":1");
			this.redis.command("PUBLISH", this.channelPrefix + ":product:42:updated", "");
			for (AssertableApplicationContext instance : instances) {
				await().atMost(WAIT).until(() -> !inLocalTier(instance, 42L));
				assertThat(products(instance).get(42L)).isNull();
				assertThat(products(instance).get(43L, String.class)).isEqualTo("other");
				await().atMost(WAIT)
					.until(() -> recorded(instance).stream()
						.anyMatch((event) -> event.getOrigin() == Origin.INBOUND_EVENT
								&& "product-updated".equals(event.getInboundEventName())
								&& Long.valueOf(42).equals(event.getKey())));
				assertThat(statistics(instance).received()).isOne();
				assertThat(statistics(instance).invalidations()).isOne();
			}
			assertThat(this.redis.command("EXISTS", redisKey)).isEqualTo(":0");
		})));
	}

	@Test
	void messagesThatDoNotMatchOrDoNotConvertAreCountedAndHarmless() {
		productUpdated().run((context) -> {
			awaitReady(context);
			TieredCache products = products(context);
			products.put(42L, "v1");
			this.redis.command("PUBLISH", this.channelPrefix + ":product:42:deleted", "");
			this.redis.command("PUBLISH", this.channelPrefix + ":product:forty-two:updated", "");
			await().atMost(WAIT).until(() -> statistics(context).received() == 2);
			assertThat(statistics(context).unmatched()).isOne();
			assertThat(statistics(context).failed()).isOne();
			assertThat(statistics(context).invalidations()).isZero();
			assertThat(products.get(42L, String.class)).isEqualTo("v1");
			// the listener still works
			this.redis.command("PUBLISH", this.channelPrefix + ":product:42:updated", "");
			await().atMost(WAIT).until(() -> products.get(42L) == null);
			assertThat(statistics(context).invalidations()).isOne();
		});
	}

	@Test
	void keyCanComeFromTheMessageBodyAsJson() {
		this.runner
			.withPropertyValues(EVENT + "source=redis-channel", EVENT + "channel=" + this.channelPrefix + ":products",
					EVENT + "cache=products", EVENT + "key=#payload.id", EVENT + "key-type=java.lang.Long")
			.run((context) -> {
				awaitReady(context);
				products(context).put(7L, "v1");
				this.redis.command("PUBLISH", this.channelPrefix + ":products", "{\"id\": 7, \"op\": \"update\"}");
				await().atMost(WAIT).until(() -> products(context).get(7L) == null);
			});
	}

	@Test
	void allEntriesEventClearsEveryListedCache() {
		String event = "tiered-cache.invalidation.events.catalog-reloaded.";
		this.runner
			.withPropertyValues(event + "source=redis-channel", event + "channel=" + this.channelPrefix + ":reloaded",
					event + "cache=products,category-counts", event + "all-entries=true")
			.run((context) -> {
				awaitReady(context);
				TieredCacheManager manager = context.getBean(TieredCacheManager.class);
				manager.getCache("products").put(1L, "a");
				manager.getCache("category-counts").put("books", 3);
				this.redis.command("PUBLISH", this.channelPrefix + ":reloaded", "now");
				await().atMost(WAIT)
					.until(() -> manager.getCache("products").get(1L) == null
							&& manager.getCache("category-counts").get("books") == null);
				assertThat(recorded(context))
					.anyMatch((recorded) -> recorded.isAllEntries() && recorded.getCacheName().equals("category-counts")
							&& "catalog-reloaded".equals(recorded.getInboundEventName()));
			});
	}

	@Test
	void malformedDeclarationsFailStartUpNamingTheKey() {
		assertFailsNaming(EVENT + "source", EVENT + "source=kafka", EVENT + "channel=x", EVENT + "cache=products",
				EVENT + "key=#id");
		assertFailsNaming(EVENT + "source", EVENT + "channel=x", EVENT + "cache=products", EVENT + "key=#id");
		assertFailsNaming(EVENT + "key", EVENT + "source=redis-channel", EVENT + "channel=x", EVENT + "cache=products");
		assertFailsNaming(EVENT + "key", EVENT + "source=redis-channel", EVENT + "channel=x", EVENT + "cache=products",
				EVENT + "key=#id +");
		assertFailsNaming(EVENT + "key-type", EVENT + "source=redis-channel", EVENT + "channel=x",
				EVENT + "cache=products", EVENT + "key=#id", EVENT + "key-type=com.example.NoSuchType");
		assertFailsNaming(EVENT + "pattern", EVENT + "source=redis-channel", EVENT + "channel=x",
				EVENT + "pattern=product:{id:updated", EVENT + "cache=products", EVENT + "key=#id");
		assertFailsNaming(EVENT + "channel", EVENT + "source=application-event",
				EVENT + "channel=com.example.ProductChanged", EVENT + "cache=products", EVENT + "key=#event.id");
		assertFailsNaming(EVENT + "cache", EVENT + "source=redis-channel", EVENT + "channel=x", EVENT + "key=#id");
		assertFailsNaming(EVENT + "cache", "tiered-cache.dynamic=false", EVENT + "source=redis-channel",
				EVENT + "channel=x", EVENT + "cache=products", EVENT + "key=#id");
	}

	private void assertFailsNaming(String key, String... properties) {
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			boolean named = false;
			for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
				named |= (cause instanceof InvalidConfigurationPropertyValueException invalid)
						? invalid.getName().equals(key) : String.valueOf(cause.getMessage()).contains("'" + key + "'");
			}
			assertThat(named).as("start-up failure naming '%s': %s", key, failure).isTrue();
		});
	}

	@Test
	void applicationEventInvalidatesAfterCommitAndNotOnRollback() {
		String event = "tiered-cache.invalidation.events.product-changed.";
		this.runner.withUserConfiguration(TransactionConfiguration.class)
			.withPropertyValues(event + "source=application-event", event + "channel=" + ProductChanged.class.getName(),
					event + "cache=products", event + "key=#event.productId", event + "key-type=java.lang.Long")
			.run((context) -> {
				TieredCache products = products(context);
				ApplicationEventPublisher publisher = context;
				TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
				products.put(1L, "v1");
				transaction.executeWithoutResult((status) -> {
					publisher.publishEvent(new ProductChanged(1));
					assertThat(products.get(1L, String.class)).isEqualTo("v1");
				});
				assertThat(products.get(1L)).isNull();
				products.put(2L, "v1");
				transaction.executeWithoutResult((status) -> {
					publisher.publishEvent(new ProductChanged(2));
					status.setRollbackOnly();
				});
				assertThat(products.get(2L, String.class)).isEqualTo("v1");
				// outside a transaction: at once
				publisher.publishEvent(new ProductChanged(2));
				assertThat(products.get(2L)).isNull();
				assertThat(recorded(context)).filteredOn((recorded) -> recorded.getOrigin() == Origin.INBOUND_EVENT)
					.extracting(CacheInvalidatedEvent::getKey)
					.containsExactly(1L, 2L);
			});
	}

	@Test
	void everyInvalidationIsPublishedAsACacheInvalidatedEvent() {
		this.runner.withUserConfiguration(AnnotatedConfiguration.class).run((first) -> this.runner.run((second) -> {
			awaitReady(first);
			awaitReady(second);
			// an instance hears of the caches it has
			products(second);
			TieredCache products = products(first);
			products.put(1L, "a");
			products.evict(1L);
			products.clear();
			first.getBean(Catalog.class).update(5L);
			assertThat(recorded(first)).filteredOn((event) -> event.getOrigin() == Origin.LOCAL)
				.extracting(CacheInvalidatedEvent::getKey)
				.containsExactly(1L, null, 5L);
			assertThat(recorded(first)).filteredOn((event) -> event.getOrigin() == Origin.LOCAL)
				.extracting(CacheInvalidatedEvent::isAllEntries)
				.containsExactly(false, true, false);
			// the other instance drops its copies: the put and the evict of 1, the clear,
			// and the evict of 5
			await().atMost(WAIT)
				.untilAsserted(
						() -> assertThat(recorded(second)).filteredOn((event) -> event.getOrigin() == Origin.REMOTE)
							.extracting(CacheInvalidatedEvent::getKey)
							.contains(1L, null, 5L));
			assertThat(recorded(second)).allMatch((event) -> event.getOrigin() == Origin.REMOTE
					&& event.getCacheName().equals("products") && event.getInboundEventName() == null);
		}));
	}

	private void awaitReady(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		TieredCacheManager manager = context.getBean(TieredCacheManager.class);
		await().atMost(WAIT).until(() -> manager.getInvalidationBus().isHealthy());
		RedisChannelEvents events = context.getBean(RedisChannelEvents.class);
		await().atMost(WAIT).until(events::isListening);
	}

	@Configuration(proxyBeanMethods = false)
	static class TransactionConfiguration {

		@Bean
		DataSource dataSource() {
			return new DriverManagerDataSource("jdbc:h2:mem:events-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		}

		@Bean
		TransactionTemplate transactionTemplate(DataSource dataSource) {
			return new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AnnotatedConfiguration {

		@Bean
		Catalog catalog() {
			return new Catalog();
		}

	}

	static class Catalog {

		@CacheInvalidate(cache = "products", key = "#id")
		public void update(long id) {
		}

	}

}
