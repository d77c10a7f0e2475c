package io.github.tieredcache.internal.writebehind;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.github.tieredcache.writebehind.WriteBehindException;
import org.jspecify.annotations.Nullable;

/**
 * Group commit of appends: calls that arrive while a group is on its way to Redis wait
 * for it and then go together, in one command and one round trip, in arrival order. A
 * lone call goes at once, alone, so a single caller waits no longer than before.
 * <p>
 * There is no thread of its own: the first waiting caller that finds no group on its way
 * becomes the leader, takes what waits (its own entry and up to {@code maxGroup - 1}
 * others), sends it, hands every caller its outcome, and wakes the next waiting caller to
 * lead the next group.
 * <p>
 * A call waits at most its timeout for its turn: a call whose entry still waits when its
 * time is up withdraws it (it is then never sent) and fails. Once its entry is sent, it
 * waits for the group's answer as for any command (the command path's timeout): it never
 * returns before Redis acknowledged its entry, and an entry whose call failed was either
 * never sent or sent before anything that call sends next over the shared connection (a
 * direct write's fence).
 * <p>
 * Thread-safe.
 *
 * @param <E> the entry type
 */
final class GroupCommit<E> {

	private final ConcurrentLinkedQueue<Append<E>> waiting = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean leading = new AtomicBoolean();

	private final Sender<E> sender;

	private final int maxGroup;

	/**
	 * Create a group commit.
	 * @param sender sends a group
	 * @param maxGroup the most entries sent in one command
	 */
	GroupCommit(Sender<E> sender, int maxGroup) {
		this.sender = sender;
		this.maxGroup = maxGroup;
	}

	/**
	 * Append an entry, together with those of the calls that arrive meanwhile.
	 * @param entry the entry
	 * @param timeout how long this call waits for its turn
	 * @return the entry's outcome
	 * @throws WriteBehindException if the entry was not appended (not sent within the
	 * timeout, or its group failed); it may have been applied all the same when its group
	 * was sent but did not answer in time
	 */
	String append(E entry, Duration timeout) {
		Append<E> mine = new Append<>(entry, Thread.currentThread());
		this.waiting.add(mine);
		long deadline = System.nanoTime() + timeout.toNanos();
		boolean interrupted = false;
		while (true) {
			if (mine.done) {
				if (interrupted) {
					Thread.currentThread().interrupt();
				}
				return mine.outcome();
			}
			if (this.leading.compareAndSet(false, true)) {
				try {
					// lead while this call's own entry is not through
					while (!mine.done) {
						lead();
					}
				}
				finally {
					// only after an Error: never sent later on behalf of a caller gone
					mine.withdraw();
					this.leading.set(false);
					wakeNext();
				}
				continue;
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0 && mine.withdraw()) {
				throw new WriteBehindException("Write-behind entry not sent within " + timeout
						+ " (waiting for its turn in a group of appends); the call is not queued", null);
			}
			if (Thread.currentThread().isInterrupted() && mine.withdraw()) {
				throw new WriteBehindException(
						"Interrupted while waiting to append a write-behind entry; the call is not queued", null);
			}
			// once taken, the leader hands it its outcome within the command's own
			// timeout (an interrupt no longer cuts that short: it is kept for the caller)
			if (Thread.interrupted()) {
				interrupted = true;
			}
			LockSupport.parkNanos(this, (remaining > 0) ? remaining : TimeUnit.MILLISECONDS.toNanos(1));
		}
	}

	/**
	 * Send one group: take the entries that wait (up to {@code maxGroup}, skipping
	 * withdrawn ones) when the connection is ready to take the command, and hand each its
	 * outcome.
	 */
	private void lead() {
		List<Append<E>> group = new ArrayList<>();
		List<@Nullable String> ids;
		try {
			ids = this.sender.send(() -> take(group));
		}
		catch (RuntimeException | Error ex) {
			if (group.isEmpty()) {
				// failed before taking anything (the breaker is open, no connection):
				// what
				// waits was never sent and fails now rather than after its timeout
				take(group);
			}
			group.forEach((append) -> append.fail(ex));
			if (ex instanceof Error error) {
				throw error;
			}
			return;
		}
		if (ids.size() != group.size()) {
			IllegalStateException mismatch = new IllegalStateException(
					"Expected " + group.size() + " ids for a group of appends, got " + ids.size());
			group.forEach((append) -> append.fail(mismatch));
			return;
		}
		for (int i = 0; i < group.size(); i++) {
			String id = ids.get(i);
			if (id != null) {
				group.get(i).succeed(id);
			}
			else {
				group.get(i)
					.fail(new WriteBehindException("Write-behind entry stayed unconfirmed by its replicas"
							+ " for longer than it may and was dropped", null));
			}
		}
	}

	private List<E> take(List<Append<E>> group) {
		group.clear();
		List<E> entries = new ArrayList<>();
		Append<E> next;
		while (group.size() < this.maxGroup && (next = this.waiting.poll()) != null) {
			if (next.take()) {
				group.add(next);
				entries.add(next.entry);
			}
		}
		return entries;
	}

	/**
	 * Return how many calls wait for their turn (withdrawn ones until a leader skips
	 * them), for tests.
	 */
	int waiting() {
		return this.waiting.size();
	}

	private void wakeNext() {
		for (Append<E> next : this.waiting) {
			if (next.state.get() == Append.WAITING) {
				LockSupport.unpark(next.caller);
				return;
			}
		}
	}

	/**
	 * Sends a group of entries in one command.
	 */
	@FunctionalInterface
	interface Sender<E> {

		/**
		 * Send the entries {@code take} returns, taken once the connection can take the
		 * command and sent at once.
		 * @param take takes the entries to send, in order; called at most once, possibly
		 * returning none
		 * @return the id of each entry, in order; {@code null} for an entry that was
		 * dropped
		 * @throws WriteBehindException if the command failed
		 */
		List<@Nullable String> send(Supplier<List<E>> take);

	}

	private static final class Append<E> {

		static final int WAITING = 0;

		static final int TAKEN = 1;

		static final int CANCELLED = 2;

		final E entry;

		final Thread caller;

		final AtomicInteger state = new AtomicInteger(WAITING);

		volatile boolean done;

		private @Nullable String id;

		private @Nullable Throwable failure;

		Append(E entry, Thread caller) {
			this.entry = entry;
			this.caller = caller;
		}

		boolean take() {
			return this.state.compareAndSet(WAITING, TAKEN);
		}

		boolean withdraw() {
			return this.state.compareAndSet(WAITING, CANCELLED);
		}

		void succeed(String id) {
			this.id = id;
			this.done = true;
			LockSupport.unpark(this.caller);
		}

		void fail(Throwable ex) {
			this.failure = ex;
			this.done = true;
			LockSupport.unpark(this.caller);
		}

		String outcome() {
			Throwable failure = this.failure;
			if (failure != null) {
				// the caller's own stack, with the group's failure as the cause
				if (failure instanceof WriteBehindQueue.NotReplicated) {
					throw new WriteBehindQueue.NotReplicated(String.valueOf(failure.getMessage()));
				}
				throw new WriteBehindException(String.valueOf(failure.getMessage()), failure);
			}
			return java.util.Objects.requireNonNull(this.id);
		}

	}

}
