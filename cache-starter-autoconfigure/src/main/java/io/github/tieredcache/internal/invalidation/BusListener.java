package io.github.tieredcache.internal.invalidation;

/**
 * Listens to the {@link InvalidationBus}'s watchdog: its state changes and the losses it
 * notices. The in-process tiers' trust is decided from these events, and metrics and
 * health can follow them too. Called on the bus's threads, in the order the events happen
 * (never concurrently with each other); implementations must be quick and must not throw.
 */
public interface BusListener {

	/**
	 * The bus moved to another state.
	 * @param previous the state it left
	 * @param current the state it is in
	 */
	default void stateChanged(InvalidationBus.State previous, InvalidationBus.State current) {
	}

	/**
	 * Messages from another instance, or this instance's own, were lost while the bus was
	 * healthy (or one could not be applied): what the in-process tiers hold may be stale,
	 * though the bus works.
	 */
	default void messagesLost() {
	}

	/**
	 * Invalidations of this instance could not be published: the other instances must
	 * learn some other way that their in-process tiers may hold what this one overwrote.
	 */
	default void undelivered() {
	}

}
