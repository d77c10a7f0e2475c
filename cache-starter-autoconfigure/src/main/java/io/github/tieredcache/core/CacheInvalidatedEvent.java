package io.github.tieredcache.core;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEvent;

/**
 * Published in the application context for every invalidation a {@link TieredCache}
 * performs or hears of: an eviction or clear made through this instance (the pattern
 * annotations, the {@code Cache} API, an inbound invalidation event declared under
 * {@code tiered-cache.invalidation.events}), and another instance's write, eviction or
 * clear received over the invalidation bus, after which this instance dropped its
 * in-process copy.
 * <p>
 * Published after the invalidation was applied, on the thread that applied it: the
 * caller's for {@link Origin#LOCAL} (after commit when the annotation ran in a
 * transaction), the bus's receiving thread for {@link Origin#REMOTE}, the inbound event's
 * listener thread for {@link Origin#INBOUND_EVENT}. Listeners must be quick (hand slow
 * work to an executor, for instance with {@code @Async}): a slow {@code REMOTE} listener
 * delays the bus. An exception a listener throws is logged and does not reach the code
 * that invalidated.
 * <p>
 * Immutable.
 */
public class CacheInvalidatedEvent extends ApplicationEvent {

	private final String cacheName;

	private final @Nullable Object key;

	private final boolean allEntries;

	private final Origin origin;

	private final @Nullable String inboundEventName;

	/**
	 * Create an event.
	 * @param cache the cache invalidated
	 * @param key the key, or {@code null} when every entry was invalidated
	 * @param origin where the invalidation came from
	 * @param inboundEventName the name of the inbound event under
	 * {@code tiered-cache.invalidation.events}, for {@link Origin#INBOUND_EVENT} only
	 * @throws IllegalArgumentException if the name is given for another origin or missing
	 * for {@code INBOUND_EVENT}
	 */
	public CacheInvalidatedEvent(TieredCache cache, @Nullable Object key, Origin origin,
			@Nullable String inboundEventName) {
		super(cache);
		if ((origin == Origin.INBOUND_EVENT) != (inboundEventName != null)) {
			throw new IllegalArgumentException("An inbound event name goes with origin INBOUND_EVENT, and only there");
		}
		this.cacheName = cache.getName();
		this.key = key;
		this.allEntries = (key == null);
		this.origin = origin;
		this.inboundEventName = inboundEventName;
	}

	/**
	 * Return the cache invalidated.
	 * @return the cache
	 */
	public TieredCache getCache() {
		return (TieredCache) getSource();
	}

	/**
	 * Return the name of the cache invalidated.
	 * @return the cache name
	 */
	public String getCacheName() {
		return this.cacheName;
	}

	/**
	 * Return the key invalidated: as the caller gave it for {@link Origin#LOCAL} and
	 * {@link Origin#INBOUND_EVENT}; for {@link Origin#REMOTE}, as the bus carries it
	 * (Strings, boxed primitives, {@code UUID}s and enum constants as themselves, other
	 * keys in their {@link CacheKeyEncoder encoded} form).
	 * @return the key, or {@code null} when every entry was invalidated
	 */
	public @Nullable Object getKey() {
		return this.key;
	}

	/**
	 * Return whether every entry of the cache was invalidated (a clear).
	 * @return whether all entries were invalidated
	 */
	public boolean isAllEntries() {
		return this.allEntries;
	}

	/**
	 * Return where the invalidation came from.
	 * @return the origin
	 */
	public Origin getOrigin() {
		return this.origin;
	}

	/**
	 * Return the name of the inbound event that caused the invalidation (its key under
	 * {@code tiered-cache.invalidation.events}).
	 * @return the name, or {@code null} unless the origin is {@link Origin#INBOUND_EVENT}
	 */
	public @Nullable String getInboundEventName() {
		return this.inboundEventName;
	}

	@Override
	public String toString() {
		return "CacheInvalidatedEvent[cache=" + this.cacheName + ", "
				+ (this.allEntries ? "all entries" : "key=" + this.key) + ", origin="
				+ ((this.inboundEventName != null) ? this.inboundEventName : this.origin) + "]";
	}

	/**
	 * Where an invalidation came from.
	 */
	public enum Origin {

		/**
		 * This instance evicted or cleared: a pattern annotation or a call of the
		 * {@code Cache} API.
		 */
		LOCAL,

		/**
		 * Another instance wrote, evicted or cleared, and this instance dropped its
		 * in-process copy when the invalidation bus told it so.
		 */
		REMOTE,

		/**
		 * This instance evicted or cleared because of an inbound event declared under
		 * {@code tiered-cache.invalidation.events} (see
		 * {@link CacheInvalidatedEvent#getInboundEventName()}).
		 */
		INBOUND_EVENT

	}

}
