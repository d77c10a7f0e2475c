package io.github.tieredcache.local;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * A {@link Ticker} that reads a time refreshed every millisecond by one daemon thread per
 * JVM, instead of calling {@link System#nanoTime()} (about 30 ns on a virtual machine) on
 * every cache hit. In-process entries may so outlive their TTL by about a millisecond.
 * <p>
 * Thread-safe. The clock thread starts on the first {@link #get()}.
 */
public final class CoarseTicker implements Ticker {

	private static final long RESOLUTION_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private static volatile long now = System.nanoTime();

	private static final CoarseTicker INSTANCE = start();

	private CoarseTicker() {
	}

	/**
	 * Return the shared ticker.
	 * @return the ticker
	 */
	public static CoarseTicker get() {
		return INSTANCE;
	}

	@Override
	public long read() {
		return now;
	}

	private static CoarseTicker start() {
		Thread clock = new Thread(() -> {
			while (true) {
				now = System.nanoTime();
				LockSupport.parkNanos(RESOLUTION_NANOS);
			}
		}, "tiered-cache-clock");
		clock.setDaemon(true);
		clock.start();
		return new CoarseTicker();
	}

}
