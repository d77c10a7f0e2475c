package io.github.tieredcache.core;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cache.Cache.ValueRetrievalException;

/**
 * Stale-if-error: past its TTL an entry is kept for {@code stale-if-error} longer; if the
 * loader then fails, the stale value is served (and kept in the in-process tier for a
 * second before the next load attempt), never later than its TTL plus
 * {@code stale-if-error} after its last successful load. Thread-safe.
 */
final class StaleIfError {

	private static final Log logger = LogFactory.getLog(TieredCache.class);

	private static final Duration RETRY_INTERVAL = Duration.ofSeconds(1);

	private final String name;

	private final CacheSettings settings;

	private final EntryExpiry expiry;

	private final LocalView localView;

	private final CacheStatistics statistics;

	private final Clock clock;

	private final AtomicBoolean logged = new AtomicBoolean();

	StaleIfError(String name, CacheSettings settings, EntryExpiry expiry, LocalView localView,
			CacheStatistics statistics, Clock clock) {
		this.name = name;
		this.settings = settings;
		this.expiry = expiry;
		this.localView = localView;
		this.statistics = statistics;
		this.clock = clock;
	}

	/**
	 * The loader failed and a stale entry exists: serve it, and keep serving it from the
	 * in-process tier for a short while before the next load attempt — never past the end
	 * of its stale-if-error window, which re-serving does not extend.
	 * @throws ValueRetrievalException the load's failure, once the window has ended
	 */
	Object serve(Object localKey, Timed stale, ValueRetrievalException failure) {
		long now = this.clock.millis();
		long left = this.expiry.staleMillisLeft(stale);
		if (left <= 0) {
			throw failure;
		}
		long deadline = now + left;
		this.statistics.staleServed.increment();
		if (this.logged.compareAndSet(false, true)) {
			logger.warn("Cache '" + this.name + "' serves a stale entry because its loader failed (logged once; see"
					+ " the cache statistics for the count): " + failure.getCause());
		}
		Duration retry = (this.settings.staleIfError().compareTo(RETRY_INTERVAL) < 0) ? this.settings.staleIfError()
				: RETRY_INTERVAL;
		long until = Math.min(now + retry.toMillis(), deadline);
		Timed retryLater = new Timed(stale.value(), until, stale.loadMillis(), deadline);
		this.localView.fill(localKey, retryLater, Duration.ofMillis(Math.max(1, until - now)), this.localView.stamp());
		return retryLater;
	}

}
