package io.github.tieredcache.internal.origin;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.Ticker;
import org.springframework.util.Assert;

/**
 * The cold-start ramp of an instance: while it warms, each cache may run at most
 * {@code from} loads against its origin at once; once warming has ended the limit rises
 * linearly to {@code to} over the ramp, after which nothing is limited (each limiter then
 * answers {@link OriginLimiter.Permit#ENDED} and the caches drop it).
 * <p>
 * A caller over the limit waits for a permit at most {@code maxWait} (read from the
 * ticker, as the ramp is); a blocking caller re-reads the limit as it waits, so the rise
 * lets it through; a non-blocking one is let through as loads finish. Thread-safe.
 */
public final class OriginRamp {

	private static final long RECHECK_MILLIS = 10;

	private final Ticker ticker;

	private final long rampNanos;

	private final long maxWaitNanos;

	private final Executor timeoutExecutor;

	private volatile boolean warming = true;

	private volatile long rampStarted;

	/**
	 * Create a ramp, in its warming phase.
	 * @param ticker the time source of the ramp and of the wait bound
	 * @param ramp how long the limit takes to rise once warming has ended
	 * @param maxWait longest a caller waits for a permit
	 */
	public OriginRamp(Ticker ticker, Duration ramp, Duration maxWait) {
		Assert.isTrue(!ramp.isNegative(), "Ramp must not be negative");
		Assert.isTrue(!maxWait.isNegative(), "Wait must not be negative");
		this.ticker = ticker;
		this.rampNanos = ramp.toNanos();
		this.maxWaitNanos = maxWait.toNanos();
		this.timeoutExecutor = CompletableFuture.delayedExecutor(maxWait.toNanos(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Start the rise of the limits: warming has ended (completed, or out of time).
	 */
	public void warmingEnded() {
		if (this.warming) {
			this.rampStarted = this.ticker.read();
			this.warming = false;
		}
	}

	/**
	 * Return whether the ramp has ended: every limiter lets everything through.
	 * @return whether it has ended
	 */
	public boolean hasEnded() {
		return limit(1, 1) < 0;
	}

	/**
	 * Return the limiter of one cache.
	 * @param from concurrent loads while warming and at the start of the ramp, at least 1
	 * @param to concurrent loads at the end of the ramp, at least {@code from}
	 * @return the limiter
	 */
	public Limiter limiter(int from, int to) {
		Assert.isTrue(from >= 1 && to >= from, "Need 1 <= from <= to");
		return new Limiter(from, to);
	}

	/**
	 * The limit now, or -1 once the ramp has ended.
	 */
	int limit(int from, int to) {
		if (this.warming) {
			return from;
		}
		long elapsed = this.ticker.read() - this.rampStarted;
		if (elapsed >= this.rampNanos) {
			return -1;
		}
		return from + (int) ((to - from) * (double) elapsed / this.rampNanos);
	}

	/**
	 * The limit of one cache.
	 */
	public final class Limiter implements OriginLimiter {

		private final int from;

		private final int to;

		private final ArrayDeque<CompletableFuture<Permit>> asyncWaiters = new ArrayDeque<>();

		private final LongAdder overLimit = new LongAdder();

		private int inFlight;

		private int waiting;

		private int maxInFlight;

		Limiter(int from, int to) {
			this.from = from;
			this.to = to;
		}

		/**
		 * Return the current limit.
		 * @return the limit, or -1 once the ramp has ended
		 */
		public int currentLimit() {
			return limit(this.from, this.to);
		}

		@Override
		public Permit acquire() {
			long deadline = OriginRamp.this.ticker.read() + OriginRamp.this.maxWaitNanos;
			synchronized (this) {
				boolean counted = false;
				try {
					while (true) {
						int limit = currentLimit();
						if (limit < 0) {
							return Permit.ENDED;
						}
						if (this.inFlight < limit) {
							return grant();
						}
						if (OriginRamp.this.ticker.read() - deadline >= 0) {
							this.overLimit.increment();
							return Permit.OVER_LIMIT;
						}
						if (!counted) {
							counted = true;
							this.waiting++;
						}
						// woken by a release; re-reads the rising limit and the ticker
						// meanwhile
						this.wait(RECHECK_MILLIS);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					this.overLimit.increment();
					return Permit.OVER_LIMIT;
				}
				finally {
					if (counted) {
						this.waiting--;
					}
				}
			}
		}

		@Override
		public CompletableFuture<Permit> acquireAsync() {
			CompletableFuture<Permit> permit = new CompletableFuture<>();
			synchronized (this) {
				int limit = currentLimit();
				if (limit < 0) {
					return CompletableFuture.completedFuture(Permit.ENDED);
				}
				if (this.inFlight < limit && this.asyncWaiters.isEmpty()) {
					return CompletableFuture.completedFuture(grant());
				}
				this.asyncWaiters.add(permit);
			}
			OriginRamp.this.timeoutExecutor.execute(() -> {
				synchronized (this) {
					if (this.asyncWaiters.remove(permit)) {
						this.overLimit.increment();
					}
				}
				permit.complete(Permit.OVER_LIMIT);
			});
			return permit;
		}

		/**
		 * Return the loads running now under a permit.
		 * @return the count
		 */
		public synchronized int inFlight() {
			return this.inFlight;
		}

		/**
		 * Return the most loads that ran at once under permits.
		 * @return the count
		 */
		public synchronized int maxInFlight() {
			return this.maxInFlight;
		}

		/**
		 * Return the blocking callers waiting for a permit now.
		 * @return the count
		 */
		public synchronized int waiting() {
			return this.waiting + this.asyncWaiters.size();
		}

		/**
		 * Return how many callers got no permit within the wait bound.
		 * @return the count
		 */
		public long overLimitCount() {
			return this.overLimit.sum();
		}

		private Permit grant() {
			this.inFlight++;
			this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
			AtomicBoolean released = new AtomicBoolean();
			return () -> {
				if (released.compareAndSet(false, true)) {
					released();
				}
			};
		}

		private void released() {
			CompletableFuture<Permit> next = null;
			synchronized (this) {
				this.inFlight--;
				int limit = currentLimit();
				if (!this.asyncWaiters.isEmpty() && (limit < 0 || this.inFlight < limit)) {
					next = this.asyncWaiters.poll();
				}
				if (next != null) {
					this.inFlight++;
					this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
				}
				this.notifyAll();
			}
			if (next != null) {
				AtomicBoolean released = new AtomicBoolean();
				// completed outside the lock: the waiter's continuation may run here
				if (!next.complete(() -> {
					if (released.compareAndSet(false, true)) {
						released();
					}
				})) {
					released();
				}
			}
		}

	}

}
