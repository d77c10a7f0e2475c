package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * What a cache does with its {@link CacheNamespace}: clears (a new version, the old one
 * swept in the background with {@code SCAN}/{@code UNLINK}, never {@code KEYS}), the
 * acknowledgements that let {@code invalidate()} return only once every live instance has
 * applied a clear, the periodic re-read of the version, and the application of the writes
 * that missed Redis. Thread-safe.
 */
final class NamespaceMaintenance {

	private static final Log logger = LogFactory.getLog(TieredCache.class);

	private static final Duration ACKNOWLEDGEMENT_TTL = Duration.ofMinutes(1);

	private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

	private static final int BATCH = 500;

	private final String name;

	private final CacheNamespace namespace;

	private final RedisTier redis;

	private final @Nullable InvalidationBus bus;

	private final TwoTierStore store;

	private final LocalView localView;

	private final CacheStatistics statistics;

	private final Ticker ticker;

	NamespaceMaintenance(String name, CacheNamespace namespace, RedisTier redis, @Nullable InvalidationBus bus,
			TwoTierStore store, LocalView localView, CacheStatistics statistics, Ticker ticker) {
		this.name = name;
		this.namespace = namespace;
		this.redis = redis;
		this.bus = bus;
		this.store = store;
		this.localView = localView;
		this.statistics = statistics;
		this.ticker = ticker;
	}

	/**
	 * Move to a new version and empty the in-process tier; a version Redis did not take
	 * is remembered (the cache then does not read Redis until it is applied).
	 */
	void clear() {
		CacheNamespace.Version previous = this.namespace.known();
		CacheNamespace.Version next = this.namespace.renew();
		this.localView.clear();
		if (next != null) {
			this.statistics.namespaceBumps.increment();
			if (this.bus != null) {
				this.bus.namespaceChanged(this.name, next.token);
			}
			if (previous != null) {
				sweep(previous);
			}
		}
	}

	/**
	 * Clear, then wait for the acknowledgements of the instances the bus heard from
	 * within the last two heartbeat intervals, at most one heartbeat interval.
	 */
	void invalidate() {
		clear();
		CacheNamespace.Version version = this.namespace.known();
		if (version != null && this.bus != null) {
			awaitAcknowledgements(version.token, this.bus.livePeerCount(), this.bus.getHeartbeatInterval());
		}
	}

	/**
	 * Another instance cleared the cache: forget the version, empty the in-process tier
	 * and acknowledge (off the bus's thread, which may be the client's event loop).
	 */
	void clearedElsewhere(@Nullable String announced) {
		this.namespace.forget();
		this.localView.clear();
		if (announced != null && CacheNamespace.isToken(announced)) {
			byte[] key = this.namespace.acknowledgementKey(announced);
			this.store.supplyAsync(() -> this.redis.increment(key, ACKNOWLEDGEMENT_TTL), null);
		}
	}

	/**
	 * Re-read the version and apply what this instance remembered: called by the manager
	 * periodically and when Redis is back.
	 */
	void maintain() {
		if (this.namespace.journal().isClearPending()) {
			clear();
			return;
		}
		if (this.namespace.validate()) {
			this.localView.clear();
		}
		applyRemembered();
	}

	int pendingWrites() {
		return this.namespace.journal().pendingCount() + (this.namespace.journal().isClearPending() ? 1 : 0);
	}

	private void awaitAcknowledgements(String token, int peers, Duration atMost) {
		if (peers == 0) {
			return;
		}
		byte[] key = this.namespace.acknowledgementKey(token);
		long deadline = this.ticker.read() + atMost.toNanos();
		long pause = TimeUnit.MILLISECONDS.toNanos(1);
		while (this.ticker.read() - deadline < 0) {
			byte[] count = this.redis.get(key);
			if (count != null && Long.parseLong(new String(count, StandardCharsets.US_ASCII)) >= peers) {
				return;
			}
			LockSupport.parkNanos(pause);
			pause = Math.min(pause * 2, MAX_POLL_NANOS);
		}
		this.statistics.unacknowledgedClears.increment();
		logger.warn("tiered-cache: not every instance acknowledged invalidate() of cache '" + this.name + "' within "
				+ atMost + "; those that did not bypass their in-process tier within the bus bound");
	}

	private void sweep(CacheNamespace.Version old) {
		RedisTier redis = this.redis;
		byte[] pattern = (globEscape(new String(old.keyPrefix, StandardCharsets.UTF_8)) + "*")
			.getBytes(StandardCharsets.UTF_8);
		// saturated: the old keys age out with their TTL
		this.store.supplyAsync(() -> {
			long removed = redis.deleteMatching(pattern);
			if (logger.isDebugEnabled()) {
				logger.debug("Removed " + removed + " keys of cache '" + this.name + "' namespace v" + old.token);
			}
			return removed;
		}, null);
	}

	static String globEscape(String text) {
		StringBuilder escaped = new StringBuilder(text.length() + 8);
		for (char c : text.toCharArray()) {
			if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
				escaped.append('\\');
			}
			escaped.append(c);
		}
		return escaped.toString();
	}

	/**
	 * Delete, under the current version, the keys whose writes did not reach Redis, and
	 * tell the other instances.
	 */
	private void applyRemembered() {
		CacheNamespace namespace = this.namespace;
		RedisTier redis = this.redis;
		if (!namespace.journal().hasPending()) {
			return;
		}
		CacheNamespace.Version version = namespace.current();
		if (version == null) {
			return;
		}
		Iterator<String> pending = namespace.journal().pending();
		List<String> batch = new ArrayList<>(BATCH);
		while (pending.hasNext()) {
			batch.add(pending.next());
			if (batch.size() == BATCH || !pending.hasNext()) {
				List<byte[]> keys = batch.stream().map(version::redisKey).toList();
				if (!redis.deleteAll(keys)) {
					return;
				}
				for (String encoded : batch) {
					namespace.journal().applied(encoded);
					this.store.published(encoded);
				}
				this.statistics.replayedWrites.add(batch.size());
				batch.clear();
			}
		}
	}

}
