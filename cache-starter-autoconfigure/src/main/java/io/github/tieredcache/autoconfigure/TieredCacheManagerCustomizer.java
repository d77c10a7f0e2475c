package io.github.tieredcache.autoconfigure;

import io.github.tieredcache.core.TieredCacheManager;

/**
 * Callback to customize the auto-configured {@link TieredCacheManager} before it is
 * built. Beans of this type are applied in
 * {@link org.springframework.core.annotation.Order order}.
 */
@FunctionalInterface
public interface TieredCacheManagerCustomizer {

	/**
	 * Customize the builder.
	 * @param builder the builder, already configured from the properties
	 */
	void customize(TieredCacheManager.Builder builder);

}
