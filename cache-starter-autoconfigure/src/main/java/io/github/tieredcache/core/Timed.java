package io.github.tieredcache.core;

/**
 * A stored value with its logical expiry and the time it took to load, for caches with
 * stale-if-error or early refresh. Past {@code expiresAt} the entry is stale: not served,
 * except when the loader fails.
 *
 * @param value the stored value (Spring's {@code NullValue} for a cached null)
 * @param expiresAt when the entry stops being fresh, in epoch milliseconds
 * @param loadMillis how long the load that produced it took (0 for a written value)
 */
record Timed(Object value, long expiresAt, int loadMillis) {

	boolean isFresh(long now) {
		return now < this.expiresAt;
	}

}
