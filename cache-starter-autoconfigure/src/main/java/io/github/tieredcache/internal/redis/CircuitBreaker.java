package io.github.tieredcache.internal.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import io.github.tieredcache.internal.redis.RedisTier.BreakerState;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A circuit breaker over the cache's Redis commands, as a state machine:
 * <ul>
 * <li>{@link BreakerState#CLOSED}: commands are sent; {@code failureThreshold} failures
 * in a row open it;</li>
 * <li>{@link BreakerState#OPEN}: no command is sent; every {@code probeInterval} a
 * background probe half-opens it;</li>
 * <li>{@link BreakerState#HALF_OPEN}: the probe pings Redis (commands are still not
 * sent); an answer closes the breaker and then runs the recovery action, no answer opens
 * it again.</li>
 * </ul>
 * Every transition is published to the registered listeners (for metrics and health).
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

	private final AtomicReference<BreakerState> state = new AtomicReference<>(BreakerState.CLOSED);

	private final List<RedisTier.BreakerListener> listeners = new CopyOnWriteArrayList<>();

	private final ScheduledExecutorService scheduler;

	private volatile @Nullable ScheduledFuture<?> nextProbe;

	private volatile boolean closed;

	CircuitBreaker(int failureThreshold, Duration probeInterval, BooleanSupplier probe, Runnable recovered,
			ScheduledExecutorService scheduler) {
		this.failureThreshold = failureThreshold;
		this.probeIntervalNanos = probeInterval.toNanos();
		this.probe = probe;
		this.recovered = recovered;
		this.scheduler = scheduler;
	}

	void addListener(RedisTier.BreakerListener listener) {
		this.listeners.add(listener);
	}

	BreakerState getState() {
		return this.state.get();
	}

	boolean allowRequest() {
		return this.state.get() == BreakerState.CLOSED;
	}

	boolean isClosed() {
		return this.state.get() == BreakerState.CLOSED;
	}

	void recordSuccess() {
		this.consecutiveFailures.set(0);
	}

	void recordFailure() {
		if (this.consecutiveFailures.incrementAndGet() >= this.failureThreshold
				&& transition(BreakerState.CLOSED, BreakerState.OPEN)) {
			logger.warn("tiered-cache: " + this.failureThreshold + " Redis commands failed in a row; the cache stops"
					+ " using Redis and probes it every " + Duration.ofNanos(this.probeIntervalNanos));
			scheduleProbe();
		}
	}

	private boolean transition(BreakerState from, BreakerState to) {
		if (!this.state.compareAndSet(from, to)) {
			return false;
		}
		for (RedisTier.BreakerListener listener : this.listeners) {
			try {
				listener.transitioned(from, to);
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: a circuit breaker listener failed", ex);
			}
		}
		return true;
	}

	private void scheduleProbe() {
		if (this.closed) {
			return;
		}
		try {
			this.nextProbe = this.scheduler.schedule(this::runProbe, this.probeIntervalNanos, TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			// the scheduler was shut down: nothing probes any more
		}
	}

	private void runProbe() {
		if (!transition(BreakerState.OPEN, BreakerState.HALF_OPEN)) {
			return;
		}
		boolean answered;
		try {
			answered = this.probe.getAsBoolean();
		}
		catch (RuntimeException ex) {
			logger.debug("Redis probe failed", ex);
			answered = false;
		}
		if (answered) {
			this.consecutiveFailures.set(0);
			transition(BreakerState.HALF_OPEN, BreakerState.CLOSED);
			// after closing, so that what the recovery does reaches Redis
			try {
				this.recovered.run();
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: recovering after the Redis outage failed", ex);
			}
			return;
		}
		transition(BreakerState.HALF_OPEN, BreakerState.OPEN);
		scheduleProbe();
	}

	@Override
	public void close() {
		this.closed = true;
		ScheduledFuture<?> probe = this.nextProbe;
		if (probe != null) {
			probe.cancel(false);
		}
	}

}
