package io.github.tieredcache.internal.writebehind;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.github.tieredcache.internal.DaemonThreads;
import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.internal.observation.CacheObservations.Observed;
import io.github.tieredcache.internal.observation.CacheObservations.Operation;
import io.lettuce.core.models.stream.PendingMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Runs the deferred writes of the {@link WriteBehindQueue}.
 * <p>
 * Every instance runs a flusher, but only one per stream is active at a time: the one
 * that holds the stream's lease in Redis, renewed every third of {@code claimIdleTime} by
 * a heartbeat while it lives (even in the middle of a long database write). The others
 * stand by and take the lease over when it lapses; the new holder then claims every entry
 * the former one had read and not acknowledged.
 * <p>
 * Each round the active flusher reads up to {@code batchSize} new entries and claims the
 * pending entries that are due (its own failed ones after an exponential backoff; a
 * former holder's at once), coalesces them all per key (the newest ordering id wins; keys
 * in the order of their last writes), and asks Redis, atomically with the lease, which of
 * the newest entries to write: an entry at or below its key's high-water mark (the newest
 * ordering id already written, or fenced by a direct write) is acknowledged without being
 * written. It runs one method call per key or one batch-writer call per writer, raises
 * the keys' high-water marks, and acknowledges every entry of a key (the superseded ones
 * too) only after the write succeeded. An entry delivered {@code maxAttempts} times goes
 * to the dead-letter stream with its last error, counted and logged. Unless a round found
 * a full batch, the next one waits {@code flushInterval}: writes to one key within that
 * window reach the database once.
 * <p>
 * Delivery is at least once: an instance that dies between a write and its
 * acknowledgement leaves the entry pending, and the next holder of the lease writes it
 * again (unless a newer write of the key is in the database by then).
 */
