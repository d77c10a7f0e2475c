package io.github.tieredcache.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.tieredcache.autoconfigure.TieredCacheProperties.CacheWarm;
import io.github.tieredcache.autoconfigure.TieredCacheProperties.Spec;
import io.github.tieredcache.autoconfigure.TieredCacheProperties.WarmSource;
import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.internal.warmup.WarmingTask;
import io.github.tieredcache.warmup.CacheWarmer;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.convert.ConversionService;
import org.springframework.util.ClassUtils;

/**
 * Resolves warming from the properties: the run settings under {@code tiered-cache.warm},
 * and per cache {@code tiered-cache.caches.<name>.warm.*} over
 * {@code tiered-cache.defaults.warm.*}, each key validated here with errors that name it.
 * The properties classes hold data only.
 */
final class WarmupResolver {

	static final int DEFAULT_RAMP_FROM = 2;

	static final int DEFAULT_RAMP_TO = 32;

	private WarmupResolver() {
	}

	/**
	 * Validate the run settings.
	 * @throws InvalidConfigurationPropertyValueException naming the offending key
	 */
	static void validate(TieredCacheProperties.Warm warm) {
		CacheSettingsResolver.requirePositive("tiered-cache.warm.time-budget", warm.getTimeBudget());
		requireAtLeastOne("tiered-cache.warm.parallelism", warm.getParallelism());
		requireAtLeastOne("tiered-cache.warm.batch-size", warm.getBatchSize());
		requireNotNegative("tiered-cache.warm.ramp", warm.getRamp());
		requireNotNegative("tiered-cache.warm.ramp-wait", warm.getRampWait());
	}

	/**
	 * A cache's resolved warming.
	 *
	 * @param tasks its built-in sources
	 * @param rampFrom origin loads allowed at once while warming
	 * @param rampTo origin loads allowed at once at the end of the ramp
	 */
	record CacheWarmup(List<WarmingTask> tasks, int rampFrom, int rampTo) {
	}

	/**
	 * Resolve the warming of every cache under {@code tiered-cache.caches}.
	 * @param settings each cache's resolved settings, for the in-process maximum size
	 * @throws InvalidConfigurationPropertyValueException naming the offending key
	 */
	static Map<String, CacheWarmup> resolve(TieredCacheProperties properties, ClassLoader classLoader,
			ConversionService conversionService, java.util.function.Function<String, CacheSettings> settings) {
		Map<String, CacheWarmup> resolved = new LinkedHashMap<>();
		for (String name : properties.getCaches().keySet()) {
			resolved.put(name, resolve(properties, name, classLoader, conversionService, settings.apply(name)));
		}
		return resolved;
	}

