package io.github.tieredcache.writebehind;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.models.stream.PendingMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Runs the deferred writes of the {@link WriteBehindQueue}, on every instance.
 * <p>
 * Each round it reads up to {@code batchSize} new entries, claims the pending entries that
 * are due (its own failed ones after an exponential backoff; those of a dead instance after
 * {@code claimIdleTime}), coalesces them per key (last write wins; keys in the order of
 * their last writes), runs one method call per key or one batch-writer call per writer, and
 * acknowledges an entry only after its write succeeded. An entry delivered
 * {@code maxAttempts} times goes to the dead-letter stream with its last error, counted and
 * logged. Unless a round found a full batch, the next one waits {@code flushInterval}: writes
 * to one key within that window reach the database once.
 * <p>
 * Delivery is at least once: an instance that dies between a write and its acknowledgement
 * leaves the entry pending, and another instance writes it again.
 */
public final class WriteBehindFlusher implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(WriteBehindFlusher.class);

	private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

	private static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

	private final WriteBehindQueue queue;

	private final WriteTarget target;

	private final Settings settings;

	private final String consumer = "flusher-" + UUID.randomUUID();

	private final Map<String, String> lastErrors = new ConcurrentHashMap<>();

	private final LongAdder written = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final LongAdder deadLettered = new LongAdder();

	private volatile long backlog;

	private volatile boolean running;

	private long lastWarning = System.nanoTime() - WARNING_INTERVAL.toNanos() - 1;

	private volatile Thread thread;

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
	 * Create the consumer group if needed and start flushing on a daemon thread.
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
		Thread flusher = new Thread(this::loop, "tiered-cache-write-behind");
		flusher.setDaemon(true);
		this.thread = flusher;
		flusher.start();
	}

	/**
	 * Stop, then write what this instance holds (its pending entries and any new ones) for
	 * at most the shutdown timeout. What is left stays in Redis for another instance.
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
	}

	/**
	 * Return the backlog seen at the last round, plus what this instance queued since.
	 * @return the approximate backlog
	 */
	public long approximateBacklog() {
		return this.backlog;
	}

	void queued() {
		this.backlog++;
	}

	/**
	 * Return how many writes (method calls, or entries handed to batch writers) succeeded.
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

	private void loop() {
		boolean groupReady = false;
		long deadline = Long.MAX_VALUE;
		while (true) {
			if (!this.running && deadline == Long.MAX_VALUE) {
				deadline = System.nanoTime() + this.settings.shutdownTimeout().toNanos();
			}
			if (System.nanoTime() - deadline > 0) {
				leaveGroup();
				return;
			}
			Round round = Round.IDLE;
			try {
				if (!groupReady) {
					this.queue.createGroup();
					groupReady = true;
				}
				round = round(!this.running);
				this.backlog = this.queue.backlog();
			}
			catch (RuntimeException ex) {
				warn(ex);
			}
			if (!this.running && round == Round.IDLE) {
				leaveGroup();
				return;
			}
			// a full batch means a backlog: carry on at once; otherwise wait out the window
			if (round != Round.FULL && this.running) {
				LockSupport.parkNanos(this.settings.flushInterval().toNanos());
			}
		}
	}

	private void leaveGroup() {
		try {
			this.queue.removeConsumerIfIdle(this.consumer);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not remove the write-behind consumer", ex);
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
	 * One round: new entries, then due pending ones. While draining at shutdown, this
	 * instance's own pending entries are due at once.
	 * @return how much the round found
	 */
	Round round(boolean draining) {
		boolean worked = false;
		List<QueuedWrite> fresh = this.queue.readNew(this.consumer, this.settings.batchSize());
		if (!fresh.isEmpty()) {
			process(fresh);
			worked = true;
		}
		List<PendingMessage> due = new ArrayList<>();
		long minIdle = Long.MAX_VALUE;
		for (PendingMessage pending : this.queue.pending(this.settings.batchSize())) {
			long required = requiredIdle(pending, draining);
			if (pending.getMsSinceLastDelivery() >= required) {
				due.add(pending);
				minIdle = Math.min(minIdle, required);
			}
		}
		if (!due.isEmpty()) {
			List<QueuedWrite> claimed = this.queue.claim(this.consumer, minIdle, due);
			if (!claimed.isEmpty()) {
				process(claimed);
				worked = true;
			}
		}
		return (fresh.size() >= this.settings.batchSize()) ? Round.FULL : worked ? Round.SOME : Round.IDLE;
	}

	enum Round {

		IDLE, SOME, FULL

	}

	private long requiredIdle(PendingMessage pending, boolean draining) {
		boolean own = this.consumer.equals(pending.getConsumer());
		if (own && draining) {
			return 0;
		}
		long backoff = Math.min(MAX_BACKOFF.toMillis(),
				this.settings.retryBackoff().toMillis() << Math.min(20, Math.max(0, pending.getRedeliveryCount() - 1)));
		return own ? backoff : Math.max(this.settings.claimIdleTime().toMillis(), backoff);
	}

	private void process(List<QueuedWrite> writes) {
		List<QueuedWrite> written = new ArrayList<>();
		try {
			process(writes, written);
		}
		finally {
			// one acknowledgement for the round; a crash before it means the writes run again
			acknowledge(written);
		}
	}

	private void process(List<QueuedWrite> writes, List<QueuedWrite> written) {
		List<QueuedWrite> live = new ArrayList<>();
		for (QueuedWrite write : writes) {
			if (write.deliveries() > this.settings.maxAttempts()) {
				String error = this.lastErrors.getOrDefault(write.coalescingKey(),
						"failed " + this.settings.maxAttempts() + " attempts");
				this.queue.deadLetter(write, error);
				this.deadLettered.increment();
				logger.error("tiered-cache: write-behind entry for '" + write.coalescingKey() + "' failed "
						+ this.settings.maxAttempts() + " attempts and went to the dead-letter stream: " + error);
			}
			else {
				live.add(write);
			}
		}
		live.sort(Comparator.comparing(QueuedWrite::id, WriteBehindFlusher::compareIds));
		// per key, every entry (to acknowledge) and the last one (to write); keys ordered by last write
		Map<String, List<QueuedWrite>> byKey = new LinkedHashMap<>();
		for (QueuedWrite write : live) {
			List<QueuedWrite> entries = byKey.remove(write.coalescingKey());
			if (entries == null) {
				entries = new ArrayList<>();
			}
			entries.add(write);
			byKey.put(write.coalescingKey(), entries);
		}
		Map<String, List<List<QueuedWrite>>> byWriter = new LinkedHashMap<>();
		for (List<QueuedWrite> entries : byKey.values()) {
			QueuedWrite last = entries.get(entries.size() - 1);
			String writer = last.text(WriteBehindQueue.WRITER);
			if (writer.isEmpty()) {
				write(entries, () -> this.target.run(last), written);
			}
			else {
				byWriter.computeIfAbsent(writer, (name) -> new ArrayList<>()).add(entries);
			}
		}
		byWriter.forEach((writer, keys) -> writeBatch(writer, keys, written));
	}

	private void writeBatch(String writer, List<List<QueuedWrite>> keys, List<QueuedWrite> written) {
		List<QueuedWrite> lasts = keys.stream().map((entries) -> entries.get(entries.size() - 1)).toList();
		try {
			this.target.runBatch(writer, lasts);
			this.written.add(lasts.size());
			keys.forEach(written::addAll);
		}
		catch (Exception ex) {
			if (keys.size() == 1) {
				failed(keys.get(0), ex);
				return;
			}
			// isolate the key that fails from the others
			for (List<QueuedWrite> entries : keys) {
				QueuedWrite last = entries.get(entries.size() - 1);
				write(entries, () -> this.target.runBatch(writer, List.of(last)), written);
			}
		}
	}

	private void write(List<QueuedWrite> entries, WriteBehindReplay.ThrowingRunnable write,
			List<QueuedWrite> written) {
		try {
			write.run();
			this.written.increment();
			written.addAll(entries);
		}
		catch (Exception ex) {
			failed(entries, ex);
		}
	}

	private void acknowledge(List<QueuedWrite> entries) {
		this.queue.acknowledge(entries.stream().map(QueuedWrite::id).toList());
		entries.forEach((entry) -> this.lastErrors.remove(entry.coalescingKey()));
	}

	private void failed(List<QueuedWrite> entries, Exception ex) {
		this.failed.increment();
		String key = entries.get(0).coalescingKey();
		this.lastErrors.put(key, ex.getClass().getName() + ": " + ex.getMessage());
		if (logger.isDebugEnabled()) {
			logger.debug("tiered-cache: write-behind of '" + key + "' failed; it will be retried", ex);
		}
	}

	static int compareIds(String a, String b) {
		String[] left = a.split("-");
		String[] right = b.split("-");
		int millis = Long.compare(Long.parseLong(left[0]), Long.parseLong(right[0]));
		return (millis != 0) ? millis : Long.compare(Long.parseLong(left[1]), Long.parseLong(right[1]));
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
	 * @param claimIdleTime how long another instance's entry stays pending before it is
	 * claimed
	 * @param maxAttempts deliveries before an entry goes to the dead-letter stream
	 * @param retryBackoff wait before the first retry, doubling for each further one
	 * @param shutdownTimeout how long shutdown keeps writing what this instance holds
	 */
	public record Settings(int batchSize, Duration flushInterval, Duration claimIdleTime, int maxAttempts,
			Duration retryBackoff, Duration shutdownTimeout) {

		/**
		 * The defaults.
		 */
		public static final Settings DEFAULT = new Settings(100, Duration.ofSeconds(1), Duration.ofSeconds(30), 5,
				Duration.ofSeconds(1), Duration.ofSeconds(10));

	}

}
