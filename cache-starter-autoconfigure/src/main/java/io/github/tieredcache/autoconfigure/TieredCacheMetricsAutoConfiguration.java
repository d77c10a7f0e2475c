package io.github.tieredcache.autoconfigure;

import java.util.List;
import java.util.Map;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import io.github.tieredcache.metrics.TieredCacheManagerMetrics;
import io.github.tieredcache.metrics.TieredCacheMeterBinderProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.cache.autoconfigure.metrics.CacheMetricsAutoConfiguration;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.boot.cache.metrics.CacheMetricsRegistrar;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} of tiered-cache's Micrometer meters, when
 * a {@link MeterRegistry} bean and a {@link TieredCacheManager} exist.
 * <p>
 * Spring Boot's cache metrics bind the caches that exist at start-up through the
 * {@link TieredCacheMeterBinderProvider} this defines; caches created later (dynamic
 * caches, on first use) are bound when they are created, through
 * {@link TieredCacheManager#addCacheListener}, with the same {@code cache} and
 * {@code cache.manager} tags. The meters of what the caches share (Redis command path,
 * invalidation bus, write-behind) are bound once per manager. See
 * {@code docs/metrics.md}.
 */
@AutoConfiguration(after = { TieredCacheAutoConfiguration.class, CacheMetricsAutoConfiguration.class },
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass({ MeterRegistry.class, CacheMeterBinderProvider.class })
@ConditionalOnBean({ MeterRegistry.class, TieredCacheManager.class })
public final class TieredCacheMetricsAutoConfiguration {

	/**
	 * Spring Boot's name for a cache manager bean, as its cache metrics tag it.
	 */
	private static final String CACHE_MANAGER_SUFFIX = "cacheManager";

	@Bean
	@ConditionalOnMissingBean
	TieredCacheMeterBinderProvider tieredCacheMeterBinderProvider() {
		return new TieredCacheMeterBinderProvider();
	}

	@Bean
	SmartInitializingSingleton tieredCacheMetricsBinding(ListableBeanFactory beanFactory,
			ObjectProvider<MeterRegistry> registry, ObjectProvider<CacheMetricsRegistrar> registrar,
			ObjectProvider<CacheMeterBinderProvider<?>> binderProviders,
			ObjectProvider<WriteBehindService> writeBehind) {
		return () -> {
			MeterRegistry meterRegistry = registry.getObject();
			// Boot's registrar when its cache metrics are on, so that its binder
			// providers
			// and
			// additional tags apply; the same otherwise
			CacheMetricsRegistrar cacheMetrics = registrar.getIfAvailable(
					() -> new CacheMetricsRegistrar(meterRegistry, binderProviders.orderedStream().toList()));
			Map<String, TieredCacheManager> managers = beanFactory.getBeansOfType(TieredCacheManager.class);
			WriteBehindService service = (managers.size() == 1) ? writeBehind.getIfUnique() : null;
			managers.forEach((beanName, manager) -> {
				Tag managerTag = Tag.of("cache.manager", cacheManagerName(beanName));
				manager.addCacheListener((cache) -> cacheMetrics.bindCacheToRegistry(cache, managerTag));
				new TieredCacheManagerMetrics(manager, service, Tags.of(List.of(managerTag))).bindTo(meterRegistry);
			});
		};
	}

	/**
	 * Return the name Spring Boot's cache metrics give a cache manager bean: its bean
	 * name less a trailing {@code cacheManager}.
	 */
	static String cacheManagerName(String beanName) {
		if (beanName.length() > CACHE_MANAGER_SUFFIX.length() && beanName.toLowerCase(java.util.Locale.ROOT)
			.endsWith(CACHE_MANAGER_SUFFIX.toLowerCase(java.util.Locale.ROOT))) {
			return beanName.substring(0, beanName.length() - CACHE_MANAGER_SUFFIX.length());
		}
		return beanName;
	}

}