	static CacheWarmup resolve(TieredCacheProperties properties, String name, ClassLoader classLoader,
			ConversionService conversionService, CacheSettings settings) {
		Spec own = properties.getCaches().get(name);
		CacheWarm[] layers = (own != null) ? new CacheWarm[] { properties.getDefaults().getWarm(), own.getWarm() }
				: new CacheWarm[] { properties.getDefaults().getWarm() };
		String[] prefixes = { "tiered-cache.defaults.warm.", "tiered-cache.caches." + name + ".warm." };
		@Nullable List<WarmSource> sources = null;
		String sourcesKey = prefixes[0] + "sources";
		@Nullable List<String> keys = null;
		String keysKey = prefixes[0] + "keys";
		String keyType = "java.lang.String";
		String keyTypeKey = prefixes[0] + "key-type";
		int maxKeys = (int) Math.min(Integer.MAX_VALUE, settings.localMaximumSize());
		int rampFrom = DEFAULT_RAMP_FROM;
		int rampTo = DEFAULT_RAMP_TO;
		String rampToKey = prefixes[0] + "ramp-to";
		for (int i = 0; i < layers.length; i++) {
			CacheWarm warm = layers[i];
			String prefix = prefixes[i];
			if (warm.getSources() != null) {
				sources = warm.getSources();
				sourcesKey = prefix + "sources";
			}
			if (warm.getKeys() != null) {
				keys = warm.getKeys();
				keysKey = prefix + "keys";
			}
			if (warm.getKeyType() != null) {
				keyType = warm.getKeyType();
				keyTypeKey = prefix + "key-type";
			}
			if (warm.getMaxKeys() != null) {
				requireAtLeastOne(prefix + "max-keys", warm.getMaxKeys());
				maxKeys = warm.getMaxKeys();
			}
			if (warm.getRampFrom() != null) {
				requireAtLeastOne(prefix + "ramp-from", warm.getRampFrom());
				rampFrom = warm.getRampFrom();
			}
			if (warm.getRampTo() != null) {
				requireAtLeastOne(prefix + "ramp-to", warm.getRampTo());
				rampTo = warm.getRampTo();
				rampToKey = prefix + "ramp-to";
			}
		}
		if (rampTo < rampFrom) {
			throw new InvalidConfigurationPropertyValueException(rampToKey, rampTo,
					"Must be at least 'ramp-from' (" + rampFrom + ") for cache '" + name + "'");
		}
		boolean keysListed = keys != null && !keys.isEmpty();
		if (sources == null) {
			sources = keysListed ? List.of(WarmSource.KEYS) : List.of();
		}
		if (sources.contains(WarmSource.KEYS) && !keysListed) {
			throw new InvalidConfigurationPropertyValueException(sourcesKey, sources,
					"Source 'keys' of cache '" + name + "' needs keys: list them under '" + prefixes[1] + "keys'");
		}
		if (keysListed && !sources.contains(WarmSource.KEYS)) {
			throw new InvalidConfigurationPropertyValueException(keysKey, keys, "Keys are listed for cache '" + name
					+ "' but its sources (" + sourcesKey + ") leave out 'keys': add it, or remove the keys");
		}
		boolean redis = settings.redisEnabled();
		if (!redis && !sources.isEmpty()) {
			throw new InvalidConfigurationPropertyValueException(sourcesKey, sources,
					"Cache '" + name + "' does not use Redis, where these sources warm from");
		}
		List<WarmingTask> tasks = new ArrayList<>();
		if (sources.contains(WarmSource.KEYS)) {
			tasks.add(WarmingTask.keys(name, convert(keys, keyTypeKey, keyType, classLoader, conversionService)));
		}
		if (sources.contains(WarmSource.FROM_L2)) {
			tasks.add(WarmingTask.fromRedis(name, maxKeys));
		}
		if (sources.contains(WarmSource.HOT_SET)) {
			tasks.add(WarmingTask.hotSet(name));
		}
		return new CacheWarmup(tasks, rampFrom, rampTo);
	}

	/**
	 * A warmer bean's task; its cache must exist.
	 */
	static WarmingTask warmer(String beanName, CacheWarmer<?, ?> warmer, boolean dynamic,
			java.util.Collection<String> cacheNames) {
		String cacheName = warmer.cacheName();
		if (cacheName == null || cacheName.isBlank() || (!dynamic && !cacheNames.contains(cacheName))) {
			throw new IllegalStateException("CacheWarmer '" + beanName + "' warms cache '" + cacheName
					+ "', which does not exist: declare it under 'tiered-cache.caches." + cacheName
					+ "' or keep 'tiered-cache.dynamic' true");
		}
		return WarmingTask.warmer(warmer, beanName);
	}

	private static List<Object> convert(List<String> keys, String key, String typeName, ClassLoader classLoader,
			ConversionService conversionService) {
		Class<?> type;
		try {
			type = ClassUtils.forName(typeName.trim(), classLoader);
		}
		catch (ClassNotFoundException | LinkageError ex) {
			throw new InvalidConfigurationPropertyValueException(key, typeName, "No such class on the classpath");
		}
		if (type != String.class && !conversionService.canConvert(String.class, type)) {
			throw new InvalidConfigurationPropertyValueException(key, typeName,
					"Keys cannot be converted from text to this type");
		}
		List<Object> converted = new ArrayList<>(keys.size());
		for (String text : keys) {
			try {
				Object value = conversionService.convert(text, type);
				if (value == null) {
					throw new IllegalArgumentException("converted to null");
				}
				converted.add(value);
			}
			catch (RuntimeException ex) {
				throw new InvalidConfigurationPropertyValueException(key.replace("key-type", "keys"), text,
						"Cannot be converted to " + type.getName() + ": " + ex.getMessage());
			}
		}
		return converted;
	}

	private static void requireAtLeastOne(String key, int value) {
		if (value < 1) {
			throw new InvalidConfigurationPropertyValueException(key, value, "Must be at least 1");
		}
	}

	private static void requireNotNegative(String key, Duration value) {
		if (value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(key, value, "Must not be negative");
		}
	}

}
