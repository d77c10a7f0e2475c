package io.github.tieredcache.internal.invalidation;

import org.jspecify.annotations.Nullable;

/**
 * Which inbound invalidation event the current thread is applying, so that the
 * invalidations it makes through the public {@code Cache} API are reported with that
 * event as their origin. Internal: not API.
 */
public final class InvalidationOrigin {

	private static final ThreadLocal<@Nullable String> current = new ThreadLocal<>();

	private InvalidationOrigin() {
	}

	/**
	 * Run an action on behalf of an inbound event.
	 * @param eventName the event's name
	 * @param action the action
	 */
	public static void run(String eventName, Runnable action) {
		String previous = current.get();
		current.set(eventName);
		try {
			action.run();
		}
		finally {
			if (previous != null) {
				current.set(previous);
			}
			else {
				current.remove();
			}
		}
	}

	/**
	 * Return the inbound event the current thread applies.
	 * @return its name, or {@code null} outside {@link #run(String, Runnable)}
	 */
	public static @Nullable String current() {
		return current.get();
	}

}
