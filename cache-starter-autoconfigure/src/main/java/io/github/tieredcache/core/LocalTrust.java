package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.github.tieredcache.internal.invalidation.BusListener;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.invalidation.InvalidationBus.State;
import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether the in-process tiers of one manager's caches may serve, and applies
 * every change to all of them at once: the one place that knows what the invalidation
 * bus's state, a lost message, a Redis recovery or another instance's failed publish mean
 * for what an in-process tier holds.
 * <ul>
 * <li>bus {@code SILENT} (this instance may miss others' invalidations): empty and
 * bypass;</li>
 * <li>bus {@code OUTAGE} (nobody can write through Redis): serve what is held, unless the
 * tiers were already bypassed, in which case serve them again;</li>
 * <li>bus {@code HEALTHY} again: empty once more and serve;</li>
 * <li>messages lost while healthy, or Redis back after an outage: empty, keep
 * serving;</li>
 * <li>another instance could not publish its invalidations: it bumps the in-process epoch
 * ({@code <prefix>:l1-epoch}), read every maintenance period; a moved epoch empties the
 * tiers. So a writer whose {@code PUBLISH} is refused, or whose last messages were lost,
 * cannot leave the others serving what it overwrote for longer than two periods.</li>
 * </ul>
 * Emptying also forgets each cache's namespace version, which is read again from Redis.
 * Changes and cache creation are serialized, so a new cache starts trusted exactly when
 * the others are.
 */
final class LocalTrust implements BusListener {

	private static final Log logger = LogFactory.getLog(LocalTrust.class);

	private static final Duration EPOCH_TTL = Duration.ofDays(1);

	private final Collection<TieredCache> caches;

	private final byte[] epochKey;

	private final AtomicBoolean epochBumpPending = new AtomicBoolean();

	private final Object lock = new Object();

	private volatile long seenEpoch = -1;

	/**
	 * Create the trust of a manager's caches.
	 * @param caches the manager's caches, a live view
	 * @param bus the invalidation bus, or {@code null} if there is none
	 * @param keyPrefix the manager's key prefix
	 */
	LocalTrust(Collection<TieredCache> caches, @Nullable InvalidationBus bus, String keyPrefix) {
		this.caches = caches;
		this.epochKey = (keyPrefix + ":l1-epoch").getBytes(StandardCharsets.UTF_8);
		if (bus != null) {
			bus.addListener(this);
		}
	}

	/**
	 * Create a cache in step with the changes of trust.
	 * @param create creates the cache
	 * @return the cache
	 */
	TieredCache create(Supplier<TieredCache> create) {
		synchronized (this.lock) {
			return create.get();
		}
	}

	/**
	 * Return whether a cache created now may serve from its in-process tier: unless the
	 * bus is silent.
	 * @param bus the invalidation bus, or {@code null} if there is none
	 * @return whether it may
	 */
	static boolean serving(@Nullable InvalidationBus bus) {
		return bus == null || bus.getState() != State.SILENT;
	}

	@Override
	public void stateChanged(State previous, State current) {
		switch (current) {
			case SILENT -> apply(Change.BYPASS);
			case OUTAGE -> {
				if (previous != State.HEALTHY) {
					apply(Change.SERVE_DURING_OUTAGE);
				}
			}
			case HEALTHY -> apply(Change.TRUST);
			default -> {
			}
		}
	}

	@Override
	public void messagesLost() {
		apply(Change.FLUSH);
	}

	@Override
	public void undelivered() {
		this.epochBumpPending.set(true);
	}

	/**
	 * Redis answers again after an outage: other instances' writes and evictions may have
	 * been missed meanwhile.
	 */
	void redisRecovered() {
		apply(Change.FLUSH_AFTER_OUTAGE);
	}

	/**
	 * Bump the in-process epoch if this instance could not publish, else empty the
	 * in-process tiers if another instance bumped it. Called every maintenance period.
	 * @param redis the command path
	 */
	void checkEpoch(RedisTier redis) {
		if (this.epochBumpPending.get()) {
			long bumped = redis.increment(this.epochKey, EPOCH_TTL);
			if (bumped >= 0) {
				this.epochBumpPending.set(false);
				long seen = this.seenEpoch;
				this.seenEpoch = bumped;
				if (seen >= 0 && bumped != seen + 1) {
					// another instance bumped it too since this one last looked
					apply(Change.FLUSH);
				}
				return;
			}
		}
		long epoch = redis.getCounter(this.epochKey);
		if (epoch < 0) {
			return;
		}
		long seen = this.seenEpoch;
		this.seenEpoch = epoch;
		if (seen >= 0 && epoch != seen) {
			logger.info("tiered-cache: another instance could not publish its invalidations; emptying the in-process"
					+ " tiers");
			apply(Change.FLUSH);
		}
	}

	private void apply(Change change) {
		synchronized (this.lock) {
			for (TieredCache cache : this.caches) {
				cache.localView().apply(change);
			}
		}
	}

	/**
	 * What the in-process tiers are told to do.
	 */
	enum Change {

		/** Empty (forgetting the namespace version) and keep serving. */
		FLUSH,

		/** Empty and bypass until {@link #TRUST}. */
		BYPASS,

		/** Serve what is held while Redis is unreachable, without emptying. */
		SERVE_DURING_OUTAGE,

		/** Empty once more and serve again. */
		TRUST,

		/** Redis is back after an outage: empty, since others' writes were missed. */
		FLUSH_AFTER_OUTAGE

	}

}