public final class WriteBehindFlusher implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(WriteBehindFlusher.class);

	private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

	private static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

	/**
	 * Most keys whose last write error is kept (for the dead-letter entry), least
	 * recently failed first out.
	 */
	static final int MAX_LAST_ERRORS = 10_000;

	private final WriteBehindQueue queue;

	private final WriteTarget target;

	private final Settings settings;

	private final String consumer = "flusher-" + UUID.randomUUID();

	private final Map<String, String> lastErrors = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
			return size() > MAX_LAST_ERRORS;
		}

	});

	private final LongAdder written = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final LongAdder deadLettered = new LongAdder();

	private volatile long backlog;

	private volatile int inFlight;

	private final List<LagObserver> lagObservers = new CopyOnWriteArrayList<>();

	private final AtomicLong queuedSinceRound = new AtomicLong();

	private volatile boolean running;

	private volatile boolean active;

	private volatile long leaseRenewedAt;

	private long lastWarning = System.nanoTime() - WARNING_INTERVAL.toNanos() - 1;

	private volatile @Nullable Thread thread;

	private volatile @Nullable Thread heartbeat;

	private volatile CacheObservations observations = CacheObservations.NONE;

	/**
	 * Create a flusher; {@link #start()} starts it.
	 * @param queue the queue
	 * @param target runs the writes
	 * @param settings how it batches and retries
	 */
	WriteBehindFlusher(WriteBehindQueue queue, WriteTarget target, Settings settings) {
		this.queue = queue;
		this.target = target;
		this.settings = settings;
	}

	/**
	 * Observe each flush round ({@code tiered.cache.write.behind.flush}) from the next
	 * one on.
	 * @param observations the observations, {@link CacheObservations#NONE} for none
	 */
	public void setObservations(CacheObservations observations) {
		this.observations = observations;
	}

	/**
	 * Create the consumer group if needed and start flushing (or standing by) on a daemon
	 * thread, and renewing the lease on another.
	 */
	public synchronized void start() {
		if (this.running) {
			return;
		}
		Thread previous = this.thread;
		if (previous != null && previous.isAlive()) {
			return;
		}
		this.running = true;
		Thread flusher = DaemonThreads.create("tiered-cache-write-behind", this::loop);
		this.thread = flusher;
		Thread lease = DaemonThreads.create("tiered-cache-write-behind-lease", () -> renewWhile(flusher));
		this.heartbeat = lease;
		flusher.start();
		lease.start();
	}

	/**
	 * Stop, then write what this instance holds (its pending entries and any new ones)
	 * for at most the shutdown timeout, and give up the lease. What is left stays in
	 * Redis for another instance.
	 */
	@Override
	public synchronized void close() {
		if (!this.running) {
			return;
		}
		this.running = false;
		Thread flusher = this.thread;
		if (flusher != null) {
			LockSupport.unpark(flusher);
			try {
				flusher.join(this.settings.shutdownTimeout().toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		Thread lease = this.heartbeat;
		if (lease != null) {
			LockSupport.unpark(lease);
		}
	}

	/**
	 * Return the backlog seen at the last round, plus what this instance queued since.
	 * Never lower than the stream's length as of the last round plus this instance's
	 * appends; an append racing the round may be counted twice.
	 * @return the approximate backlog
	 */
	public long approximateBacklog() {
		return this.backlog + this.queuedSinceRound.get();
	}

	void queued() {
		this.queuedSinceRound.incrementAndGet();
	}

	/**
	 * Return whether this flusher holds the lease (is the one writing), as of its last
	 * round or renewal.
	 * @return whether it is the active flusher
	 */
	public boolean isActive() {
		return this.active;
	}

	/**
	 * Return how long the lease lasts unless renewed, which is also how long a direct
	 * write keeps its key marked.
	 */
	Duration leaseDuration() {
		return this.settings.claimIdleTime();
	}

	/**
	 * Return how many writes (method calls, or entries handed to batch writers)
	 * succeeded.
	 * @return the count
	 */
	public long written() {
		return this.written.sum();
	}

	/**
	 * Return how many write attempts failed.
	 * @return the count
	 */
	public long failed() {
		return this.failed.sum();
	}

	/**
	 * Return how many entries went to the dead-letter stream.
	 * @return the count
	 */
	public long deadLettered() {
		return this.deadLettered.sum();
	}

	/**
	 * Return how many entries this flusher is writing now (read from the stream and not
	 * yet acknowledged or released).
	 * @return the count, 0 between rounds
	 */
	public int inFlight() {
		return this.inFlight;
	}

	/**
	 * Register an observer of the lag of successful writes.
	 * @param observer the observer, called on the flusher's thread; must be quick
	 */
	public void addLagObserver(LagObserver observer) {
		this.lagObservers.add(observer);
	}

	int lastErrorCount() {
		return this.lastErrors.size();
	}

	private void renewWhile(Thread flusher) {
		long period = Math.max(1, this.settings.claimIdleTime().toNanos() / 3);
		while (flusher.isAlive()) {
			if (this.active) {
				try {
					long renewing = System.nanoTime();
					this.active = this.queue.acquireLease(this.consumer, this.settings.claimIdleTime()) > 0;
					if (this.active) {
						this.leaseRenewedAt = renewing;
					}
				}
				catch (RuntimeException ex) {
					// the next round's begin finds out whether the lease held
					logger.debug("Could not renew the write-behind lease", ex);
				}
			}
			LockSupport.parkNanos(period);
		}
	}

	private void loop() {
		boolean groupReady = false;
		long deadline = Long.MAX_VALUE;
		while (true) {
			if (!this.running && deadline == Long.MAX_VALUE) {
				deadline = System.nanoTime() + this.settings.shutdownTimeout().toNanos();
			}
			if (System.nanoTime() - deadline > 0) {
				leave();
				return;
			}
			Round round = Round.IDLE;
			try {
				if (!groupReady) {
					this.queue.createGroup();
					groupReady = true;
				}
				long acquiring = System.nanoTime();
				long lease = this.queue.acquireLease(this.consumer, this.settings.claimIdleTime());
				if (lease > 0) {
					this.leaseRenewedAt = acquiring;
				}
				if (lease == 2 && logger.isDebugEnabled()) {
					logger.debug("tiered-cache: this instance is now the active write-behind flusher of '"
							+ this.queue.getStream() + "'");
				}
				this.active = lease > 0;
				if (this.active) {
					round = round(!this.running);
				}
				// what was counted before the length was read is in it and is taken off;
				// an append that lands between the two reads is counted twice until the
				// next round (too high, never too low: the service re-reads the length
				// before it refuses a call)
				long queued = this.queuedSinceRound.get();
				this.backlog = this.queue.backlog();
				this.queuedSinceRound.addAndGet(-queued);
			}
			catch (RuntimeException ex) {
				warn(ex);
			}
			if (!this.running && (round == Round.IDLE || !this.active)) {
				leave();
				return;
			}
			// a full batch means a backlog: carry on at once; otherwise wait out the
			// window
			if (round != Round.FULL && this.running) {
				LockSupport.parkNanos(this.settings.flushInterval().toNanos());
			}
		}
	}

	private void leave() {
		try {
			if (this.active) {
				this.active = false;
				// a standby takes over at its next round rather than when the lease
				// lapses
				this.queue.releaseLease(this.consumer);
			}
			this.queue.removeConsumerIfIdle(this.consumer);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not leave the write-behind group", ex);
		}
	}

	private void warn(RuntimeException ex) {
		long now = System.nanoTime();
		if (now - this.lastWarning > WARNING_INTERVAL.toNanos()) {
			this.lastWarning = now;
			logger.warn("tiered-cache: write-behind round failed; retrying every flush interval (next warning in "
					+ WARNING_INTERVAL.toSeconds() + " s at the earliest): " + ex.getMessage());
		}
	}

	/**
	 * One round of the active flusher: new entries and the pending ones that are due,
	 * coalesced together. While draining at shutdown, this instance's own pending entries
	 * are due at once.
	 * @return how much the round found
	 */
	Round round(boolean draining) {
		List<QueuedWrite> fresh = this.queue.readNew(this.consumer, this.settings.batchSize());
		Set<String> freshIds = new HashSet<>();
		fresh.forEach((write) -> freshIds.add(write.id()));
		List<PendingMessage> due = new ArrayList<>();
		// every entry pending besides the fresh ones was delivered before them, so has a
		// lower id: asking only for those spares Redis listing the fresh batch again
		List<PendingMessage> older = fresh.isEmpty() ? this.queue.pending(this.settings.batchSize())
				: this.queue.pendingBefore(this.settings.batchSize(), fresh.get(0).id());
		for (PendingMessage pending : older) {
			if (!freshIds.contains(pending.getId()) && isDue(pending, draining)) {
				due.add(pending);
			}
		}
		List<QueuedWrite> writes = new ArrayList<>(fresh);
		writes.addAll(this.queue.claim(this.consumer, 0, due));
		if (writes.isEmpty()) {
			return Round.IDLE;
		}
		process(writes);
		return (fresh.size() >= this.settings.batchSize()) ? Round.FULL : Round.SOME;
	}

	enum Round {

		IDLE, SOME, FULL

	}

	private boolean isDue(PendingMessage pending, boolean draining) {
		if (!this.consumer.equals(pending.getConsumer())) {
			// only the lease holder reads: another consumer's entries are a former
			// holder's
			return true;
		}
		if (draining) {
			return true;
		}
		long backoff = Math.min(MAX_BACKOFF.toMillis(),
				this.settings.retryBackoff().toMillis() << Math.min(20, Math.max(0, pending.getRedeliveryCount() - 1)));
		return pending.getMsSinceLastDelivery() >= backoff;
	}

	private void process(List<QueuedWrite> writes) {
		this.inFlight = writes.size();
		try {
			processRound(writes);
		}
		finally {
			this.inFlight = 0;
		}
	}

	private void processRound(List<QueuedWrite> writes) {
		List<QueuedWrite> sorted = new ArrayList<>(writes);
		sorted.sort(Comparator.comparing(QueuedWrite::orderingId, WriteBehindFlusher::compareIds)
			.thenComparing(QueuedWrite::id, WriteBehindFlusher::compareIds));
		// per key, every entry (to acknowledge) and the newest (to write); keys ordered
		// by last write
		Map<String, List<QueuedWrite>> byKey = new LinkedHashMap<>();
		for (QueuedWrite write : sorted) {
			List<QueuedWrite> entries = byKey.remove(write.coalescingKey());
			if (entries == null) {
				entries = new ArrayList<>();
			}
			entries.add(write);
			byKey.put(write.coalescingKey(), entries);
		}
		List<Key> keys = new ArrayList<>(byKey.size());
		byKey.values().forEach((entries) -> keys.add(new Key(entries)));
		List<WriteBehindQueue.Verdict> verdicts = this.queue.begin(this.consumer,
				keys.stream().map(Key::newest).toList());
		if (verdicts == null) {
			// lost the lease: the new holder claims these
			this.active = false;
			return;
		}
		Outcome outcome = new Outcome();
		Observed observed = this.observations.start(Operation.WRITE_BEHIND_FLUSH, null);
		try (CacheObservations.Scope scope = (observed != null) ? observed.openScope() : null) {
			flush(keys, verdicts, outcome);
		}
		catch (RuntimeException | Error ex) {
			if (observed != null) {
				observed.stop(CacheObservations.Outcome.FAILURE, ex);
			}
			throw ex;
		}
		if (observed != null) {
			observed.stop(outcome.failed ? CacheObservations.Outcome.FAILURE : CacheObservations.Outcome.SUCCESS);
		}
	}

	private void flush(List<Key> keys, List<WriteBehindQueue.Verdict> verdicts, Outcome outcome) {
		try {
			Map<String, List<Key>> byWriter = new LinkedHashMap<>();
			for (int i = 0; i < keys.size(); i++) {
				Key key = keys.get(i);
				switch (verdicts.get(i)) {
					case STALE -> {
						outcome.acknowledge.addAll(key.entries());
						this.lastErrors.remove(key.name());
					}
					case CANCELLED -> outcome.acknowledge.add(key.newest());
					case BUSY -> {
						// left pending for a later round
					}
					case WRITE -> {
						if (key.newest().deliveries() > this.settings.maxAttempts()) {
							deadLetter(key, outcome);
						}
						else if (key.newest().writer().isEmpty()) {
							write(key, () -> this.target.run(key.newest()), outcome);
						}
						else {
							byWriter.computeIfAbsent(key.newest().writer(), (name) -> new ArrayList<>()).add(key);
						}
					}
				}
			}
			byWriter.forEach((writer, batch) -> writeBatch(writer, batch, outcome));
		}
		finally {
			// one round trip for the marks and one acknowledgement for the round; a crash
			// before them means the writes run again
			this.queue.finish(this.consumer, outcome.written, true);
			this.queue.finish(this.consumer, outcome.released, false);
			this.queue.acknowledge(outcome.acknowledge.stream().map(QueuedWrite::id).toList());
		}
	}

	private void deadLetter(Key key, Outcome outcome) {
		QueuedWrite newest = key.newest();
		String error = this.lastErrors.getOrDefault(key.name(), "failed " + this.settings.maxAttempts() + " attempts");
		this.lastErrors.remove(key.name());
		// the dead letter stands for the key's newest write; the older ones are
		// superseded
		this.queue.deadLetter(newest, error);
		outcome.released.add(newest);
		outcome.acknowledge.addAll(key.entries().subList(0, key.entries().size() - 1));
		this.deadLettered.increment();
		logger.error("tiered-cache: write-behind entry for '" + key.name() + "' failed " + this.settings.maxAttempts()
				+ " attempts and went to the dead-letter stream: " + error);
	}

	/**
	 * Whether the lease is surely still this flusher's: renewed within two thirds of its
	 * duration. A flusher cut off from Redis stops writing before another can take over.
	 */
	private boolean leaseHeld() {
		return System.nanoTime() - this.leaseRenewedAt < this.settings.claimIdleTime().toNanos() * 2 / 3;
	}

	private void writeBatch(String writer, List<Key> keys, Outcome outcome) {
		List<QueuedWrite> newest = keys.stream().map(Key::newest).toList();
		if (!leaseHeld()) {
			outcome.released.addAll(newest);
			return;
		}
		try {
			this.target.runBatch(writer, newest);
			this.written.add(newest.size());
			keys.forEach((key) -> succeeded(key, outcome));
		}
		catch (Exception ex) {
			if (keys.size() == 1) {
				failed(keys.get(0), ex, outcome);
				return;
			}
			// isolate the key that fails from the others
			for (Key key : keys) {
				write(key, () -> this.target.runBatch(writer, List.of(key.newest())), outcome);
			}
		}
	}

	private void write(Key key, WriteBehindReplay.ThrowingRunnable write, Outcome outcome) {
		if (!leaseHeld()) {
			outcome.released.add(key.newest());
			return;
		}
		try {
			write.run();
			this.written.increment();
			succeeded(key, outcome);
		}
		catch (Exception ex) {
			failed(key, ex, outcome);
		}
	}

	private void succeeded(Key key, Outcome outcome) {
		outcome.written.add(key.newest());
		outcome.acknowledge.addAll(key.entries());
		this.lastErrors.remove(key.name());
		if (!this.lagObservers.isEmpty()) {
			// the oldest entry coalesced into this write waited longest; stream ids begin
			// with Redis's clock, which may disagree with this host's
			String id = key.entries().get(0).id();
			long lag = Math.max(0, System.currentTimeMillis() - Long.parseLong(id.substring(0, id.indexOf('-'))));
			for (LagObserver observer : this.lagObservers) {
				observer.written(lag);
			}
		}
	}

	private void failed(Key key, Exception ex, Outcome outcome) {
		this.failed.increment();
		outcome.failed = true;
		outcome.released.add(key.newest());
		this.lastErrors.put(key.name(), ex.getClass().getName() + ": " + ex.getMessage());
		if (logger.isDebugEnabled()) {
			logger.debug("tiered-cache: write-behind of '" + key.name() + "' failed; it will be retried", ex);
		}
	}

	/**
	 * The entries of one key in a round, oldest first.
	 */
	private record Key(List<QueuedWrite> entries) {

		QueuedWrite newest() {
			return this.entries.get(this.entries.size() - 1);
		}

		String name() {
			return newest().coalescingKey();
		}

	}

	/**
	 * What a round did: the newest entries written (their keys' high-water marks rise),
	 * those whose in-progress mark is released without a write, and the entries to
	 * acknowledge.
	 */
	private static final class Outcome {

		final List<QueuedWrite> written = new ArrayList<>();

		final List<QueuedWrite> released = new ArrayList<>();

		final List<QueuedWrite> acknowledge = new ArrayList<>();

		boolean failed;

	}

	static int compareIds(String a, String b) {
		String[] left = a.split("-");
		String[] right = b.split("-");
		int millis = Long.compare(Long.parseLong(left[0]), Long.parseLong(right[0]));
		return (millis != 0) ? millis : Long.compare(Long.parseLong(left[1]), Long.parseLong(right[1]));
	}

	/**
	 * Observes how long written entries waited in the queue.
	 */
	@FunctionalInterface
	public interface LagObserver {

		/**
		 * Called after a key's write succeeded.
		 * @param lagMillis the time from the append of the oldest entry of the key
		 * written in this round to the write's success, by Redis's clock then this host's
		 * (never negative)
		 */
		void written(long lagMillis);

	}

	/**
	 * Runs deferred writes.
	 */
	interface WriteTarget {

		/**
		 * Run a deferred method call.
		 * @param write the entry
		 * @throws Exception what the method threw
		 */
		void run(QueuedWrite write) throws Exception;

		/**
		 * Hand entries to a batch writer.
		 * @param writer the batch writer's bean name
		 * @param writes the entries, one per key
		 * @throws Exception what the writer threw
		 */
		void runBatch(String writer, List<QueuedWrite> writes) throws Exception;

	}

	/**
	 * How the flusher batches and retries.
	 *
	 * @param batchSize most entries read per round
	 * @param flushInterval how long an idle flusher waits between rounds
	 * @param claimIdleTime how long the active flusher's lease lasts unless renewed: a
	 * standby takes over (and claims what the former holder read) once it lapses
	 * @param maxAttempts deliveries before an entry goes to the dead-letter stream
	 * @param retryBackoff wait before the first retry, doubling for each further one
	 * @param shutdownTimeout how long shutdown keeps writing what this instance holds
	 */
	public record Settings(int batchSize, Duration flushInterval, Duration claimIdleTime, int maxAttempts,
			Duration retryBackoff, Duration shutdownTimeout) {

	}

}
