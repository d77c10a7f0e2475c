package io.github.tieredcache.core;

import io.github.tieredcache.core.CacheInvalidatedEvent.Origin;
import io.github.tieredcache.internal.invalidation.InvalidationOrigin;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Publishes a {@link CacheInvalidatedEvent} for each invalidation, when the manager has
 * an {@link ApplicationEventPublisher}; does nothing otherwise. Never throws: a
 * listener's failure is logged, so that it cannot fail the invalidation (nor, on the
 * bus's thread, make the bus think a message was lost).
 * <p>
 * Thread-safe.
 */
final class InvalidationEvents {

	private static final Log logger = LogFactory.getLog(InvalidationEvents.class);

	static final InvalidationEvents NONE = new InvalidationEvents(null);

	private final @Nullable ApplicationEventPublisher publisher;

	InvalidationEvents(@Nullable ApplicationEventPublisher publisher) {
		this.publisher = publisher;
	}

	/**
	 * This instance evicted a key, or cleared a cache (key {@code null}), for the caller
	 * or for the inbound event the thread is applying.
	 */
	void local(TieredCache cache, @Nullable Object key) {
		if (this.publisher != null) {
			String inbound = InvalidationOrigin.current();
			publish(new CacheInvalidatedEvent(cache, key, (inbound != null) ? Origin.INBOUND_EVENT : Origin.LOCAL,
					inbound));
		}
	}

	/**
	 * Another instance's invalidation of a key, or clear (key {@code null}), was applied.
	 */
	void remote(TieredCache cache, @Nullable Object key) {
		if (this.publisher != null) {
			publish(new CacheInvalidatedEvent(cache, key, Origin.REMOTE, null));
		}
	}

	boolean isPublishing() {
		return this.publisher != null;
	}

	private void publish(CacheInvalidatedEvent event) {
		try {
			this.publisher.publishEvent(event);
		}
		catch (RuntimeException ex) {
			logger.warn("tiered-cache: a listener of " + event + " failed; the invalidation itself was applied", ex);
		}
	}

}
