package io.github.tieredcache.local;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Ticker;

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
			return java.time.Instant.ofEpochMilli(wallMillis);
		}

		@Override
		public long millis() {
			get();
			return wallMillis;
		}

	}

	private static CoarseTicker start() {
		Thread clock = new Thread(() -> {
			while (true) {
				now = System.nanoTime();
				wallMillis = System.currentTimeMillis();
				LockSupport.parkNanos(RESOLUTION_NANOS);
			}
		}, "tiered-cache-clock");
		clock.setDaemon(true);
		clock.start();
		return new CoarseTicker();
	}

}
