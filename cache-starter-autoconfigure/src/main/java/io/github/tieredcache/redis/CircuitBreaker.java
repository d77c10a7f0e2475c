package io.github.tieredcache.redis;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Opens after a number of failures in a row; while open no command is sent and a
 * background probe runs every {@code probeInterval}; when a probe succeeds the breaker
 * closes and then runs the recovery action.
 * <p>
 * Thread-safe. {@link #allowRequest()} is a volatile read.
 */
final class CircuitBreaker implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(CircuitBreaker.class);

	private final int failureThreshold;

	private final long probeIntervalNanos;

	private final BooleanSupplier probe;

	private final Runnable recovered;

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	private final AtomicBoolean open = new AtomicBoolean();

	private final ScheduledExecutorService prober;

	CircuitBreaker(int failureThreshold, Duration probeInterval, BooleanSupplier probe, Runnable recovered) {
		this.failureThreshold = failureThreshold;
		this.probeIntervalNanos = probeInterval.toNanos();
		this.probe = probe;
		this.recovered = recovered;
		this.prober = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "tiered-cache-redis-probe");
			thread.setDaemon(true);
			return thread;
		});
	}

	boolean allowRequest() {
		return !this.open.get();
	}

	boolean isClosed() {
		return !this.open.get();
	}

	void recordSuccess() {
		this.consecutiveFailures.set(0);
	}

	void recordFailure() {
		if (this.consecutiveFailures.incrementAndGet() >= this.failureThreshold && this.open.compareAndSet(false, true)) {
			logger.warn("tiered-cache: " + this.failureThreshold + " Redis commands failed in a row; the cache stops"
					+ " using Redis and probes it every " + Duration.ofNanos(this.probeIntervalNanos));
			scheduleProbe();
		}
	}

	private void scheduleProbe() {
		try {
			this.prober.schedule(this::runProbe, this.probeIntervalNanos, TimeUnit.NANOSECONDS);
		}
		catch (java.util.concurrent.RejectedExecutionException ex) {
			// closed
		}
	}

	private void runProbe() {
		try {
			if (this.probe.getAsBoolean()) {
				this.consecutiveFailures.set(0);
				this.open.set(false);
				// after closing, so that what the recovery does reaches Redis
				this.recovered.run();
				return;
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Redis probe failed", ex);
		}
		scheduleProbe();
	}

	@Override
	public void close() {
		this.prober.shutdownNow();
	}

}
