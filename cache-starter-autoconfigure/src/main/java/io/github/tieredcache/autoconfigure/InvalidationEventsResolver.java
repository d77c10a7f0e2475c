package io.github.tieredcache.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import io.github.tieredcache.autoconfigure.TieredCacheProperties.Event;
import io.github.tieredcache.internal.events.ChannelPattern;
import io.github.tieredcache.internal.events.EventDeclaration;
import io.github.tieredcache.internal.events.KeyExpression;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.convert.ConversionService;
import org.springframework.util.ClassUtils;

/**
 * Resolves and validates the inbound invalidation events of
 * {@code tiered-cache.invalidation.events}: a malformed declaration fails start-up with
 * an {@link InvalidConfigurationPropertyValueException} naming the offending key and the
 * fix. The properties classes hold data only.
 */
final class InvalidationEventsResolver {

	private static final String PREFIX = "tiered-cache.invalidation.events.";

	private static final int MAX_POSTGRES_CHANNEL = 63;

	private InvalidationEventsResolver() {
	}

	/**
	 * Resolve the declared events.
	 * @param events the bound declarations, by name
	 * @param classLoader loads the key types and event classes
	 * @param conversionService converts keys
	 * @param redis whether a Redis connection factory is present
	 * @param postgresUnavailable why the {@code postgres} source cannot be used
	 * ({@code null} if it can); only found out when an event declares it
	 * @param cacheExists whether a cache name can be used
	 * @return the declarations, in declaration order
	 * @throws InvalidConfigurationPropertyValueException naming the offending key
	 */
	static List<EventDeclaration> resolve(Map<String, Event> events, @Nullable ClassLoader classLoader,
			ConversionService conversionService, boolean redis, @Nullable String postgresUnavailable,
			Predicate<String> cacheExists) {
		List<EventDeclaration> declarations = new ArrayList<>();
		events.forEach((name, event) -> declarations
			.add(resolve(name, event, classLoader, conversionService, redis, postgresUnavailable, cacheExists)));
		return declarations;
	}

