package io.github.tieredcache.autoconfigure;

import java.time.Duration;

import io.github.tieredcache.core.CacheSettings;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The merge of {@code caches.<name>} over {@code defaults}, without Spring.
 */
class TieredCachePropertiesTests {

	private final TieredCacheProperties properties = new TieredCacheProperties();

	@Test
	void builtInDefaults() {
		CacheSettings settings = CacheSettingsResolver.resolve(this.properties, "any").build();
		assertThat(settings.ttl()).isEqualTo(Duration.ofMinutes(10));
		assertThat(settings.ttlJitter()).isEqualTo(0.1);
		assertThat(settings.cacheNullValues()).isFalse();
		assertThat(settings.nullTtl()).isEqualTo(Duration.ofMinutes(1));
		assertThat(settings.localEnabled()).isTrue();
		assertThat(settings.localTtl()).isEqualTo(Duration.ofMinutes(1));
		assertThat(settings.localMaximumSize()).isEqualTo(10_000);
		assertThat(settings.redisEnabled()).isTrue();
	}

	@Test
	void hotKeysAreOffByDefaultAndCachesOverrideTheFleetSettings() {
		assertThat(CacheSettingsResolver.resolve(this.properties, "any").build().hotKeys())
			.isEqualTo(CacheSettings.HotKeys.DISABLED);
		this.properties.getHotKeys().setThreshold(0.05);
		this.properties.getHotKeys().setTopK(8);
		TieredCacheProperties.Spec products = new TieredCacheProperties.Spec();
		products.getHotKeys().setEnabled(true);
		products.getHotKeys().setReplicas(2);
		this.properties.getCaches().put("products", products);
		assertThat(CacheSettingsResolver.resolve(this.properties, "products").build().hotKeys())
			.isEqualTo(new CacheSettings.HotKeys(true, 0.05, 8, 2));
		assertThat(CacheSettingsResolver.resolve(this.properties, "others").build().hotKeys().enabled()).isFalse();
		this.properties.getHotKeys().setEnabled(true);
		assertThat(CacheSettingsResolver.resolve(this.properties, "others").build().hotKeys())
			.isEqualTo(new CacheSettings.HotKeys(true, 0.05, 8, 0));
	}

	@Test
	void badHotKeySettingsNameTheirKey() {
		TieredCacheProperties.Spec products = new TieredCacheProperties.Spec();
		products.getHotKeys().setThreshold(1.5);
		this.properties.getCaches().put("products", products);
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> CacheSettingsResolver.resolve(this.properties, "products"))
			.withMessageContaining("tiered-cache.caches.products.hot-keys.threshold");
		products.getHotKeys().setThreshold(null);
		products.getHotKeys().setReplicas(17);
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> CacheSettingsResolver.resolve(this.properties, "products"))
			.withMessageContaining("tiered-cache.caches.products.hot-keys.replicas");
	}

	@Test
	void defaultsApplyToEveryCache() {
		this.properties.getDefaults().setTtl(Duration.ofSeconds(30));
		this.properties.getDefaults().getLocal().setMaximumSize(50L);
		CacheSettings settings = CacheSettingsResolver.resolve(this.properties, "any").build();
		assertThat(settings.ttl()).isEqualTo(Duration.ofSeconds(30));
		assertThat(settings.localTtl()).isEqualTo(Duration.ofSeconds(30));
		assertThat(settings.localMaximumSize()).isEqualTo(50);
	}

	@Test
	void cacheKeysOverrideDefaultsAndUnsetKeysInherit() {
		this.properties.getDefaults().setTtl(Duration.ofHours(1));
		this.properties.getDefaults().setCacheNullValues(true);
		this.properties.getDefaults().getLocal().setTtl(Duration.ofSeconds(20));
		TieredCacheProperties.Spec users = new TieredCacheProperties.Spec();
		users.setTtl(Duration.ofMinutes(5));
		users.getLocal().setMaximumSize(100L);
		this.properties.getCaches().put("users", users);
		CacheSettings settings = CacheSettingsResolver.resolve(this.properties, "users").build();
		assertThat(settings.ttl()).isEqualTo(Duration.ofMinutes(5));
		assertThat(settings.localMaximumSize()).isEqualTo(100);
		assertThat(settings.cacheNullValues()).isTrue();
		assertThat(settings.localTtl()).isEqualTo(Duration.ofSeconds(20));
		assertThat(CacheSettingsResolver.resolve(this.properties, "others").build().ttl())
			.isEqualTo(Duration.ofHours(1));
	}

	@Test
	void localTtlDefaultsToTheTtlWhenRedisIsNotUsed() {
		this.properties.getDefaults().getRedis().setEnabled(false);
		assertThat(CacheSettingsResolver.resolve(this.properties, "any").build().localTtl())
			.isEqualTo(Duration.ofMinutes(10));
	}

	@Test
	void localTtlAboveTheTtlNamesTheKey() {
		TieredCacheProperties.Spec users = new TieredCacheProperties.Spec();
		users.setTtl(Duration.ofSeconds(10));
		this.properties.getDefaults().getLocal().setTtl(Duration.ofSeconds(30));
		this.properties.getCaches().put("users", users);
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> CacheSettingsResolver.resolve(this.properties, "users"))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("tiered-cache.defaults.local.ttl"))
			.withMessageContaining("tiered-cache.caches.users.ttl");
	}

	@Test
	void outOfRangeValuesNameTheKey() {
		TieredCacheProperties.Spec users = new TieredCacheProperties.Spec();
		users.setTtlJitter(1.5);
		this.properties.getCaches().put("users", users);
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> CacheSettingsResolver.resolve(this.properties, "users"))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("tiered-cache.caches.users.ttl-jitter"));
		this.properties.getDefaults().setNullTtl(Duration.ZERO);
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> CacheSettingsResolver.resolve(this.properties, "other"))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("tiered-cache.defaults.null-ttl"));
	}

	@Test
	void resilienceSettingsMergeLikeTheOthers() {
		this.properties.getDefaults().getLease().setWait(Duration.ofMillis(100));
		this.properties.getDefaults().setStaleIfError(Duration.ofMinutes(10));
		TieredCacheProperties.Spec prices = new TieredCacheProperties.Spec();
		prices.getLease().setEnabled(false);
		prices.getEarlyRefresh().setBeta(1.0);
		this.properties.getCaches().put("prices", prices);
		CacheSettings settings = CacheSettingsResolver.resolve(this.properties, "prices").build();
		assertThat(settings.lease().enabled()).isFalse();
		assertThat(settings.lease().maxWait()).isEqualTo(Duration.ofMillis(100));
		assertThat(settings.lease().ttl()).isEqualTo(Duration.ofSeconds(5));
		assertThat(settings.staleIfError()).isEqualTo(Duration.ofMinutes(10));
		assertThat(settings.earlyRefreshBeta()).isEqualTo(1.0);
		CacheSettings others = CacheSettingsResolver.resolve(this.properties, "others").build();
		assertThat(others.lease().enabled()).isTrue();
		assertThat(others.earlyRefreshBeta()).isZero();
	}

	@Test
	void bothTiersOffNamesTheKeys() {
		this.properties.getDefaults().getLocal().setEnabled(false);
		this.properties.getDefaults().getRedis().setEnabled(false);
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> CacheSettingsResolver.resolve(this.properties, "any"))
			.withMessageContaining("local.enabled");
	}

}
