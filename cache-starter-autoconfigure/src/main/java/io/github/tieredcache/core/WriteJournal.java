package io.github.tieredcache.core;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The writes of one cache that still have to be applied in Redis, as keys to delete (and
 * a clear, when too many keys or a clear itself missed Redis): those that did not reach
 * Redis, and those this instance made since the namespace version was last confirmed
 * (they may have gone to a version another instance had already replaced). Until they are
 * applied, reads of those keys skip Redis. Bounded: past {@value #MAX_REMEMBERED} keys a
 * clear is remembered instead. Thread-safe.
 */
final class WriteJournal {

	/**
	 * Most keys remembered per cache before a clear is remembered instead.
	 */
	static final int MAX_REMEMBERED = 100_000;

	private static final Log logger = LogFactory.getLog(WriteJournal.class);

	private final String cacheName;

	private final Set<String> missed = ConcurrentHashMap.newKeySet();

	private final AtomicReference<Set<String>> recent = new AtomicReference<>(ConcurrentHashMap.newKeySet());

	private final AtomicBoolean clearPending = new AtomicBoolean();

	private volatile boolean recentOverflow;

	WriteJournal(String cacheName) {
		this.cacheName = cacheName;
	}

	/**
	 * Record a write that reached Redis: no longer missed, but recent until the version
	 * it went to is confirmed.
	 * @param encodedKey the encoded key
	 */
	void written(String encodedKey) {
		this.missed.remove(encodedKey);
		Set<String> keys = this.recent.get();
		if (keys.size() < MAX_REMEMBERED) {
			keys.add(encodedKey);
		}
		else {
			// matters only if the version turns out to have changed
			this.recentOverflow = true;
		}
	}

	/**
	 * Take the recent writes, to be confirmed against the version Redis holds now.
	 * @return the keys written since the last confirmation
	 */
	Set<String> takeRecent() {
		return this.recent.getAndSet(ConcurrentHashMap.newKeySet());
	}

	/**
	 * The version could not be read: keep the recent writes for the next confirmation.
	 * @param keys what {@link #takeRecent()} returned
	 */
	void keepRecent(Set<String> keys) {
		Set<String> recent = this.recent.get();
		for (String key : keys) {
			if (recent.size() >= MAX_REMEMBERED) {
				this.recentOverflow = true;
				return;
			}
			recent.add(key);
		}
	}

	/**
	 * The version was confirmed unchanged: the recent writes are settled.
	 */
	void confirmed() {
		this.recentOverflow = false;
	}

	/**
	 * The version moved under the recent writes: each must be deleted under the new
	 * version (or everything cleared, if there were more than could be remembered).
	 * @param keys the recent writes
	 */
	void versionMoved(Set<String> keys) {
		keys.forEach(this::remember);
		if (this.recentOverflow) {
			rememberClear();
		}
	}

	/**
	 * A clear reached Redis: nothing of the old version needs applying.
	 */
	void reset() {
		this.clearPending.set(false);
		this.missed.clear();
		this.recent.set(ConcurrentHashMap.newKeySet());
		this.recentOverflow = false;
	}

	/**
	 * Remember a write or eviction that did not reach Redis: the key is deleted under the
	 * current version when Redis answers again.
	 * @param encodedKey the encoded key
	 */
	void remember(String encodedKey) {
		if (this.missed.size() < MAX_REMEMBERED) {
			this.missed.add(encodedKey);
		}
		else {
			rememberClear();
		}
	}

	/**
	 * Remember a clear that did not reach Redis.
	 */
	void rememberClear() {
		if (this.clearPending.compareAndSet(false, true)) {
			logger.warn("tiered-cache: cache '" + this.cacheName + "' will be cleared when Redis answers again;"
					+ " until then it does not read from Redis");
		}
	}

	/**
	 * Return whether a key has a remembered write, so that reads must not trust Redis for
	 * it yet.
	 * @param encodedKey the encoded key
	 * @return whether the key waits to be deleted
	 */
	boolean isPending(String encodedKey) {
		return !this.missed.isEmpty() && this.missed.contains(encodedKey);
	}

	/**
	 * Return whether anything waits to be applied.
	 * @return whether a clear or keys are remembered
	 */
	boolean hasPending() {
		return this.clearPending.get() || !this.missed.isEmpty();
	}

	/**
	 * Return whether a clear waits to be applied.
	 * @return whether a clear is remembered
	 */
	boolean isClearPending() {
		return this.clearPending.get();
	}

	/**
	 * Return the remembered keys, to delete; each is forgotten by
	 * {@link #applied(String)}.
	 * @return an iterator over the remembered keys
	 */
	Iterator<String> pending() {
		return this.missed.iterator();
	}

	/**
	 * Forget a remembered key once deleted.
	 * @param encodedKey the encoded key
	 */
	void applied(String encodedKey) {
		this.missed.remove(encodedKey);
	}

	/**
	 * Return how many keys wait to be deleted.
	 * @return the count
	 */
	int pendingCount() {
		return this.missed.size();
	}

}
