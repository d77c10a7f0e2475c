package io.github.tieredcache.autoconfigure;

import java.time.Duration;

import io.github.tieredcache.autoconfigure.TieredCacheProperties.Spec;
import io.github.tieredcache.core.CacheSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Resolves a cache's settings from the properties: its own keys under
 * {@code tiered-cache.caches.<name>} over {@code tiered-cache.defaults} over the built-in
 * defaults ({@link CacheSettings}), each rule validated here once, with errors that name
 * the offending key. The properties classes hold data only.
 */
final class CacheSettingsResolver {

	private CacheSettingsResolver() {
	}

	/**
	 * Resolve the settings of a cache: its own keys over the defaults over the built-in
	 * defaults, validated.
	 * @param properties the bound properties
	 * @param cacheName the cache name
	 * @return a builder holding the resolved settings, for customizers to adjust
	 * @throws InvalidConfigurationPropertyValueException naming the offending key
	 */
	static CacheSettings.Builder resolve(TieredCacheProperties properties, String cacheName) {
		Spec own = properties.getCaches().get(cacheName);
		String ownPrefix = "tiered-cache.caches." + cacheName + ".";
		CacheSettings.Builder builder = CacheSettings.builder();
		Spec[] layers = (own != null) ? new Spec[] { properties.getDefaults(), own }
				: new Spec[] { properties.getDefaults() };
		String[] prefixes = { "tiered-cache.defaults.", ownPrefix };
		Duration ttl = CacheSettings.DEFAULT_TTL;
		String ttlKey = "tiered-cache.defaults.ttl";
		@Nullable Duration localTtl = null;
		String localTtlKey = "tiered-cache.defaults.local.ttl";
		boolean redisEnabled = true;
		boolean localEnabled = true;
		CacheSettings.Lease lease = CacheSettings.Lease.DEFAULT;
		String tiersKey = "tiered-cache.defaults.redis.enabled";
		TieredCacheProperties.HotKeys fleetHotKeys = properties.getHotKeys();
		boolean hotEnabled = fleetHotKeys.isEnabled();
		double hotThreshold = checkThreshold("tiered-cache.hot-keys.threshold", fleetHotKeys.getThreshold());
		int hotTopK = checkTopK("tiered-cache.hot-keys.top-k", fleetHotKeys.getTopK());
		int hotReplicas = (fleetHotKeys.getReplicas() != null)
				? checkReplicas("tiered-cache.hot-keys.replicas", fleetHotKeys.getReplicas()) : 0;
		for (int i = 0; i < layers.length; i++) {
			Spec spec = layers[i];
			String prefix = prefixes[i];
			if (spec.getTtl() != null) {
				requirePositive(prefix + "ttl", spec.getTtl());
				ttl = spec.getTtl();
				ttlKey = prefix + "ttl";
				builder.ttl(spec.getTtl());
			}
			if (spec.getTtlJitter() != null) {
				if (spec.getTtlJitter() < 0 || spec.getTtlJitter() >= 1) {
					throw new InvalidConfigurationPropertyValueException(prefix + "ttl-jitter", spec.getTtlJitter(),
							"Must be at least 0 and less than 1 (0.1 spreads expiry over ±10%)");
				}
				builder.ttlJitter(spec.getTtlJitter());
			}
			if (spec.getCacheNullValues() != null) {
				builder.cacheNullValues(spec.getCacheNullValues());
			}
			if (spec.getNullTtl() != null) {
				requirePositive(prefix + "null-ttl", spec.getNullTtl());
				builder.nullTtl(spec.getNullTtl());
			}
			if (spec.getLocal().getEnabled() != null) {
				localEnabled = spec.getLocal().getEnabled();
				tiersKey = prefix + "local.enabled";
				builder.localEnabled(spec.getLocal().getEnabled());
			}
			if (spec.getLocal().getTtl() != null) {
				requirePositive(prefix + "local.ttl", spec.getLocal().getTtl());
				localTtl = spec.getLocal().getTtl();
				localTtlKey = prefix + "local.ttl";
				builder.localTtl(spec.getLocal().getTtl());
			}
			if (spec.getLocal().getMaximumSize() != null) {
				if (spec.getLocal().getMaximumSize() <= 0) {
					throw new InvalidConfigurationPropertyValueException(prefix + "local.maximum-size",
							spec.getLocal().getMaximumSize(), "Must be positive");
				}
				builder.localMaximumSize(spec.getLocal().getMaximumSize());
			}
			if (spec.getRedis().getEnabled() != null) {
				redisEnabled = spec.getRedis().getEnabled();
				tiersKey = prefix + "redis.enabled";
				builder.redisEnabled(spec.getRedis().getEnabled());
			}
			if (spec.getLease().getTtl() != null) {
				requirePositive(prefix + "lease.ttl", spec.getLease().getTtl());
			}
			if (spec.getLease().getWait() != null && spec.getLease().getWait().isNegative()) {
				throw new InvalidConfigurationPropertyValueException(prefix + "lease.wait", spec.getLease().getWait(),
						"Must not be negative");
			}
			if (spec.getStaleIfError() != null) {
				if (spec.getStaleIfError().isNegative()) {
					throw new InvalidConfigurationPropertyValueException(prefix + "stale-if-error",
							spec.getStaleIfError(), "Must not be negative");
				}
				builder.staleIfError(spec.getStaleIfError());
			}
			if (spec.getEarlyRefresh().getBeta() != null) {
				if (spec.getEarlyRefresh().getBeta() < 0) {
					throw new InvalidConfigurationPropertyValueException(prefix + "early-refresh.beta",
							spec.getEarlyRefresh().getBeta(), "Must not be negative (0 turns early refresh off)");
				}
				builder.earlyRefreshBeta(spec.getEarlyRefresh().getBeta());
			}
			TieredCacheProperties.CacheHotKeys hot = spec.getHotKeys();
			if (hot.getEnabled() != null) {
				hotEnabled = hot.getEnabled();
			}
			if (hot.getThreshold() != null) {
				hotThreshold = checkThreshold(prefix + "hot-keys.threshold", hot.getThreshold());
			}
			if (hot.getTopK() != null) {
				hotTopK = checkTopK(prefix + "hot-keys.top-k", hot.getTopK());
			}
			if (hot.getReplicas() != null) {
				hotReplicas = checkReplicas(prefix + "hot-keys.replicas", hot.getReplicas());
			}
			lease = new CacheSettings.Lease(
					(spec.getLease().getEnabled() != null) ? spec.getLease().getEnabled() : lease.enabled(),
					(spec.getLease().getTtl() != null) ? spec.getLease().getTtl() : lease.ttl(),
					(spec.getLease().getWait() != null) ? spec.getLease().getWait() : lease.maxWait());
		}
		builder.lease(lease);
		builder.hotKeys(new CacheSettings.HotKeys(hotEnabled, hotThreshold, hotTopK, hotReplicas));
		if (!localEnabled && !redisEnabled) {
			throw new InvalidConfigurationPropertyValueException(tiersKey, false,
					"Cache '" + cacheName + "' would have no tier: keep 'local.enabled' or 'redis.enabled' true");
		}
		if (redisEnabled && localTtl != null && localTtl.compareTo(ttl) > 0) {
			throw new InvalidConfigurationPropertyValueException(localTtlKey, localTtl,
					"Must not exceed the Redis TTL of cache '" + cacheName + "' (" + ttl + ", from '" + ttlKey
							+ "'): lower it, or raise the TTL");
		}
		return builder;
	}

