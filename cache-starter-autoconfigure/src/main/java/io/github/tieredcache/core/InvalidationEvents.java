package io.github.tieredcache.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.tieredcache.core.CacheInvalidatedEvent.Origin;
import io.github.tieredcache.internal.CacheChangeListener;
import io.github.tieredcache.internal.invalidation.InvalidationOrigin;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Publishes a {@link CacheInvalidatedEvent} for each invalidation, when the manager has
 * an {@link ApplicationEventPublisher}, and tells the {@link CacheChangeListener}s of
 * each write, eviction and clear this instance makes. Never throws: a listener's failure
 * is logged, so that it cannot fail the invalidation (nor, on the bus's thread, make the
 * bus think a message was lost).
 * <p>
 * Thread-safe.
 */
final class InvalidationEvents {

	private static final Log logger = LogFactory.getLog(InvalidationEvents.class);

	private final @Nullable ApplicationEventPublisher publisher;

	private final List<CacheChangeListener> changeListeners = new CopyOnWriteArrayList<>();

	InvalidationEvents(@Nullable ApplicationEventPublisher publisher) {
		this.publisher = publisher;
	}

	/**
	 * This instance evicted a key, or cleared a cache (key {@code null}), for the caller
	 * or for the inbound event the thread is applying.
	 */
	void local(TieredCache cache, @Nullable Object key) {
		changed(cache, key);
		if (this.publisher != null) {
			String inbound = InvalidationOrigin.current();
			publish(new CacheInvalidatedEvent(cache, key, (inbound != null) ? Origin.INBOUND_EVENT : Origin.LOCAL,
					inbound));
		}
	}

	/**
	 * This instance wrote a key (a {@code put}, or a {@code putIfAbsent} that stored).
	 */
	void written(TieredCache cache, Object key) {
		changed(cache, key);
	}

	void addChangeListener(CacheChangeListener listener) {
		this.changeListeners.add(listener);
	}

	private void changed(TieredCache cache, @Nullable Object key) {
		for (CacheChangeListener listener : this.changeListeners) {
			try {
				listener.changed(cache.getName(), key);
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: a change listener failed for cache '" + cache.getName() + "', key " + key
						+ "; the change itself was applied", ex);
			}
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
