package io.github.tieredcache.core;

/**
 * The {@code Cache} contract with Redis only (no in-process tier).
 */
class RedisOnlyCacheConformanceTests extends AbstractTieredCacheConformanceTests {

	@Override
	CacheSettings.Builder settings() {
		return CacheSettings.builder().localEnabled(false);
	}

}
