package io.github.tieredcache.internal.local;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Ticker} that reads a time refreshed every millisecond by one daemon thread per
 * JVM, instead of calling {@link System#nanoTime()} (about 30 ns on a virtual machine) on
 * every cache hit. In-process entries may so outlive their TTL by about a millisecond.
 * The same thread keeps a coarse {@link #wallClock() wall clock} for expiry stored with
 * entries.
 * <p>
 * Thread-safe. The clock thread starts on the first {@link #get()}.
 */
public final class CoarseTicker implements Ticker {

	private static final long RESOLUTION_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private static volatile long now = System.nanoTime();

	private static volatile long wallMillis = System.currentTimeMillis();

	private static final long STOPPED = Long.MIN_VALUE;

	private static volatile @Nullable Thread clockThread;

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
		long time = now;
		return (time != STOPPED) ? time : System.nanoTime();
	}

	/**
	 * Stop the clock thread (for a container that undeploys the application while the JVM
	 * goes on). The ticker and the wall clock then read the system's clocks directly. Not
	 * to be called while another application in the JVM still relies on the coarse
	 * clock's speed; it stays correct, only slower.
	 */
	public static void stop() {
		Thread clock = clockThread;
		if (clock != null) {
			clock.interrupt();
		}
	}

	/**
	 * Return a wall clock read from the same thread, for expiry stored with entries.
	 * @return the clock
	 */
	public static java.time.Clock wallClock() {
		return CoarseWallClock.INSTANCE;
	}

	private static final class CoarseWallClock extends java.time.Clock {

		static final CoarseWallClock INSTANCE = new CoarseWallClock();

		@Override
		public java.time.ZoneId getZone() {
			return java.time.ZoneOffset.UTC;
		}

		@Override
		public java.time.Clock withZone(java.time.ZoneId zone) {
			return java.time.Clock.system(zone);
		}

		@Override
		public java.time.Instant instant() {
			return java.time.Instant.ofEpochMilli(millis());
		}

		@Override
		public long millis() {
			get();
			return (now != STOPPED) ? wallMillis : System.currentTimeMillis();
		}

	}

	private static CoarseTicker start() {
		Thread clock = new Thread(() -> {
			while (!Thread.currentThread().isInterrupted()) {
				now = System.nanoTime();
				wallMillis = System.currentTimeMillis();
				LockSupport.parkNanos(RESOLUTION_NANOS);
			}
			now = STOPPED;
		}, "tiered-cache-clock");
		clock.setDaemon(true);
		clockThread = clock;
		clock.start();
		return new CoarseTicker();
	}

}
