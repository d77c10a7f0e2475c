package io.github.tieredcache.internal.events;

import java.util.concurrent.TimeUnit;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.DaemonThreads;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * The lifecycle of an inbound event source read by one thread of its own: started after
 * the cache manager (whose bus fans its invalidations out) and stopped before it; the
 * thread loops while {@link #isRunning()}, and {@link #pause(long)} returns early when
 * the source stops.
 */
abstract class EventReader implements SmartLifecycle {

	private final String threadName;

	private final Object sleep = new Object();

	private @Nullable Thread thread;

	private volatile boolean running;

	EventReader(String threadName) {
		this.threadName = threadName;
	}

	/**
	 * Return whether any event is declared for this source (else no thread starts).
	 * @return whether there is anything to read
	 */
	abstract boolean hasWork();

	/**
	 * Read until {@link #isRunning()} turns false.
	 */
	abstract void read();

	/**
	 * Return how long {@link #stop()} waits for the thread to end.
	 * @return the wait in milliseconds
	 */
	abstract long stopMillis();

	/**
	 * Called by {@link #stop()} once the thread was waited for.
	 * @param ended whether the thread ended (else it may still be inside a read)
	 */
	void stopped(boolean ended) {
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		if (hasWork()) {
			Thread thread = DaemonThreads.create(this.threadName, this::read);
			thread.start();
			this.thread = thread;
		}
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		synchronized (this.sleep) {
			this.sleep.notifyAll();
		}
		Thread thread = this.thread;
		if (thread != null) {
			try {
				thread.join(stopMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.thread = null;
			stopped(!thread.isAlive());
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// after the manager's bus, and stopped before it
		return TieredCacheManager.PHASE + 1;
	}

	/**
	 * Wait, unless the source stops meanwhile.
	 * @param millis how long
	 */
	void pause(long millis) {
		synchronized (this.sleep) {
			long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
			long left = millis;
			while (this.running && left > 0) {
				try {
					this.sleep.wait(left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
			}
		}
	}

}
