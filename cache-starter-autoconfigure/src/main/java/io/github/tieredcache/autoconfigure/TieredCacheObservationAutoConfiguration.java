package io.github.tieredcache.autoconfigure;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.internal.observation.ObservationRegistryObservations;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} of tiered-cache's Micrometer observations,
 * when an {@link ObservationRegistry} bean exists: the auto-configured
 * {@link TieredCacheManager} observes its Redis reads ({@code tiered.cache.redis.read})
 * and loads from the origin ({@code tiered.cache.load}), the write-behind flusher its
 * rounds ({@code tiered.cache.write.behind.flush}); never an in-process hit.
 * {@code management.observations.enable.tiered.cache=false} switches them off. A
 * {@link TieredCacheManager} an application builds itself is observed through
 * {@link TieredCacheManager.Builder#observationRegistry}. See {@code docs/metrics.md}.
 */
@AutoConfiguration(
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
public final class TieredCacheObservationAutoConfiguration {

	@Bean
	TieredCacheManagerCustomizer tieredCacheObservationCustomizer(ObjectProvider<ObservationRegistry> registry) {
		return (builder) -> builder.observationRegistry(registry.getObject());
	}

	@Bean
	SmartInitializingSingleton tieredCacheWriteBehindObservation(ObjectProvider<ObservationRegistry> registry,
			ObjectProvider<WriteBehindService> writeBehind) {
		return () -> writeBehind.ifUnique((service) -> {
			CacheObservations observations = ObservationRegistryObservations.of(registry.getObject());
			service.setObservations(observations);
		});
	}

}