	/**
	 * Check the Redis command settings.
	 * @param commands the settings
	 * @throws InvalidConfigurationPropertyValueException naming the key of a bad value
	 */
	static void checkRedis(TieredCacheProperties.RedisCommands commands) {
		requirePositive("tiered-cache.redis.command-timeout", commands.getCommandTimeout());
		requirePositive("tiered-cache.redis.circuit-breaker.probe-interval",
				commands.getCircuitBreaker().getProbeInterval());
		requireAtLeastOne("tiered-cache.redis.circuit-breaker.failure-threshold",
				commands.getCircuitBreaker().getFailureThreshold());
	}

	/**
	 * Check the invalidation bus's heartbeat interval.
	 * @param interval the interval
	 * @throws InvalidConfigurationPropertyValueException if it is below 10 ms
	 */
	static void checkHeartbeat(Duration interval) {
		if (interval.toMillis() < 10) {
			throw new InvalidConfigurationPropertyValueException("tiered-cache.invalidation.heartbeat-interval",
					interval, "Must be at least 10ms");
		}
	}

	/**
	 * Check the write-behind settings.
	 * @param settings the settings
	 * @throws InvalidConfigurationPropertyValueException naming the key of a bad value
	 */
	static void checkWriteBehind(TieredCacheProperties.WriteBehind settings) {
		requireAtLeastOne("tiered-cache.write-behind.batch-size", settings.getBatchSize());
		requireAtLeastOne("tiered-cache.write-behind.max-attempts", settings.getMaxAttempts());
		requireAtLeastOne("tiered-cache.write-behind.max-pending", settings.getMaxPending());
		requirePositive("tiered-cache.write-behind.claim-idle-time", settings.getClaimIdleTime());
		requirePositive("tiered-cache.write-behind.block-timeout", settings.getBlockTimeout());
	}

	private static double checkThreshold(String key, double threshold) {
		if (!(threshold > 0 && threshold <= 1)) {
			throw new InvalidConfigurationPropertyValueException(key, threshold,
					"Must be above 0 and at most 1 (0.01 makes a key hot at 1% of the cache's Redis reads)");
		}
		return threshold;
	}

	private static int checkTopK(String key, int topK) {
		if (topK < 1 || topK > 1024) {
			throw new InvalidConfigurationPropertyValueException(key, topK, "Must be from 1 to 1024");
		}
		return topK;
	}

	private static int checkReplicas(String key, int replicas) {
		if (replicas < 1 || replicas > 16) {
			throw new InvalidConfigurationPropertyValueException(key, replicas,
					"Must be from 1 (no replicas) to 16; leave it unset for one copy per master");
		}
		return replicas;
	}

	/**
	 * Check the hot-key window.
	 * @param window the window
	 * @throws InvalidConfigurationPropertyValueException if it is below 10 ms
	 */
	static void checkHotKeyWindow(Duration window) {
		if (window.toMillis() < 10) {
			throw new InvalidConfigurationPropertyValueException("tiered-cache.hot-keys.window", window,
					"Must be at least 10ms");
		}
	}

	private static void requireAtLeastOne(String key, long value) {
		if (value < 1) {
			throw new InvalidConfigurationPropertyValueException(key, value, "Must be at least 1");
		}
	}

	static void requirePositive(String key, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new InvalidConfigurationPropertyValueException(key, value, "Must be a positive duration");
		}
	}

}
