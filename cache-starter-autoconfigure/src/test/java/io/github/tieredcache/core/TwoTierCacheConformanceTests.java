package io.github.tieredcache.core;

/**
 * The {@code Cache} contract with both tiers.
 */
class TwoTierCacheConformanceTests extends AbstractTieredCacheConformanceTests {

	@Override
	CacheSettings.Builder settings() {
		return CacheSettings.builder();
	}

}
