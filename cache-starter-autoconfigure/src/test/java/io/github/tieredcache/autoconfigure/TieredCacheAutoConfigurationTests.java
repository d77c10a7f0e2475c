package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.core.ValueCodec;
import io.github.tieredcache.testsupport.RedisServer;
import io.lettuce.core.ClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TieredCacheAutoConfiguration}.
 */
class TieredCacheAutoConfigurationTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "autoconfig-" + UUID.randomUUID();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				CacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=" + this.prefix);

	@Test
	void tieredCacheManagerIsTheApplicationsCacheManager() {
		this.runner.withUserConfiguration(CachingConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(CacheManager.class);
			assertThat(context.getBean(CacheManager.class)).isInstanceOf(TieredCacheManager.class);
			assertThat(context.getBean(TieredCacheManager.class).hasRedisTier()).isTrue();
		});
	}

	@Test
	void cacheableValuesLandInRedisUnderTheKeyScheme() {
		this.runner.withUserConfiguration(CachingConfiguration.class).run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			assertThat(catalog.find(7L)).isEqualTo("product-7");
			assertThat(catalog.find(7L)).isEqualTo("product-7");
			assertThat(catalog.calls()).isEqualTo(1);
			assertThat(this.redis.command("GET",
					context.getBean(TieredCacheManager.class).getCache("products").currentRedisKeyPrefix() + "#long:7"))
				.isEqualTo("\u0001\"product-7\"");
		});
	}

	@Test
	void cachesListedInPropertiesExistAtStartUpWithTheirOverlays() {
		this.runner
			.withPropertyValues("tiered-cache.defaults.ttl=5m", "tiered-cache.defaults.cache-null-values=true",
					"tiered-cache.caches.users.local.maximum-size=10", "tiered-cache.caches.users.ttl=30s")
			.run((context) -> {
				TieredCacheManager manager = context.getBean(TieredCacheManager.class);
				assertThat(manager.getCacheNames()).containsExactly("users");
				CacheSettings users = manager.getCache("users").getSettings();
				assertThat(users.ttl()).isEqualTo(Duration.ofSeconds(30));
				assertThat(users.localTtl()).isEqualTo(Duration.ofSeconds(30));
				assertThat(users.localMaximumSize()).isEqualTo(10);
				assertThat(users.cacheNullValues()).isTrue();
				CacheSettings others = manager.getCache("others").getSettings();
				assertThat(others.ttl()).isEqualTo(Duration.ofMinutes(5));
				assertThat(others.localMaximumSize()).isEqualTo(10_000);
			});
	}

	@Test
	void unknownCachesAreRefusedWhenNotDynamic() {
		this.runner.withPropertyValues("tiered-cache.dynamic=false", "tiered-cache.caches.users.ttl=1m")
			.run((context) -> {
				TieredCacheManager manager = context.getBean(TieredCacheManager.class);
				assertThat(manager.getCache("users")).isNotNull();
				assertThat(manager.getCache("unknown")).isNull();
			});
	}

	@Test
	void keyPrefixDefaultsToTheApplicationName() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TieredCacheAutoConfiguration.class))
			.withPropertyValues("spring.application.name=catalog")
			.run((context) -> assertThat(context.getBean(TieredCacheManager.class).getKeyPrefix())
				.isEqualTo("catalog"));
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TieredCacheAutoConfiguration.class))
			.run((context) -> assertThat(context.getBean(TieredCacheManager.class).getKeyPrefix()).isEqualTo("app"));
	}

	@Test
	void backsOffFromAUserDefinedManager() {
		this.runner.withUserConfiguration(UserManagerConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(TieredCacheManager.class);
			assertThat(context.getBean(TieredCacheManager.class).getKeyPrefix()).isEqualTo("mine");
		});
	}

	@Test
	void backsOffFromAUserDefinedCodec() {
		this.runner.withBean(ValueCodec.class, () -> new JacksonValueCodec(List.of("com.example")))
			.run((context) -> assertThat(context.getBean(TieredCacheManager.class).getValueCodec())
				.isSameAs(context.getBean(ValueCodec.class)));
	}

	@Test
	void disabledLeavesCachingToSpringBoot() {
		this.runner.withUserConfiguration(CachingConfiguration.class)
			.withPropertyValues("tiered-cache.enabled=false", "spring.cache.type=simple")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TieredCacheManager.class);
				assertThat(context).hasSingleBean(CacheManager.class);
			});
	}

	@Test
	void allowedPackagesDefaultToTheAutoConfigurationPackages() {
		this.runner.withUserConfiguration(PackageConfiguration.class).run((context) -> {
			JacksonValueCodec codec = (JacksonValueCodec) context.getBean(ValueCodec.class);
			assertThat(codec.getAllowedPackages()).containsExactly("io.github.tieredcache.autoconfigure.**");
		});
		this.runner.withUserConfiguration(PackageConfiguration.class)
			.withPropertyValues("tiered-cache.serialization.allowed-packages=com.example.shop")
			.run((context) -> assertThat(((JacksonValueCodec) context.getBean(ValueCodec.class)).getAllowedPackages())
				.contains("com.example.shop")
				.doesNotContain("io.github.tieredcache.autoconfigure"));
	}

	@Test
	void localTtlAboveTtlFailsAtStartUpNamingTheKey() {
		this.runner.withPropertyValues("tiered-cache.caches.users.ttl=10s", "tiered-cache.caches.users.local.ttl=1m")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidConfigurationPropertyValueException.class)
					.hasMessageContaining("tiered-cache.caches.users.local.ttl");
			});
	}

	@Test
	void badJitterFailsAtStartUpNamingTheKey() {
		this.runner.withPropertyValues("tiered-cache.defaults.ttl-jitter=2").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("tiered-cache.defaults.ttl-jitter");
		});
	}

	@Test
	void blankKeyPrefixFailsAtStartUp() {
		this.runner.withPropertyValues("tiered-cache.key-prefix= ").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("tiered-cache.key-prefix");
		});
	}

	@Test
	void withoutRedisOnTheClasspathCachesAreLocalOnly() {
		this.runner.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class)).run((context) -> {
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			assertThat(manager.hasRedisTier()).isFalse();
			TieredCache cache = manager.getCache("users");
			cache.put("k", "v");
			assertThat(cache.get("k", String.class)).isEqualTo("v");
		});
	}

	@Test
	void unreachableRedisDoesNotStopStartUp() {
		RedisServer stopped = RedisServer.start();
		int port = stopped.port();
		stopped.close();
		this.runner.withUserConfiguration(CachingConfiguration.class)
			.withPropertyValues("spring.data.redis.port=" + port, "spring.data.redis.timeout=500ms",
					"spring.data.redis.connect-timeout=500ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Catalog catalog = context.getBean(Catalog.class);
				assertThat(catalog.find(1L)).isEqualTo("product-1");
				assertThat(catalog.find(1L)).isEqualTo("product-1");
			});
	}

	@Test
	void invalidationBusIsOnByDefaultOnTheKeyPrefixChannel() {
		this.runner.run((context) -> {
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			assertThat(manager.getInvalidationBus()).isNotNull();
			assertThat(manager.getInvalidationBus().getChannel()).isEqualTo(this.prefix + ":invalidation");
		});
		this.runner.withPropertyValues("tiered-cache.invalidation.channel=custom-channel")
			.run((context) -> assertThat(context.getBean(TieredCacheManager.class).getInvalidationBus().getChannel())
				.isEqualTo("custom-channel"));
	}

	@Test
	void invalidationBusCanBeTurnedOff() {
		this.runner.withPropertyValues("tiered-cache.invalidation.enabled=false")
			.run((context) -> assertThat(context.getBean(TieredCacheManager.class).getInvalidationBus()).isNull());
	}

	@Test
	void tooShortHeartbeatFailsAtStartUp() {
		this.runner.withPropertyValues("tiered-cache.invalidation.heartbeat-interval=1ms").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasStackTraceContaining("tiered-cache.invalidation.heartbeat-interval");
		});
	}

	@Test
	void lettuceDefaultsThatWouldMakeAnOutageHangAreReplaced() {
		this.runner.run((context) -> {
			LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
			assertThat(factory.getClientConfiguration().getCommandTimeout()).isEqualTo(Duration.ofSeconds(2));
			ClientOptions options = factory.getClientConfiguration().getClientOptions().orElseThrow();
			assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
			assertThat(options.getRequestQueueSize()).isEqualTo(10_000);
		});
		this.runner.withPropertyValues("spring.data.redis.timeout=7s")
			.run((context) -> assertThat(
					context.getBean(LettuceConnectionFactory.class).getClientConfiguration().getCommandTimeout())
				.isEqualTo(Duration.ofSeconds(7)));
	}

	@Test
	void tuneClientFalseLeavesTheLettuceClientAsSpringBootConfiguresIt() {
		this.runner.withPropertyValues("tiered-cache.redis.tune-client=false").run((context) -> {
			assertThat(context).doesNotHaveBean(LettuceClientOptionsBuilderCustomizer.class);
			assertThat(context).doesNotHaveBean(LettuceClientConfigurationBuilderCustomizer.class);
			LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
			assertThat(factory.getClientConfiguration().getCommandTimeout()).isEqualTo(Duration.ofSeconds(60));
			ClientOptions options = factory.getClientConfiguration().getClientOptions().orElseThrow();
			assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.DEFAULT);
			assertThat(options.getRequestQueueSize()).isEqualTo(Integer.MAX_VALUE);
			// the cache keeps its own command timeout
			assertThat(context.getBean(TieredCacheManager.class).hasRedisTier()).isTrue();
		});
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void tunedLettuceClientIsLoggedOnceWithHowToTurnItOff(CapturedOutput output) {
		String line = "tiered-cache tuned the application's Lettuce client";
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(output.getAll()).containsOnlyOnce(line)
				.contains("command timeout 2s")
				.contains("commands rejected while disconnected")
				.contains("request queue bounded to 10000")
				.contains("Set 'tiered-cache.redis.tune-client=false'");
		});
		int before = output.getAll().length();
		this.runner.withPropertyValues("spring.data.redis.timeout=7s").run((context) -> {
			String logged = output.getAll().substring(before);
			assertThat(logged).containsOnlyOnce(line)
				.contains("request queue bounded")
				.doesNotContain("command timeout");
		});
	}

	@Test
	void badResilienceSettingsFailAtStartUp() {
		this.runner.withPropertyValues("tiered-cache.redis.command-timeout=0s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("tiered-cache.redis.command-timeout");
		});
		this.runner.withPropertyValues("tiered-cache.defaults.early-refresh.beta=-1").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("tiered-cache.defaults.early-refresh.beta");
		});
	}

	@Test
	void customizersAreApplied() {
		this.runner.withUserConfiguration(CustomizerConfiguration.class).run((context) -> {
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			assertThat(manager.getKeyPrefix()).isEqualTo("customized");
			assertThat(manager.getCache("users").getSettings().ttl()).isEqualTo(Duration.ofSeconds(42));
			assertThat(manager.getCache("others").getSettings().ttl()).isEqualTo(Duration.ofSeconds(7));
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CachingConfiguration {

		@Bean
		Catalog catalog() {
			return new Catalog();
		}

	}

	static class Catalog {

		private final AtomicInteger calls = new AtomicInteger();

		@Cacheable("products")
		public String find(Long id) {
			this.calls.incrementAndGet();
			return "product-" + id;
		}

		public int calls() {
			return this.calls.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserManagerConfiguration {

		@Bean
		TieredCacheManager myCacheManager() {
			return TieredCacheManager.builder().keyPrefix("mine").build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@AutoConfigurationPackage
	static class PackageConfiguration {

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizerConfiguration {

		@Bean
		@Order(1)
		TieredCacheCustomizer everyCache() {
			return (name, settings) -> settings.ttl(Duration.ofSeconds(7));
		}

		@Bean
		@Order(2)
		TieredCacheCustomizer usersOnly() {
			return TieredCacheCustomizer.forCache("users", (settings) -> settings.ttl(Duration.ofSeconds(42)));
		}

		@Bean
		TieredCacheManagerCustomizer prefix() {
			return (builder) -> builder.keyPrefix("customized");
		}

	}

}
