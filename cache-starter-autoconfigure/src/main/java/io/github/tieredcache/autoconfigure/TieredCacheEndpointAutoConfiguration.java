package io.github.tieredcache.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.tieredcache.actuate.FleetWideClearCacheManager;
import io.github.tieredcache.actuate.TieredCacheEndpoint;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.writebehind.WriteBehindService;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.SimpleAutowireCandidateResolver;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.cache.actuate.endpoint.CachesEndpoint;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link AutoConfiguration Auto-configuration} of the {@code tieredcache} actuator
 * endpoint ({@link TieredCacheEndpoint}), and of Spring Boot's {@code caches} endpoint
 * over a {@link TieredCacheManager}: it is given a {@link FleetWideClearCacheManager}
 * view of the manager, so that its {@code DELETE} clears every instance before it
 * returns. Both are available as Spring Boot's endpoint rules say
 * ({@code management.endpoints.*}, {@code management.endpoint.<id>.*}); neither is
 * exposed over HTTP unless listed in {@code management.endpoints.web.exposure.include}.
 */
@AutoConfiguration(after = TieredCacheAutoConfiguration.class,
		beforeName = "org.springframework.boot.cache.autoconfigure.CachesEndpointAutoConfiguration")
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(TieredCacheManager.class)
public final class TieredCacheEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	TieredCacheEndpoint tieredCacheEndpoint(TieredCacheManager cacheManager,
			ObjectProvider<WriteBehindService> writeBehind) {
		return new TieredCacheEndpoint(cacheManager, writeBehind.getIfUnique());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(CachesEndpoint.class)
	@ConditionalOnAvailableEndpoint(CachesEndpoint.class)
	static class CachesEndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		CachesEndpoint cachesEndpoint(ConfigurableListableBeanFactory beanFactory) {
			// the cache managers Spring Boot's own auto-configuration would hand it, by
			// bean name
			Map<String, CacheManager> cacheManagers = new LinkedHashMap<>(
					SimpleAutowireCandidateResolver.resolveAutowireCandidates(beanFactory, CacheManager.class));
			cacheManagers.replaceAll((name, cacheManager) -> (cacheManager instanceof TieredCacheManager tiered)
					? new FleetWideClearCacheManager(tiered) : cacheManager);
			return new CachesEndpoint(cacheManagers);
		}

	}

}
