package io.github.tieredcache.internal.warmup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.DaemonThreads;
import io.github.tieredcache.internal.invalidation.BusListener;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.origin.OriginRamp;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * One warming run at start-up: every {@link WarmingTask} on a pool of {@code parallelism}
 * threads, within a time budget. A coordinating thread waits for the tasks until the
 * budget ends, then interrupts what is left; either way it logs the outcome, ends the
 * warming phase of the origin ramp and completes {@link #completion()}. A failing task is
 * logged and counted, and ends nothing else.
 * <p>
 * Threads are started by {@link #start()}, never by the constructor. Thread-safe.
 */
public final class CacheWarming {

	private static final Log logger = LogFactory.getLog(CacheWarming.class);

	private final TieredCacheManager cacheManager;

	private final List<WarmingTask> tasks;

	private final int parallelism;

	private final Duration budget;

	private final int batchSize;

	private final @Nullable OriginRamp ramp;

	private final CompletableFuture<Report> completion = new CompletableFuture<>();

	private final List<TaskProgress> progress = new ArrayList<>();

	private volatile State state = State.NOT_STARTED;

	private volatile long startedNanos;

	private @Nullable ExecutorService workers;

	private CompletableFuture<Void> busHealthy = CompletableFuture.completedFuture(null);

	/**
	 * Create a run.
	 * @param cacheManager the caches
	 * @param tasks what to warm
	 * @param parallelism how many tasks run at once
	 * @param budget longest the run may take
	 * @param batchSize the most keys per Redis round trip or warmer load
	 * @param ramp the origin ramp whose warming phase the run ends, or {@code null}
	 */
	public CacheWarming(TieredCacheManager cacheManager, List<WarmingTask> tasks, int parallelism, Duration budget,
			int batchSize, @Nullable OriginRamp ramp) {
		Assert.isTrue(parallelism >= 1, "Parallelism must be at least 1");
		Assert.isTrue(batchSize >= 1, "Batch size must be at least 1");
		Assert.isTrue(!budget.isNegative() && !budget.isZero(), "Budget must be positive");
		this.cacheManager = cacheManager;
		this.tasks = List.copyOf(tasks);
		this.parallelism = parallelism;
		this.budget = budget;
		this.batchSize = batchSize;
		this.ramp = ramp;
		for (WarmingTask task : this.tasks) {
			this.progress.add(new TaskProgress(task));
		}
	}

	/**
	 * Start warming in the background; a second call does nothing.
	 */
	public synchronized void start() {
		if (this.state != State.NOT_STARTED) {
			return;
		}
		this.state = State.RUNNING;
		this.startedNanos = System.nanoTime();
		if (this.tasks.isEmpty()) {
			finish(State.COMPLETED);
			return;
		}
		this.busHealthy = busHealthy();
		ExecutorService workers = Executors.newFixedThreadPool(Math.min(this.parallelism, this.tasks.size()),
				DaemonThreads.numbered("tiered-cache-warming"));
		this.workers = workers;
		List<Future<?>> futures = new ArrayList<>();
		for (TaskProgress task : this.progress) {
			futures.add(workers.submit(() -> run(task)));
		}
		DaemonThreads.create("tiered-cache-warming", () -> awaitTasks(workers, futures)).start();
	}

	/**
	 * Stop warming now (the application is shutting down).
	 */
	public synchronized void stop() {
		ExecutorService workers = this.workers;
		if (workers != null) {
			// tasks that never started are cancelled, so that the coordinator does not
			// wait out the budget for them
			for (Runnable task : workers.shutdownNow()) {
				if (task instanceof Future<?> future) {
					future.cancel(false);
				}
			}
		}
		if (this.state == State.NOT_STARTED) {
			finish(State.COMPLETED);
		}
	}

	/**
	 * Return whether there is anything to warm.
	 * @return whether any source is configured
	 */
	public boolean hasWork() {
		return !this.tasks.isEmpty();
	}

	/**
	 * Return the origin ramp whose warming phase this run ends.
	 * @return the ramp, or {@code null} without one
	 */
	public @Nullable OriginRamp getRamp() {
		return this.ramp;
	}

	/**
	 * Return the run's outcome, completed when every task has ended or the budget has.
	 * @return the outcome
	 */
	public CompletableFuture<Report> completion() {
		return this.completion;
	}

	/**
	 * Wait for the run to end, at most what is left of its budget (and a little for the
	 * tasks to stop).
	 * @return whether every task completed within the budget
	 */
	public boolean awaitCompletion() {
		if (this.state == State.NOT_STARTED) {
			return true;
		}
		long left = this.budget.toNanos() - (System.nanoTime() - this.startedNanos);
		try {
			return this.completion.get(Math.max(0, left) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS)
				.state() == State.COMPLETED;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (Exception ex) {
			return false;
		}
	}

	/**
	 * Return the run's progress so far (its outcome once it has ended).
	 * @return the report
	 */
	public Report report() {
		Report done = this.completion.getNow(null);
		return (done != null) ? done : snapshot(this.state);
	}

	/**
	 * Complete once the invalidation bus is healthy (at once without one, or in an
	 * outage). The in-process tiers are emptied when it turns healthy (what they hold may
	 * have missed an invalidation), so whatever warming put there before would be lost;
	 * and the listeners that empty them were registered first, so they are done when this
	 * completes.
	 */
	private CompletableFuture<Void> busHealthy() {
		InvalidationBus bus = this.cacheManager.getInvalidationBus();
		CompletableFuture<Void> healthy = new CompletableFuture<>();
		if (bus == null) {
			healthy.complete(null);
			return healthy;
		}
		InvalidationBus.State state = bus.addListenerFrom(new BusListener() {

			@Override
			public void stateChanged(InvalidationBus.State previous, InvalidationBus.State current) {
				if (settled(current)) {
					healthy.complete(null);
				}
			}

		});
		if (settled(state)) {
			healthy.complete(null);
		}
		return healthy;
	}

	/**
	 * Whether warming may fill the in-process tiers: the bus is healthy, or Redis does
	 * not take messages at all (then the sources that read Redis fail at once, as they
	 * would have, rather than hold readiness back for the whole budget).
	 */
	private static boolean settled(InvalidationBus.State state) {
		return state == InvalidationBus.State.HEALTHY || state == InvalidationBus.State.OUTAGE;
	}

	private void run(TaskProgress task) {
		long started = System.nanoTime();
		try {
			try {
				// within the budget: the coordinator interrupts this wait when it ends
				this.busHealthy.get();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				task.outcome = Outcome.CUT_BY_BUDGET;
				return;
			}
			TieredCache cache = (TieredCache) this.cacheManager.getCache(task.task.cacheName());
			if (cache == null) {
				throw new IllegalStateException("No cache named '" + task.task.cacheName() + "'");
			}
			task.task.warm(cache, this.batchSize, task.keys::addAndGet);
			task.outcome = Thread.currentThread().isInterrupted() ? Outcome.CUT_BY_BUDGET : Outcome.COMPLETED;
		}
		catch (Exception ex) {
			if (Thread.currentThread().isInterrupted()) {
				task.outcome = Outcome.CUT_BY_BUDGET;
			}
			else {
				task.outcome = Outcome.FAILED;
				task.error = String.valueOf(ex);
				logger.warn("tiered-cache: warming cache '" + task.task.cacheName() + "' from " + task.task.source()
						+ " failed after " + task.keys.get() + " keys; start-up goes on", ex);
			}
		}
		catch (Error ex) {
			task.outcome = Outcome.FAILED;
			task.error = String.valueOf(ex);
			throw ex;
		}
		finally {
			task.nanos.set(System.nanoTime() - started);
		}
	}

	private void awaitTasks(ExecutorService workers, List<Future<?>> futures) {
		long deadline = this.startedNanos + this.budget.toNanos();
		boolean inTime = true;
		for (Future<?> future : futures) {
			try {
				future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			catch (TimeoutException ex) {
				inTime = false;
				break;
			}
			catch (InterruptedException ex) {
				inTime = false;
				break;
			}
			catch (Exception ex) {
				// the task logged its own failure
			}
		}
		workers.shutdownNow();
		if (!inTime) {
			for (TaskProgress task : this.progress) {
				if (task.outcome == null) {
					task.outcome = Outcome.CUT_BY_BUDGET;
				}
			}
		}
		finish(inTime ? State.COMPLETED : State.BUDGET_ENDED);
	}

	private void finish(State state) {
		this.state = state;
		Report report = snapshot(state);
		if (this.ramp != null) {
			this.ramp.warmingEnded();
		}
		if (!this.tasks.isEmpty()) {
			log(report);
		}
		this.completion.complete(report);
	}

	private Report snapshot(State state) {
		List<TaskReport> tasks = new ArrayList<>();
		long keys = 0;
		for (TaskProgress task : this.progress) {
			Outcome outcome = task.outcome;
			tasks.add(new TaskReport(task.task.cacheName(), task.task.source(), task.keys.get(),
					Duration.ofNanos(task.nanos.get()), (outcome != null) ? outcome : Outcome.RUNNING, task.error));
			keys += task.keys.get();
		}
		Duration took = (this.startedNanos != 0) ? Duration.ofNanos(System.nanoTime() - this.startedNanos)
				: Duration.ZERO;
		return new Report(state, keys, took, this.budget, tasks);
	}

	private void log(Report report) {
		StringBuilder message = new StringBuilder("tiered-cache: warming ");
		message.append((report.state() == State.COMPLETED) ? "completed"
				: "ended by its time budget (" + this.budget + ", 'tiered-cache.warm.time-budget')");
		message.append(" in ").append(report.took().toMillis()).append(" ms: ").append(report.keysWarmed());
		message.append(" keys");
		for (TaskReport task : report.tasks()) {
			message.append("; cache '")
				.append(task.cacheName())
				.append("' from ")
				.append(task.source())
				.append(": ")
				.append(task.keysWarmed())
				.append(" keys in ")
				.append(task.took().toMillis())
				.append(" ms (")
				.append(task.outcome().name().toLowerCase().replace('_', ' '))
				.append(')');
		}
		if (report.state() == State.COMPLETED) {
			logger.info(message);
		}
		else {
			logger.warn(message);
		}
	}

	/**
	 * Where a run is.
	 */
	public enum State {

		/**
		 * Not started.
		 */
		NOT_STARTED,

		/**
		 * Warming; the application does not report ready yet.
		 */
		RUNNING,

		/**
		 * Every task ended (completed or failed) within the budget.
		 */
		COMPLETED,

		/**
		 * The budget ended first; what was left was interrupted.
		 */
		BUDGET_ENDED

	}

	/**
	 * How one task ended.
	 */
	public enum Outcome {

		/**
		 * Still running.
		 */
		RUNNING,

		/**
		 * Every key warmed.
		 */
		COMPLETED,

		/**
		 * Failed (logged).
		 */
		FAILED,

		/**
		 * Interrupted at the end of the budget.
		 */
		CUT_BY_BUDGET

	}

	/**
	 * A run's outcome or progress.
	 *
	 * @param state where the run is
	 * @param keysWarmed keys now in the in-process tiers thanks to it
	 * @param took how long it took (so far)
	 * @param budget its time budget
	 * @param tasks each task's
	 */
	public record Report(State state, long keysWarmed, Duration took, Duration budget, List<TaskReport> tasks) {

		/**
		 * Return the report as health details.
		 * @return the details
		 */
		public Map<String, Object> toDetails() {
			Map<String, Object> details = new LinkedHashMap<>();
			details.put("state", this.state.name());
			details.put("keysWarmed", this.keysWarmed);
			details.put("tookMillis", this.took.toMillis());
			details.put("budget", this.budget.toString());
			List<Map<String, Object>> sources = new ArrayList<>();
			for (TaskReport task : this.tasks) {
				Map<String, Object> source = new LinkedHashMap<>();
				source.put("cache", task.cacheName());
				source.put("source", task.source());
				source.put("keysWarmed", task.keysWarmed());
				source.put("tookMillis", task.took().toMillis());
				source.put("outcome", task.outcome().name());
				if (task.error() != null) {
					source.put("error", task.error());
				}
				sources.add(source);
			}
			details.put("sources", sources);
			return details;
		}

	}

	/**
	 * One task's outcome or progress.
	 *
	 * @param cacheName the cache
	 * @param source the source
	 * @param keysWarmed keys warmed
	 * @param took how long it ran
	 * @param outcome how it ended
	 * @param error why it failed, or {@code null}
	 */
	public record TaskReport(String cacheName, String source, long keysWarmed, Duration took, Outcome outcome,
			@Nullable String error) {
	}

	private static final class TaskProgress {

		final WarmingTask task;

		final AtomicLong keys = new AtomicLong();

		final AtomicLong nanos = new AtomicLong();

		volatile @Nullable Outcome outcome;

		volatile @Nullable String error;

		TaskProgress(WarmingTask task) {
			this.task = task;
		}

	}

}
