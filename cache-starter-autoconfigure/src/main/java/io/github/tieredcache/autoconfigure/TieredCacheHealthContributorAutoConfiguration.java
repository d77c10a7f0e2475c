package io.github.tieredcache.autoconfigure;

import io.github.tieredcache.actuate.TieredCacheHealthIndicator;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.warmup.CacheWarming;
import io.github.tieredcache.internal.writebehind.WriteBehindService;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} of the {@code tieredCache} health
 * indicator ({@link TieredCacheHealthIndicator}); off with
 * {@code management.health.tieredcache.enabled=false}.
 * <p>
 * Its {@code DEGRADED} status is placed between {@code OUT_OF_SERVICE} and {@code UP} and
 * Spring Boot's {@code redis} indicator is switched off (see
 * {@code tiered-cache.health.replace-redis-indicator}) by defaults the starter adds to
 * the environment at start-up, below every property source of the application, so any
 * value the application sets wins.
 */
@AutoConfiguration(after = TieredCacheAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(TieredCacheManager.class)
@ConditionalOnEnabledHealthIndicator(TieredCacheHealthContributorAutoConfiguration.NAME)
public final class TieredCacheHealthContributorAutoConfiguration {

	/**
	 * The indicator's name in {@code management.health.<name>.enabled}.
	 */
	static final String NAME = "tieredcache";

	@Bean
	@ConditionalOnMissingBean(name = "tieredCacheHealthIndicator")
	TieredCacheHealthIndicator tieredCacheHealthIndicator(TieredCacheManager cacheManager,
			ObjectProvider<WriteBehindService> writeBehind, ObjectProvider<CacheWarming> warming) {
		return new TieredCacheHealthIndicator(cacheManager, writeBehind.getIfUnique(), warming.getIfUnique());
	}

}