	private static EventDeclaration resolve(String name, Event event, @Nullable ClassLoader classLoader,
			ConversionService conversionService, boolean redis, @Nullable String postgresUnavailable,
			Predicate<String> cacheExists) {
		String prefix = PREFIX + name + ".";
		if (event.getSource() == null) {
			throw new InvalidConfigurationPropertyValueException(prefix + "source", null,
					"Must be set: 'redis-channel', 'redis-stream', 'postgres' or 'application-event'");
		}
		EventDeclaration.Source source = switch (event.getSource()) {
			case REDIS_CHANNEL -> EventDeclaration.Source.REDIS_CHANNEL;
			case REDIS_STREAM -> EventDeclaration.Source.REDIS_STREAM;
			case POSTGRES -> EventDeclaration.Source.POSTGRES;
			case APPLICATION_EVENT -> EventDeclaration.Source.APPLICATION_EVENT;
		};
		String channel = event.getChannel();
		if (channel == null || channel.isBlank()) {
			throw new InvalidConfigurationPropertyValueException(prefix + "channel", channel, switch (source) {
				case REDIS_CHANNEL -> "Must be set to the channel pattern to subscribe to, such as 'product:*:updated'";
				case REDIS_STREAM -> "Must be set to the key of the stream to read, such as 'product-events'";
				case POSTGRES -> "Must be set to the NOTIFY channel to listen to, such as 'product_updated'";
				case APPLICATION_EVENT -> "Must be set to the fully qualified class of the event";
			});
		}
		if (source == EventDeclaration.Source.POSTGRES
				&& channel.getBytes(StandardCharsets.UTF_8).length > MAX_POSTGRES_CHANNEL) {
			throw new InvalidConfigurationPropertyValueException(prefix + "channel", channel,
					"Must be at most " + MAX_POSTGRES_CHANNEL + " bytes long, as a PostgreSQL identifier is");
		}
		List<String> caches = event.getCache();
		if (caches.isEmpty() || caches.stream().anyMatch((cache) -> cache == null || cache.isBlank())) {
			throw new InvalidConfigurationPropertyValueException(prefix + "cache", String.join(",", caches),
					"Must name one cache or more");
		}
		for (String cache : caches) {
			if (!cacheExists.test(cache)) {
				throw new InvalidConfigurationPropertyValueException(prefix + "cache", cache, "Cache '" + cache
						+ "' does not exist: list it under 'tiered-cache.caches' or set 'tiered-cache.dynamic=true'");
			}
		}
		KeyExpression key = null;
		if (event.isAllEntries()) {
			if (event.getKey() != null) {
				throw new InvalidConfigurationPropertyValueException(prefix + "key", event.getKey(),
						"Must not be set with 'all-entries: true', which clears the caches: remove one of them");
			}
		}
		else {
			if (event.getKey() == null || event.getKey().isBlank()) {
				throw new InvalidConfigurationPropertyValueException(prefix + "key", event.getKey(),
						"Must be set to a SpEL expression of the key, such as '#id', unless 'all-entries' is true");
			}
			try {
				key = KeyExpression.parse(event.getKey());
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException(prefix + "key", event.getKey(), ex.getMessage());
			}
		}
		Class<?> keyType = loadClass(prefix + "key-type", event.getKeyType(), classLoader,
				"Must be a class on the classpath, such as 'java.lang.Long'");
		if (key != null && source != EventDeclaration.Source.APPLICATION_EVENT
				&& !conversionService.canConvert(String.class, keyType)) {
			throw new InvalidConfigurationPropertyValueException(prefix + "key-type", event.getKeyType(),
					"No conversion from String to it is known: use a type the ConversionService converts to,"
							+ " or register a Converter");
		}
		ChannelPattern pattern = null;
		Class<?> eventClass = null;
		if ((source == EventDeclaration.Source.REDIS_CHANNEL || source == EventDeclaration.Source.REDIS_STREAM)
				&& !redis) {
			throw new InvalidConfigurationPropertyValueException(prefix + "source", sourceName(source),
					"Needs a RedisConnectionFactory (Spring Data Redis and 'spring.data.redis.*'), and there is none");
		}
		if (source == EventDeclaration.Source.POSTGRES) {
			if (postgresUnavailable != null) {
				throw new InvalidConfigurationPropertyValueException(prefix + "source", "postgres",
						"Cannot listen to PostgreSQL: " + postgresUnavailable);
			}
		}
		if (source == EventDeclaration.Source.REDIS_CHANNEL || source == EventDeclaration.Source.POSTGRES) {
			if (event.getPattern() != null) {
				try {
					pattern = ChannelPattern.compile(event.getPattern());
				}
				catch (IllegalArgumentException ex) {
					throw new InvalidConfigurationPropertyValueException(prefix + "pattern", event.getPattern(),
							ex.getMessage() + " (write it like 'product:{id}:updated')");
				}
			}
		}
		else {
			if (event.getPattern() != null) {
				throw new InvalidConfigurationPropertyValueException(prefix + "pattern", event.getPattern(),
						"Applies to 'redis-channel' and 'postgres' events only: remove it, and read the message in"
								+ " 'key' ('#event.id', '#id' for a stream entry's field 'id')");
			}
			if (source == EventDeclaration.Source.APPLICATION_EVENT) {
				eventClass = loadClass(prefix + "channel", channel, classLoader,
						"Must be the fully qualified class of the event, on the classpath");
			}
		}
		return new EventDeclaration(name, source, channel, pattern, caches, key, keyType, event.isAllEntries(),
				eventClass);
	}

	private static String sourceName(EventDeclaration.Source source) {
		return source.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	private static Class<?> loadClass(String property, String name, @Nullable ClassLoader classLoader, String fix) {
		try {
			return ClassUtils.forName(name.trim(), classLoader);
		}
		catch (ClassNotFoundException | LinkageError | IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(property, name, fix + " (" + ex + ")");
		}
	}

}
