package io.github.tieredcache.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The starter's threads: daemon threads (none of them may keep a JVM alive) with names
 * that say whose they are ({@code tiered-cache-…}), for thread dumps and profilers.
 */
public final class DaemonThreads {

	private DaemonThreads() {
	}

	/**
	 * Return a factory of daemon threads named {@code <name>-1}, {@code <name>-2}, …
	 * (just {@code <name>} when a pool has one thread, see {@link #single(String)}).
	 * @param name the name of the pool's threads
	 * @return the factory
	 */
	public static ThreadFactory numbered(String name) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> create(name + "-" + count.incrementAndGet(), runnable);
	}

	/**
	 * Return a factory of daemon threads all named {@code name}, for a pool of one.
	 * @param name the thread's name
	 * @return the factory
	 */
	public static ThreadFactory single(String name) {
		return (runnable) -> create(name, runnable);
	}

	/**
	 * Create a daemon thread, not started.
	 * @param name the thread's name
	 * @param task what it runs
	 * @return the thread
	 */
	public static Thread create(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

}
