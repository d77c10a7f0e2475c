package io.github.tieredcache.local;

import java.time.Duration;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * The in-process tier: a bounded Caffeine cache whose entries each carry their own time to
 * live. Keys are encoded cache keys; values are what the cache stores (Spring's
 * {@code NullValue} standing for a cached {@code null}).
 * <p>
 * Thread-safe. A hit allocates nothing.
 */
public final class LocalTier {

	private final Cache<String, Entry> cache;

	/**
	 * Create a tier.
	 * @param maximumSize the maximum number of entries
	 * @param ticker the time source (tests inject a fake one)
	 * @param executor where Caffeine runs maintenance and removal work
	 */
	public LocalTier(long maximumSize, Ticker ticker, Executor executor) {
		this.cache = Caffeine.newBuilder()
			.maximumSize(maximumSize)
			.expireAfter(new PerEntryExpiry())
			.ticker(ticker)
			.executor(executor)
			.build();
	}

	/**
	 * Return the value stored for a key.
	 * @param key the encoded key
	 * @return the stored value, or {@code null} on a miss
	 */
	public @Nullable Object get(String key) {
		Entry entry = this.cache.getIfPresent(key);
		return (entry != null) ? entry.value : null;
	}

	/**
	 * Store a value.
	 * @param key the encoded key
	 * @param value the value to store
	 * @param ttl how long it lives
	 */
	public void put(String key, Object value, Duration ttl) {
		this.cache.put(key, new Entry(value, ttl.toNanos()));
	}

	/**
	 * Store a value unless one is present.
	 * @param key the encoded key
	 * @param value the value to store
	 * @param ttl how long it lives
	 * @return the value already present, or {@code null} if this one was stored
	 */
	public @Nullable Object putIfAbsent(String key, Object value, Duration ttl) {
		Entry previous = this.cache.asMap().putIfAbsent(key, new Entry(value, ttl.toNanos()));
		return (previous != null) ? previous.value : null;
	}

	/**
	 * Remove a key.
	 * @param key the encoded key
	 * @return whether an entry was present
	 */
	public boolean remove(String key) {
		return this.cache.asMap().remove(key) != null;
	}

	/**
	 * Remove every entry.
	 * @return whether any entry was present
	 */
	public boolean clear() {
		boolean present = !this.cache.asMap().isEmpty();
		this.cache.invalidateAll();
		return present;
	}

	/**
	 * Return the number of entries, approximately.
	 * @return the estimated size
	 */
	public long estimatedSize() {
		return this.cache.estimatedSize();
	}

	/**
	 * Return the Caffeine cache behind this tier.
	 * @return the native cache
	 */
	public Cache<String, ?> getNativeCache() {
		return this.cache;
	}

	private record Entry(Object value, long ttlNanos) {
	}

	private static final class PerEntryExpiry implements Expiry<String, Entry> {

		@Override
		public long expireAfterCreate(String key, Entry entry, long currentTime) {
			return entry.ttlNanos;
		}

		@Override
		public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
			return entry.ttlNanos;
		}

		@Override
		public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
			return currentDuration;
		}

	}

}
