package io.github.tieredcache.internal.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * {@link CacheObservations} reported to a Micrometer {@link ObservationRegistry}, with
 * the low-cardinality key values {@code cache} (absent for a write-behind flush),
 * {@code tier} and {@code outcome}. An observation the registry switches off (for
 * instance with {@code management.observations.enable.tiered.cache=false}) is not
 * started. Thread-safe.
 */
public final class ObservationRegistryObservations implements CacheObservations {

	/**
	 * The key of the cache's name.
	 */
	public static final String CACHE = "cache";

	/**
	 * The key of the tier the operation goes to: {@code redis} or {@code origin}.
	 */
	public static final String TIER = "tier";

	/**
	 * The key of how the operation ended (see {@link CacheObservations.Outcome}).
	 */
	public static final String OUTCOME = "outcome";

	private final ObservationRegistry registry;

	private ObservationRegistryObservations(ObservationRegistry registry) {
		this.registry = registry;
	}

	/**
	 * Return the observations reported to a registry.
	 * @param registry the registry
	 * @return the observations, {@link CacheObservations#NONE} for a no-op registry
	 */
	public static CacheObservations of(ObservationRegistry registry) {
		if (registry == null) {
			throw new IllegalArgumentException("The observation registry must not be null");
		}
		return registry.isNoop() ? NONE : new ObservationRegistryObservations(registry);
	}

	@Override
	public @Nullable Observed start(Operation operation, @Nullable String cacheName) {
		Observation observation = Observation.createNotStarted(operation.observationName(), this.registry);
		if (observation.isNoop()) {
			return null;
		}
		observation.contextualName(operation.contextualName()).lowCardinalityKeyValue(TIER, operation.tier());
		if (cacheName != null) {
			observation.lowCardinalityKeyValue(CACHE, cacheName);
		}
		return new Started(observation.start());
	}

	private record Started(Observation observation) implements Observed {

		@Override
		public Scope openScope() {
			Observation.Scope scope = this.observation.openScope();
			return scope::close;
		}

		@Override
		public void stop(Outcome outcome) {
			this.observation.lowCardinalityKeyValue(OUTCOME, outcome.value()).stop();
		}

		@Override
		public void stop(Outcome outcome, Throwable error) {
			this.observation.lowCardinalityKeyValue(OUTCOME, outcome.value()).error(error).stop();
		}

	}

}
