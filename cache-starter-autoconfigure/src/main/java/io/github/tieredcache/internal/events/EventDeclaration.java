package io.github.tieredcache.internal.events;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * One inbound invalidation event, resolved and validated from
 * {@code tiered-cache.invalidation.events.<name>}.
 *
 * @param name the event's name (its key under {@code tiered-cache.invalidation.events})
 * @param source where it comes from
 * @param channel the channel pattern ({@link Source#REDIS_CHANNEL}), the {@code NOTIFY}
 * channel ({@link Source#POSTGRES}), the stream key ({@link Source#REDIS_STREAM}), or the
 * event class name ({@link Source#APPLICATION_EVENT})
 * @param pattern how to read the channel name ({@link Source#REDIS_CHANNEL}) or the
 * notification's payload ({@link Source#POSTGRES}), or {@code null}
 * @param caches the caches it invalidates, at least one
 * @param key the key expression, or {@code null} with {@code allEntries}
 * @param keyType the class the key is converted to
 * @param allEntries whether it clears the caches
 * @param eventClass the event class ({@link Source#APPLICATION_EVENT} only)
 */
public record EventDeclaration(String name, Source source, String channel, @Nullable ChannelPattern pattern,
		List<String> caches, @Nullable KeyExpression key, Class<?> keyType, boolean allEntries,
		@Nullable Class<?> eventClass) {

	public EventDeclaration {
		Assert.isTrue(!caches.isEmpty(), "At least one cache is needed");
		Assert.isTrue(allEntries == (key == null), "Either a key or all entries");
		Assert.isTrue((source == Source.APPLICATION_EVENT) == (eventClass != null),
				"An event class goes with an application event, and only there");
		caches = List.copyOf(caches);
	}

	/**
	 * Where an inbound event comes from.
	 */
	public enum Source {

		/** Redis pub/sub messages on channels matching a pattern. */
		REDIS_CHANNEL,

		/** Entries of a Redis Stream, read with a consumer group. */
		REDIS_STREAM,

		/** PostgreSQL notifications ({@code LISTEN}) on a channel. */
		POSTGRES,

		/** Spring application events of a class. */
		APPLICATION_EVENT

	}

}
