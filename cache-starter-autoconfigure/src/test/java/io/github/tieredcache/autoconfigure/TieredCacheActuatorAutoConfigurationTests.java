package io.github.tieredcache.autoconfigure;

import java.util.UUID;

import io.github.tieredcache.actuate.TieredCacheEndpoint;
import io.github.tieredcache.actuate.TieredCacheHealthIndicator;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.cache.actuate.endpoint.CachesEndpoint;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CachesEndpointAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.health.DataRedisHealthContributorAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.health.DataRedisReactiveHealthContributorAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.application.AvailabilityHealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TieredCacheEndpointAutoConfiguration},
 * {@link TieredCacheHealthContributorAutoConfiguration} and the health defaults
 * ({@link TieredCacheHealthDefaults}).
 */
class TieredCacheActuatorAutoConfigurationTests {

	private final RedisServer redis = RedisServer.shared();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				CacheAutoConfiguration.class, TieredCacheEndpointAutoConfiguration.class,
				CachesEndpointAutoConfiguration.class, TieredCacheHealthContributorAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=actuator-" + UUID.randomUUID());

	/**
	 * The application's health set-up as Spring Boot auto-configures it, with the
	 * starter's defaults added to the environment as they are at start-up.
	 */
	private final ApplicationContextRunner healthRunner = this.runner
		.withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class,
				HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
				ApplicationAvailabilityAutoConfiguration.class, AvailabilityHealthContributorAutoConfiguration.class,
				AvailabilityProbesAutoConfiguration.class, DataRedisHealthContributorAutoConfiguration.class,
				DataRedisReactiveHealthContributorAutoConfiguration.class))
		.withInitializer((context) -> new TieredCacheHealthDefaults().postProcessEnvironment(context.getEnvironment(),
				new SpringApplication()));

	@Test
	void endpointsAreAvailableOnceExposed() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=tieredcache,caches",
					"tiered-cache.caches.products.ttl=1m")
			.run((context) -> {
				assertThat(context).hasSingleBean(TieredCacheEndpoint.class);
				assertThat(context).hasSingleBean(CachesEndpoint.class);
				assertThat(context.getBean(CachesEndpoint.class).caches().getCacheManagers())
					.containsOnlyKeys("cacheManager");
			});
	}

	@Test
	void endpointsAreNotAvailableByDefault() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(TieredCacheEndpoint.class);
			assertThat(context).doesNotHaveBean(CachesEndpoint.class);
		});
	}

	@Test
	void endpointIsNotAvailableWhenDisabled() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=*",
					"management.endpoint.tieredcache.access=NONE")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TieredCacheEndpoint.class);
				assertThat(context).hasSingleBean(CachesEndpoint.class);
			});
	}

	@Test
	void backsOffWithoutActuator() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=*")
			.withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(TieredCacheEndpoint.class);
				assertThat(context).doesNotHaveBean(TieredCacheHealthIndicator.class);
			});
	}

	@Test
	void backsOffWithoutATieredCacheManager() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=*", "spring.cache.type=simple",
					"spring.cache.cache-names=books")
			.withUserConfiguration(CachingOn.class)
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TieredCacheEndpoint.class);
				assertThat(context).doesNotHaveBean(TieredCacheHealthIndicator.class);
				assertThat(context.getBean(CachesEndpoint.class).caches().getCacheManagers().get("cacheManager"))
					.satisfies((manager) -> assertThat(manager.getCaches()).containsOnlyKeys("books"));
			});
	}

	@Test
	void cachesEndpointOfTheApplicationIsKept() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=caches")
			.withUserConfiguration(OwnCachesEndpoint.class)
			.run((context) -> assertThat(context.getBean(CachesEndpoint.class))
				.isSameAs(context.getBean(OwnCachesEndpoint.class).endpoint));
	}

	@Test
	void healthIndicatorIsPresentUnlessSwitchedOff() {
		this.healthRunner.run((context) -> {
			assertThat(context).hasSingleBean(TieredCacheHealthIndicator.class);
			assertThat(context.getBean(HealthContributorRegistry.class).getContributor("tieredCache"))
				.isInstanceOf(TieredCacheHealthIndicator.class);
		});
		this.healthRunner.withPropertyValues("management.health.tieredcache.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TieredCacheHealthIndicator.class));
	}

	@Test
	void degradedRanksBetweenOutOfServiceAndUpAndMapsToOk() {
		this.healthRunner.run((context) -> {
			StatusAggregator aggregator = context.getBean(StatusAggregator.class);
			assertThat(aggregator.getAggregateStatus(Status.UP, TieredCacheHealthIndicator.DEGRADED))
				.isEqualTo(TieredCacheHealthIndicator.DEGRADED);
			assertThat(aggregator.getAggregateStatus(Status.DOWN, TieredCacheHealthIndicator.DEGRADED))
				.isEqualTo(Status.DOWN);
			assertThat(context.getBean(HttpCodeStatusMapper.class).getStatusCode(TieredCacheHealthIndicator.DEGRADED))
				.isEqualTo(200);
			assertThat(context.getBean(HealthEndpoint.class).healthForPath("tieredCache").getStatus())
				.isEqualTo(Status.UP);
		});
	}

	@Test
	void statusOrderOfTheApplicationWins() {
		this.healthRunner.withPropertyValues("management.endpoint.health.status.order=DOWN,UP")
			.run((context) -> assertThat(context.getBean(StatusAggregator.class)
				.getAggregateStatus(Status.UP, TieredCacheHealthIndicator.DEGRADED)).isEqualTo(Status.UP));
	}

	@Test
	void livenessLeavesTheCacheOutAndReadinessTakesItWhenAsked() {
		this.healthRunner
			.withPropertyValues("management.endpoint.health.probes.enabled=true",
					"management.endpoint.health.group.readiness.include=readinessState,tieredCache")
			.run((context) -> {
				HealthEndpointGroups groups = context.getBean(HealthEndpointGroups.class);
				assertThat(groups.get("liveness").isMember("tieredCache")).isFalse();
				assertThat(groups.get("readiness").isMember("tieredCache")).isTrue();
				assertThat(groups.getPrimary().isMember("tieredCache")).isTrue();
			});
	}

	@Test
	void redisIndicatorOfSpringBootIsSupersededByDefault() {
		this.healthRunner.run((context) -> {
			assertThat(context).doesNotHaveBean("redisHealthContributor");
			assertThat(context.getBean(HealthContributorRegistry.class).getContributor("redis")).isNull();
			assertThat(
					context.getEnvironment().getPropertySources().get(TieredCacheHealthDefaults.PROPERTY_SOURCE_NAME))
				.isNotNull();
		});
	}

	@Test
	void redisIndicatorOfSpringBootIsKeptWhenAsked() {
		// reactive here (Reactor is on the class path), so in the reactive registry
		this.healthRunner.withPropertyValues("tiered-cache.health.replace-redis-indicator=false")
			.run((context) -> assertThat(context).hasBean("redisHealthContributor"));
		this.healthRunner.withPropertyValues("management.health.redis.enabled=true")
			.run((context) -> assertThat(context).hasBean("redisHealthContributor"));
	}

	@Test
	void healthDefaultsAreAddedOnlyWithTheIndicator() {
		assertThat(defaultsFor(new MockEnvironment())).isNotNull();
		assertThat(defaultsFor(new MockEnvironment().withProperty("tiered-cache.enabled", "false"))).isNull();
		assertThat(defaultsFor(new MockEnvironment().withProperty("spring.cache.type", "redis"))).isNull();
		assertThat(defaultsFor(new MockEnvironment().withProperty("management.health.tieredcache.enabled", "false")))
			.isNull();
		assertThat(defaultsFor(new MockEnvironment().withProperty("management.health.defaults.enabled", "false")))
			.isNull();
		assertThat(defaultsFor(new MockEnvironment().withProperty("management.health.defaults.enabled", "false")
			.withProperty("management.health.tieredcache.enabled", "true"))).isNotNull();
	}

	private static org.springframework.core.env.@org.jspecify.annotations.Nullable PropertySource<?> defaultsFor(
			ConfigurableEnvironment environment) {
		new TieredCacheHealthDefaults().postProcessEnvironment(environment, new SpringApplication());
		return environment.getPropertySources().get(TieredCacheHealthDefaults.PROPERTY_SOURCE_NAME);
	}

	@Configuration(proxyBeanMethods = false)
	@org.springframework.cache.annotation.EnableCaching
	static class CachingOn {

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnCachesEndpoint {

		final CachesEndpoint endpoint = new CachesEndpoint(java.util.Map.<String, CacheManager>of());

		@Bean
		CachesEndpoint cachesEndpoint() {
			return this.endpoint;
		}

	}

}
