package io.github.tieredcache.autoconfigure;

import java.util.function.Consumer;

import io.github.tieredcache.core.CacheSettings;

import org.springframework.util.Assert;

/**
 * Callback to customize the settings of caches as they are created (at start-up for the
 * caches listed in the properties, on first use for the others). Beans of this type are
 * applied in {@link org.springframework.core.annotation.Order order}, after the
 * properties.
 */
@FunctionalInterface
public interface TieredCacheCustomizer {

	/**
	 * Customize the settings of a cache.
	 * @param cacheName the cache name
	 * @param settings the settings resolved from the properties so far
	 */
	void customize(String cacheName, CacheSettings.Builder settings);

	/**
	 * Return a customizer that applies to one cache only.
	 * @param cacheName the name of the cache
	 * @param customizer what to do to its settings
	 * @return the customizer
	 */
	static TieredCacheCustomizer forCache(String cacheName, Consumer<CacheSettings.Builder> customizer) {
		Assert.hasText(cacheName, "Cache name must not be empty");
		return (name, settings) -> {
			if (cacheName.equals(name)) {
				customizer.accept(settings);
			}
		};
	}

}
