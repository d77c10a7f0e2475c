package io.github.tieredcache.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Adds the health defaults the {@code tieredCache} indicator needs, as the lowest
 * property source, so that anything the application sets wins:
 * <ul>
 * <li>{@code management.endpoint.health.status.order} with {@code DEGRADED} between
 * {@code OUT_OF_SERVICE} and {@code UP} (Spring Boot's default order leaves unknown
 * statuses out of the aggregate, so a degraded cache would not show at the top);</li>
 * <li>{@code management.health.redis.enabled=false} unless
 * {@code tiered-cache.health.replace-redis-indicator=false}: Spring Boot's {@code redis}
 * indicator would report the whole application {@code DOWN} while the cache serves
 * without Redis.</li>
 * </ul>
 * Nothing is added without Spring Boot's health support on the class path, with
 * tiered-cache or its indicator switched off, or when {@code spring.cache.type} hands
 * caching to Spring Boot.
 */
class TieredCacheHealthDefaults implements EnvironmentPostProcessor, Ordered {

	/**
	 * Name of the property source added.
	 */
	static final String PROPERTY_SOURCE_NAME = "tieredCacheHealthDefaults";

	static final String STATUS_ORDER = "management.endpoint.health.status.order";

	static final String REDIS_INDICATOR = "management.health.redis.enabled";

	static final String DEFAULT_ORDER = "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN";

	private static final String HEALTH_CLASS = "org.springframework.boot.health.contributor.HealthIndicator";

	@Override
	public int getOrder() {
		// after the application's configuration files are loaded
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!ClassUtils.isPresent(HEALTH_CLASS, getClass().getClassLoader()) || !indicatorEnabled(environment)) {
			return;
		}
		Map<String, Object> defaults = new LinkedHashMap<>();
		if (!environment.containsProperty(STATUS_ORDER) && !environment.containsProperty(STATUS_ORDER + "[0]")) {
			defaults.put(STATUS_ORDER, DEFAULT_ORDER);
		}
		if (environment.getProperty("tiered-cache.health.replace-redis-indicator", Boolean.class, true)
				&& !environment.containsProperty(REDIS_INDICATOR)) {
			defaults.put(REDIS_INDICATOR, "false");
		}
		if (!defaults.isEmpty()) {
			environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, defaults));
		}
	}

	private static boolean indicatorEnabled(ConfigurableEnvironment environment) {
		if (!environment.getProperty("tiered-cache.enabled", Boolean.class, true)
				|| environment.containsProperty(MissingTieredCacheManagerException.CACHE_TYPE)) {
			return false;
		}
		String indicator = "management.health." + TieredCacheHealthContributorAutoConfiguration.NAME + ".enabled";
		if (environment.containsProperty(indicator)) {
			return environment.getProperty(indicator, Boolean.class, true);
		}
		return environment.getProperty("management.health.defaults.enabled", Boolean.class, true);
	}

}
