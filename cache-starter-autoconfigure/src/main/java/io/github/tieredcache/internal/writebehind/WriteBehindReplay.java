package io.github.tieredcache.internal.writebehind;

/**
 * Marks the thread on which the flusher runs a deferred call, so that the call goes to
 * the method instead of being deferred again.
 */
public final class WriteBehindReplay {

	private static final ThreadLocal<Boolean> replaying = new ThreadLocal<>();

	private WriteBehindReplay() {
	}

	/**
	 * Return whether the current thread is running a deferred call.
	 * @return whether to run the method itself
	 */
	public static boolean isReplaying() {
		return Boolean.TRUE.equals(replaying.get());
	}

	static void run(ThrowingRunnable call) throws Exception {
		replaying.set(Boolean.TRUE);
		try {
			call.run();
		}
		finally {
			replaying.remove();
		}
	}

	@FunctionalInterface
	interface ThrowingRunnable {

		void run() throws Exception;

	}

}
