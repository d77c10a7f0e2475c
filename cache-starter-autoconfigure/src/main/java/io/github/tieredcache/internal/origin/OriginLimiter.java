package io.github.tieredcache.internal.origin;

import java.util.concurrent.CompletableFuture;

/**
 * Limits the loads one cache runs against its origin at a time. A cache consults its
 * limiter (if it has one) before each call of a loader and releases the permit when the
 * loader returns; with no limiter nothing is consulted.
 * <p>
 * A caller never waits unboundedly: past the limiter's wait bound it gets
 * {@link Permit#OVER_LIMIT}, and the cache then serves a stale value where stale-if-error
 * allows, or loads anyway. Implementations are thread-safe.
 */
public interface OriginLimiter {

	/**
	 * Take a permit, waiting at most the limiter's bound.
	 * @return a granted permit to release once the load is done,
	 * {@link Permit#OVER_LIMIT} if none was free within the bound, or
	 * {@link Permit#ENDED} if the limiter no longer limits anything (the cache may then
	 * drop it)
	 */
	Permit acquire();

	/**
	 * Take a permit without blocking the caller: the future completes when one is free,
	 * or with {@link Permit#OVER_LIMIT} once the wait bound has passed.
	 * @return the permit
	 */
	CompletableFuture<Permit> acquireAsync();

	/**
	 * A permit to load.
	 */
	interface Permit {

		/**
		 * No permit was free within the wait bound.
		 */
		Permit OVER_LIMIT = () -> {
		};

		/**
		 * The limiter has ended: nothing is limited any more.
		 */
		Permit ENDED = () -> {
		};

		/**
		 * Give the permit back. Idempotent for the constants, called once otherwise.
		 */
		void release();

	}

}
