package io.github.tieredcache.internal.invalidation;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One message on the invalidation channel: the sender, its sequence number, and what it
 * invalidates (nothing, for a heartbeat). Written as JSON of strings and numbers only.
 *
 * @param origin the sending instance's id
 * @param sequence the sender's message number, 1 for its first message, then +1 each
 * @param entries the invalidations, grouped by cache
 * @param sentAt the sender's wall-clock time when it published the message, in
 * milliseconds since the epoch, or {@code null} in messages of versions that did not send
 * it (readers ignore properties they do not know, so older instances read newer messages
 * and the other way round)
 */
record InvalidationMessage(String origin, long sequence, List<Entry> entries, @Nullable Long sentAt) {

	/**
	 * The invalidations of one cache.
	 *
	 * @param cache the cache name
	 * @param keys the encoded keys written or evicted, or {@code null}
	 * @param namespace the new namespace version after a clear (informative only:
	 * receivers read the version from Redis), or {@code null}
	 */
	record Entry(String cache, @Nullable List<String> keys, @Nullable String namespace) {
	}

}
