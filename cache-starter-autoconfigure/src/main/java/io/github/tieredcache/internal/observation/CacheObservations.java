package io.github.tieredcache.internal.observation;

import org.jspecify.annotations.Nullable;

/**
 * Starts the observations of the work that leaves the JVM: a Redis read, a load from the
 * origin, a write-behind flush; never an in-process hit. {@link #NONE} observes nothing,
 * allocates nothing and needs no Micrometer on the classpath;
 * {@link ObservationRegistryObservations#of} reports to a Micrometer
 * {@code ObservationRegistry}.
 * <p>
 * Implementations are thread-safe.
 */
@FunctionalInterface
public interface CacheObservations {

	/**
	 * Observes nothing: {@link #start} returns {@code null}.
	 */
	CacheObservations NONE = (operation, cacheName) -> null;

	/**
	 * Start observing an operation; the caller stops what is returned exactly once.
	 * @param operation what is observed
	 * @param cacheName the cache it is done for, or {@code null} if it concerns no one
	 * cache (a write-behind flush)
	 * @return the started observation, or {@code null} if the operation is not observed
	 * (no registry, a no-op registry, or the observation is switched off)
	 */
	@Nullable Observed start(Operation operation, @Nullable String cacheName);

	/**
	 * An operation observed, with its observation name and the tier it goes to.
	 */
	enum Operation {

		/**
		 * A read of one key, or of several in one {@code MGET}, from Redis.
		 */
		REDIS_READ("tiered.cache.redis.read", "cache redis read", "redis"),

		/**
		 * A call of a loader (single-key, asynchronous or batch) to the origin.
		 */
		LOAD("tiered.cache.load", "cache load", "origin"),

		/**
		 * A round of the write-behind flusher: the queued writes it runs against the
		 * origin.
		 */
		WRITE_BEHIND_FLUSH("tiered.cache.write.behind.flush", "cache write-behind flush", "origin");

		private final String observationName;

		private final String contextualName;

		private final String tier;

		Operation(String observationName, String contextualName, String tier) {
			this.observationName = observationName;
			this.contextualName = contextualName;
			this.tier = tier;
		}

		/**
		 * Return the observation's name (and its timer's).
		 * @return the name
		 */
		public String observationName() {
			return this.observationName;
		}

		/**
		 * Return the observation's contextual name (a span's name).
		 * @return the contextual name
		 */
		public String contextualName() {
			return this.contextualName;
		}

		/**
		 * Return the value of the {@code tier} key: {@code redis} or {@code origin}.
		 * @return the tier
		 */
		public String tier() {
			return this.tier;
		}

	}

	/**
	 * How an observed operation ended: the value of the {@code outcome} key.
	 */
	enum Outcome {

		/**
		 * A Redis read found a fresh entry (every entry, for a read of several keys).
		 */
		HIT("hit"),

		/**
		 * A Redis read found no fresh entry (or not every one, for a read of several
		 * keys).
		 */
		MISS("miss"),

		/**
		 * A Redis read failed, or was not sent because Redis is unavailable.
		 */
		ERROR("error"),

		/**
		 * A load or a flush succeeded.
		 */
		SUCCESS("success"),

		/**
		 * A load failed, or a flush failed to write at least one entry.
		 */
		FAILURE("failure");

		private final String value;

		Outcome(String value) {
			this.value = value;
		}

		/**
		 * Return the key value.
		 * @return the value
		 */
		public String value() {
			return this.value;
		}

	}

	/**
	 * An observation started: stopped once, with its outcome.
	 */
	interface Observed {

		/**
		 * Make this observation the current one on this thread, so that what the
		 * operation observes itself (an origin's own spans) nests under it.
		 * @return the scope, to close on this thread before stopping
		 */
		Scope openScope();

		/**
		 * Stop the observation.
		 * @param outcome how the operation ended
		 */
		void stop(Outcome outcome);

		/**
		 * Stop the observation of an operation that threw.
		 * @param outcome how the operation ended
		 * @param error what it threw
		 */
		void stop(Outcome outcome, Throwable error);

	}

	/**
	 * An opened scope of an {@link Observed}.
	 */
	interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}
