package io.github.tieredcache.core;

/**
 * A stored value with its logical expiry and the time it took to load, for caches with
 * stale-if-error or early refresh. Past {@code expiresAt} the entry is stale: not served,
 * except when the loader fails.
 *
 * @param value the stored value (Spring's {@code NullValue} for a cached null)
 * @param expiresAt when the entry stops being fresh, in epoch milliseconds
 * @param loadMillis how long the load that produced it took (0 for a written value)
 * @param staleUntil the end of its stale-if-error window when it was served stale already
 * (so that re-serving never extends it), else 0
 */
record Timed(Object value, long expiresAt, int loadMillis, long staleUntil) {

	/**
	 * A timed entry that may be served stale until {@code expiresAt} plus the cache's
	 * stale-if-error window.
	 */
	Timed(Object value, long expiresAt, int loadMillis) {
		this(value, expiresAt, loadMillis, 0);
	}

	/**
	 * Return until when the entry may be served stale, in epoch milliseconds.
	 * @param staleIfErrorMillis the cache's stale-if-error window
	 */
	long staleDeadline(long staleIfErrorMillis) {
		return (this.staleUntil != 0) ? this.staleUntil : this.expiresAt + staleIfErrorMillis;
	}

	boolean isFresh(long now) {
		return now < this.expiresAt;
	}

}
