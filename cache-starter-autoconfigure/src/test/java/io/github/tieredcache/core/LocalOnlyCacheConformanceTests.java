package io.github.tieredcache.core;

/**
 * The {@code Cache} contract with the in-process tier only.
 */
class LocalOnlyCacheConformanceTests extends AbstractTieredCacheConformanceTests {

	@Override
	CacheSettings.Builder settings() {
		return CacheSettings.builder().redisEnabled(false);
	}

}
