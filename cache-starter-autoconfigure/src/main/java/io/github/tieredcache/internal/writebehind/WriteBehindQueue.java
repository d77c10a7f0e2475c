package io.github.tieredcache.internal.writebehind;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.writebehind.WriteBehindException;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.models.stream.PendingMessages;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The durable queue of deferred writes: a Redis Stream with a consumer group, over
 * Lettuce. An entry is appended with {@code XADD} (the caller returns once Redis has
 * acknowledged it), read with {@code XREADGROUP}, and removed with {@code XACK} +
 * {@code XDEL} only after its write succeeded, so the stream's length is the backlog.
 * Entries that exhausted their attempts move to a dead-letter stream, from which an
 * operator can list and re-drive them.
 * <p>
 * Thread-safe.
 */
public final class WriteBehindQueue {

	private static final Log logger = LogFactory.getLog(WriteBehindQueue.class);

	/**
	 * Most entries appended in one command.
	 */
	static final int MAX_GROUP = 256;

	private static final byte[] APPEND_ALL = bytes(WriteOrder.APPEND_ALL);

	private static final byte[] APPEND_ALL_UNCONFIRMED = bytes(WriteOrder.APPEND_ALL_UNCONFIRMED);

	private static final byte[] CONFIRM_ALL = bytes(WriteOrder.CONFIRM_ALL);

	private final RedisTier redis;

	private final byte[] stream;

	private final byte[] deadLetters;

	private final byte[] group;

	private final byte[] lease;

	private final byte[] written;

	private final byte[] writing;

	private final byte[] unconfirmed;

	private final long timeoutNanos;

	private final int waitReplicas;

	private final Map<String, String> digests = new ConcurrentHashMap<>();

	private final GroupCommit<Map<byte[], byte[]>> appends = new GroupCommit<>(this::sendAppends, MAX_GROUP);

	private final GroupCommit<Unconfirmed> replicatedAppends = new GroupCommit<>(this::sendReplicatedAppends,
			MAX_GROUP);

	/**
	 * Create a queue.
	 * @param redis the command path every Redis command goes through (the caches' own:
	 * timeout, circuit breaker), failing loudly here
	 * @param stream the stream key, such as {@code <key-prefix>:write-behind}
	 * @param commandTimeout the longest a command is waited for
	 * @param waitReplicas replicas to {@code WAIT} for after each append (0 for none)
	 */
	public WriteBehindQueue(RedisTier redis, String stream, Duration commandTimeout, int waitReplicas) {
		this.redis = redis;
		this.stream = bytes(stream);
		this.deadLetters = bytes(stream + ":dead");
		this.group = bytes("flushers");
		this.lease = bytes(companion(stream, "lease"));
		this.written = bytes(companion(stream, "written"));
		this.writing = bytes(companion(stream, "writing"));
		this.unconfirmed = bytes(companion(stream, "unconfirmed"));
		this.timeoutNanos = commandTimeout.toNanos();
		this.waitReplicas = waitReplicas;
	}

	/**
	 * Return the key of a companion of the stream, in the stream's hash-tag slot: {@code
	 * <stream>:<suffix>} when the stream's name has a hash tag, else
	 * {@code {<stream>}:<suffix>} (the slot of a name without a hash tag is that of the
	 * whole name).
	 */
	static String companion(String stream, String suffix) {
		int open = stream.indexOf('{');
		int close = (open >= 0) ? stream.indexOf('}', open + 1) : -1;
		if (open >= 0 && close > open + 1) {
			return stream + ":" + suffix;
		}
		if (stream.indexOf('}') >= 0) {
			// wrapping it in braces would end the tag early
			throw new IllegalArgumentException("Write-behind stream '" + stream + "' has a '}' but no hash tag; "
					+ "give 'tiered-cache.write-behind.stream' a hash tag such as '{orders}:write-behind'");
		}
		return "{" + stream + "}:" + suffix;
	}

	/**
	 * Return the stream key.
	 * @return the stream
	 */
	public String getStream() {
		return new String(this.stream, StandardCharsets.UTF_8);
	}

	/**
	 * Create the consumer group (and the stream) unless it exists.
	 */
	void createGroup() {
		try {
			call((redis) -> redis.xgroupCreate(XReadArgs.StreamOffset.from(this.stream, "0"), this.group,
					XGroupCreateArgs.Builder.mkstream()));
		}
		catch (WriteBehindException ex) {
			if (!String.valueOf(ex.getMessage()).contains("BUSYGROUP")) {
				throw ex;
			}
		}
	}

	/**
	 * Append an entry and wait for Redis to acknowledge it and, with
	 * {@code wait-replicas}, for the replicas to confirm it. An entry the replicas did
	 * not confirm is removed before this throws; until confirmed, no flusher writes it.
	 * <p>
	 * The entries of concurrent calls are appended together (a {@link GroupCommit}): one
	 * command and one round trip for all the calls that arrived while the previous group
	 * was on its way, and, with {@code wait-replicas}, one {@code WAIT} for all of them.
	 * A call waits at most twice the command timeout for its turn (the group ahead of it
	 * has one), then for its group's answer as for any command.
	 * @param fields the entry
	 * @param unconfirmedFor how long an unconfirmed entry is kept before a flusher drops
	 * it (its appender is then presumed dead, its call never returned)
	 * @return the entry id
	 * @throws NotReplicated if fewer replicas than asked confirmed the entry
	 * @throws WriteBehindException if Redis did not acknowledge it
	 */
	String append(Map<byte[], byte[]> fields, Duration unconfirmedFor) {
		// the group ahead takes at most one command timeout: a call behind it fails only
		// once that group has had all its time
		Duration turn = Duration.ofNanos(2 * this.timeoutNanos);
		if (this.waitReplicas <= 0) {
			return this.appends.append(fields, turn);
		}
		return this.replicatedAppends.append(new Unconfirmed(fields, unconfirmedFor), turn);
	}

	/**
	 * Send a group of appends: a lone entry as a plain {@code XADD}, several in one
	 * script. Always one command, so that an entry is on the connection before anything
	 * its caller sends after giving up on it.
	 */
	@SuppressWarnings("unchecked")
	private List<@Nullable String> sendAppends(Supplier<List<Map<byte[], byte[]>>> take) {
		Object reply = call((redis) -> {
			List<Map<byte[], byte[]>> entries = take.get();
			if (entries.size() == 1) {
				return (Future<Object>) (Future<?>) redis.xadd(this.stream, entries.get(0));
			}
			if (entries.isEmpty()) {
				// every caller withdrew meanwhile: a command all the same, as the breaker
				// counts this one
				return (Future<Object>) (Future<?>) redis.ping();
			}
			List<byte[]> arguments = new ArrayList<>();
			for (Map<byte[], byte[]> entry : entries) {
				addEntry(arguments, entry);
			}
			return redis.<Object>eval(APPEND_ALL, ScriptOutputType.MULTI, new byte[][] { this.stream },
					arguments.toArray(new byte[0][]));
		});
		return ids(reply);
	}

	/**
	 * Send a group of appends with {@code wait-replicas}: append them unconfirmed (one
	 * script), {@code WAIT} once for all of them, then confirm them (one script). If
	 * fewer replicas than asked confirmed them, they are removed and every call of the
	 * group fails.
	 */
	@SuppressWarnings("unchecked")
	private List<@Nullable String> sendReplicatedAppends(Supplier<List<Unconfirmed>> take) {
		Object reply = call((redis) -> {
			List<Unconfirmed> entries = take.get();
			if (entries.isEmpty()) {
				return (Future<Object>) (Future<?>) redis.ping();
			}
			List<byte[]> arguments = new ArrayList<>();
			for (Unconfirmed entry : entries) {
				arguments.add(bytes(String.valueOf(entry.unconfirmedFor().toMillis())));
				addEntry(arguments, entry.fields());
			}
			return redis.<Object>eval(APPEND_ALL_UNCONFIRMED, ScriptOutputType.MULTI,
					new byte[][] { this.stream, this.unconfirmed }, arguments.toArray(new byte[0][]));
		});
		List<@Nullable String> ids = ids(reply);
		if (ids.isEmpty()) {
			return ids;
		}
		long replicas;
		try {
			// WAIT's own timeout must end before the client gives up on the command
			replicas = call((redis) -> redis.waitForReplication(this.waitReplicas,
					Math.max(1, TimeUnit.NANOSECONDS.toMillis(this.timeoutNanos) / 2)));
		}
		catch (WriteBehindException ex) {
			ids.forEach((id) -> cancelQuietly(Objects.requireNonNull(id)));
			throw ex;
		}
		if (replicas < this.waitReplicas) {
			ids.forEach((id) -> cancelQuietly(Objects.requireNonNull(id)));
			throw new NotReplicated("Write-behind entry confirmed by " + replicas + " of " + this.waitReplicas
					+ " replicas ('tiered-cache.write-behind.wait-replicas') within "
					+ Duration.ofNanos(this.timeoutNanos / 2) + "; the call is not queued");
		}
		List<byte[]> idArguments = new ArrayList<>();
		ids.forEach((id) -> idArguments.add(bytes(Objects.requireNonNull(id))));
		List<?> confirmed;
		try {
			confirmed = call((redis) -> redis.<List<?>>eval(CONFIRM_ALL, ScriptOutputType.MULTI,
					new byte[][] { this.unconfirmed }, idArguments.toArray(new byte[0][])));
		}
		catch (WriteBehindException ex) {
			ids.forEach((id) -> cancelQuietly(Objects.requireNonNull(id)));
			throw ex;
		}
		List<@Nullable String> outcomes = new ArrayList<>(ids.size());
		for (int i = 0; i < ids.size(); i++) {
			// 0: it stayed unconfirmed for longer than it may, and a flusher dropped it
			outcomes.add((confirmed.get(i) instanceof Long one && one == 1) ? ids.get(i) : null);
		}
		return outcomes;
	}

	private static void addEntry(List<byte[]> arguments, Map<byte[], byte[]> fields) {
		arguments.add(bytes(String.valueOf(fields.size() * 2)));
		fields.forEach((field, value) -> {
			arguments.add(field);
			arguments.add(value);
		});
	}

	private static List<@Nullable String> ids(Object reply) {
		if (reply instanceof String id) {
			return (id.equals("PONG")) ? List.of() : List.of(id);
		}
		List<@Nullable String> ids = new ArrayList<>();
		for (Object id : (List<?>) reply) {
			ids.add(string((byte[]) id));
		}
		return ids;
	}

	private void cancelQuietly(String id) {
		try {
			script(WriteOrder.CANCEL, ScriptOutputType.INTEGER, new byte[][] { this.stream, this.unconfirmed },
					bytes(id));
		}
		catch (WriteBehindException ex) {
			// an unconfirmed entry is dropped by the flusher once its time is up
			logger.debug("Could not cancel write-behind entry " + id, ex);
		}
	}

	/**
	 * Take or renew the lease that makes one flusher per stream the active one.
	 * @param consumer the flusher
	 * @param duration how long the lease lasts unless renewed
	 * @return 1 when renewed, 2 when newly taken, 0 when another flusher holds it
	 */
	long acquireLease(String consumer, Duration duration) {
		return script(WriteOrder.ACQUIRE, ScriptOutputType.INTEGER, new byte[][] { this.lease }, bytes(consumer),
				bytes(String.valueOf(duration.toMillis())));
	}

	void releaseLease(String consumer) {
		script(WriteOrder.RELEASE, ScriptOutputType.INTEGER, new byte[][] { this.lease }, bytes(consumer));
	}

	/**
	 * Decide, atomically with the lease, which of the newest entries of their keys to
	 * write.
	 * @param consumer the flusher, which must hold the lease
	 * @param newest the newest entry of each key
	 * @return one verdict per entry, or {@code null} if the flusher lost the lease
	 */
	@Nullable List<Verdict> begin(String consumer, List<QueuedWrite> newest) {
		List<byte[]> arguments = new ArrayList<>();
		arguments.add(bytes(consumer));
		for (QueuedWrite write : newest) {
			arguments.add(bytes(write.coalescingKey()));
			arguments.add(bytes(write.orderingId()));
			arguments.add(bytes(write.id()));
		}
		Object reply = script(WriteOrder.BEGIN, ScriptOutputType.MULTI,
				new byte[][] { this.stream, this.lease, this.written, this.writing, this.unconfirmed },
				arguments.toArray(new byte[0][]));
		if (!(reply instanceof List<?> list) || (list.size() == 1 && "lost".equals(string((byte[]) list.get(0))))) {
			return null;
		}
		List<Verdict> verdicts = new ArrayList<>(list.size());
		for (Object verdict : list) {
			verdicts.add(Verdict.valueOf(string((byte[]) verdict).toUpperCase(java.util.Locale.ROOT)));
		}
		return verdicts;
	}

	/**
	 * End the writes {@link #begin} allowed: on success raise each key's high-water mark
	 * to the ordering id written; either way clear the in-progress markers.
	 */
	void finish(String consumer, List<QueuedWrite> newest, boolean success) {
		if (newest.isEmpty()) {
			return;
		}
		List<byte[]> arguments = new ArrayList<>();
		arguments.add(bytes(consumer));
		arguments.add(bytes(success ? "1" : "0"));
		for (QueuedWrite write : newest) {
			arguments.add(bytes(write.coalescingKey()));
			arguments.add(bytes(write.orderingId()));
		}
		script(WriteOrder.FINISH, ScriptOutputType.INTEGER, new byte[][] { this.written, this.writing },
				arguments.toArray(new byte[0][]));
	}

	/**
	 * Mark a direct write of a key, once no other write of it is in progress.
	 * @return the fence (the id of the stream's last entry), or {@code null} while
	 * another write of the key is in progress
	 */
	@Nullable String lockDirect(String coalescingKey, String token, Duration duration) {
		Object fence = script(WriteOrder.LOCK_DIRECT, ScriptOutputType.VALUE,
				new byte[][] { this.stream, this.lease, this.writing }, bytes(coalescingKey), bytes(token),
				bytes(String.valueOf(duration.toMillis())));
		return (fence != null) ? string((byte[]) fence) : null;
	}

	void unlockDirect(String coalescingKey, String token, String fence, boolean success) {
		script(WriteOrder.UNLOCK_DIRECT, ScriptOutputType.INTEGER, new byte[][] { this.written, this.writing },
				bytes(coalescingKey), bytes(token), bytes(fence), bytes(success ? "1" : "0"));
	}

	/**
	 * Return the highest ordering id written (or fenced) for a key.
	 * @param coalescingKey the key
	 * @return the id, or {@code null} if none is recorded
	 */
	@Nullable String writtenUpTo(String coalescingKey) {
		byte[] id = call((redis) -> redis.hget(this.written, bytes(coalescingKey)));
		return (id != null) ? string(id) : null;
	}

	/**
	 * Return how many entries wait to be written (the stream's length).
	 * @return the backlog
	 */
	public long backlog() {
		return call((redis) -> redis.xlen(this.stream));
	}

	/**
	 * Return how many dead letters wait for an operator (the dead-letter stream's
	 * length).
	 * @return the count
	 */
	public long deadLetterCount() {
		return call((redis) -> redis.xlen(this.deadLetters));
	}

	/**
	 * Return the entries each flusher has read but not yet acknowledged (being written,
	 * or held by a crashed instance until another claims them).
	 * @return the pending count by consumer name, empty before the first flusher ran
	 */
	public Map<String, Long> pendingByConsumer() {
		PendingMessages pending;
		try {
			pending = call((redis) -> redis.xpending(this.stream, this.group));
		}
		catch (WriteBehindException ex) {
			if (String.valueOf(ex.getMessage()).startsWith("NOGROUP")) {
				return Map.of();
			}
			throw ex;
		}
		return (pending.getConsumerMessageCount() != null) ? new TreeMap<>(pending.getConsumerMessageCount())
				: Map.of();
	}

	List<QueuedWrite> readNew(String consumer, int count) {
		List<StreamMessage<byte[], byte[]>> messages = call(
				(redis) -> redis.xreadgroup(Consumer.from(this.group, bytes(consumer)), XReadArgs.Builder.count(count),
						XReadArgs.StreamOffset.lastConsumed(this.stream)));
		List<QueuedWrite> writes = new ArrayList<>(messages.size());
		messages.forEach((message) -> writes.add(QueuedWrite.of(message, 1)));
		return writes;
	}

	List<PendingMessage> pending(int count) {
		return call((redis) -> redis.xpending(this.stream, this.group, Range.create("-", "+"), Limit.from(count)));
	}

	/**
	 * Return the pending entries older than an id (inclusive bounds only: any Redis
	 * version).
	 * @param count the most to return
	 * @param id the id the entries are older than
	 * @return the pending entries, oldest first
	 */
	List<PendingMessage> pendingBefore(int count, String id) {
		String[] parts = id.split("-");
		long millis = Long.parseLong(parts[0]);
		long sequence = Long.parseLong(parts[1]);
		if (millis == 0 && sequence == 0) {
			return List.of();
		}
		// the id just before: the sequence is an unsigned 64-bit number
		String previous = (sequence > 0) ? millis + "-" + (sequence - 1)
				: (millis - 1) + "-" + Long.toUnsignedString(-1L);
		return call((redis) -> redis.xpending(this.stream, this.group, Range.create("-", previous), Limit.from(count)));
	}

	List<QueuedWrite> claim(String consumer, long minIdleMillis, List<PendingMessage> pending) {
		if (pending.isEmpty()) {
			return List.of();
		}
		Map<String, Long> deliveries = new LinkedHashMap<>();
		pending.forEach((message) -> deliveries.put(message.getId(), message.getRedeliveryCount()));
		List<StreamMessage<byte[], byte[]>> claimed = call(
				(redis) -> redis.xclaim(this.stream, Consumer.from(this.group, bytes(consumer)),
						XClaimArgs.Builder.minIdleTime(minIdleMillis), deliveries.keySet().toArray(new String[0])));
		List<QueuedWrite> writes = new ArrayList<>(claimed.size());
		for (StreamMessage<byte[], byte[]> message : claimed) {
			if (message.getBody() != null && !message.getBody().isEmpty()) {
				writes.add(QueuedWrite.of(message, deliveries.getOrDefault(message.getId(), 0L) + 1));
			}
			else {
				// deleted while pending
				acknowledge(List.of(message.getId()));
			}
		}
		return writes;
	}

	/**
	 * Remove a consumer from the group if it holds no pending entry (a consumer that
	 * holds some stays, so that another instance can claim them).
	 */
	void removeConsumerIfIdle(String consumer) {
		Consumer<byte[]> member = Consumer.from(this.group, bytes(consumer));
		if (call((redis) -> redis.xpending(this.stream, member, Range.create("-", "+"), Limit.from(1))).isEmpty()) {
			call((redis) -> redis.xgroupDelconsumer(this.stream, member));
		}
	}

	void acknowledge(List<String> ids) {
		if (ids.isEmpty()) {
			return;
		}
		String[] array = ids.toArray(new String[0]);
		call((redis) -> redis.xack(this.stream, this.group, array));
		call((redis) -> redis.xdel(this.stream, array));
	}

	void deadLetter(QueuedWrite write, String error) {
		Map<byte[], byte[]> fields = StreamRecordFormat.deadLetter(write, error);
		call((redis) -> redis.xadd(this.deadLetters, fields));
		acknowledge(List.of(write.id()));
	}

	/**
	 * Return the dead letters: writes that failed every attempt.
	 * @param count the most to return
	 * @return the dead letters, oldest first
	 */
	public List<DeadLetter> deadLetters(int count) {
		List<StreamMessage<byte[], byte[]>> messages = call(
				(redis) -> redis.xrange(this.deadLetters, Range.create("-", "+"), Limit.from(count)));
		List<DeadLetter> letters = new ArrayList<>(messages.size());
		for (StreamMessage<byte[], byte[]> message : messages) {
			Map<byte[], byte[]> body = StreamRecordFormat.normalize(message.getBody());
			letters.add(new DeadLetter(message.getId(), StreamRecordFormat.coalescingKey(body),
					StreamRecordFormat.error(body)));
		}
		return letters;
	}

	/**
	 * Put a dead letter back on the queue, to be written again (with fresh attempts),
	 * unless a newer write of its key has reached the database by then: it is ordered by
	 * the stream id it had when first queued.
	 * @param id the dead letter's id
	 * @return whether it was found and re-driven
	 */
	public boolean redrive(String id) {
		List<StreamMessage<byte[], byte[]>> messages = call(
				(redis) -> redis.xrange(this.deadLetters, Range.create(id, id), Limit.from(1)));
		if (messages.isEmpty()) {
			return false;
		}
		// it keeps its original stream id as its ordering id: it never overwrites a newer
		// write
		Map<byte[], byte[]> body = StreamRecordFormat.redriven(messages.get(0).getBody());
		call((redis) -> redis.xadd(this.stream, body));
		call((redis) -> redis.xdel(this.deadLetters, id));
		return true;
	}

	private static String sha1(String script) {
		try {
			return java.util.HexFormat.of()
				.formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(bytes(script)));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@SuppressWarnings("unchecked")
	private <T> T script(String script, ScriptOutputType type, byte[][] keys, byte[]... arguments) {
		String digest = this.digests.computeIfAbsent(script, WriteBehindQueue::sha1);
		try {
			return (T) call((redis) -> redis.evalsha(digest, type, keys, arguments));
		}
		catch (WriteBehindException ex) {
			if (!String.valueOf(ex.getMessage()).startsWith("NOSCRIPT")) {
				throw ex;
			}
			return (T) call((redis) -> redis.eval(script, type, keys, arguments));
		}
	}

	@SuppressWarnings("unchecked")
	private <T> T call(Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends Future<T>> command) {
		try {
			return this.redis.executeOrThrow("write-behind", command);
		}
		catch (RedisTier.RedisCommandException ex) {
			// Redis's own message first (NOSCRIPT, BUSYGROUP, ...): callers tell replies
			// by it
			Throwable cause = ex.getCause();
			throw new WriteBehindException(String.valueOf((cause != null) ? cause.getMessage() : ex.getMessage()),
					cause);
		}
	}

	private static byte[] bytes(String text) {
		return StreamRecordFormat.bytes(text);
	}

	private static String string(byte @Nullable [] bytes) {
		return StreamRecordFormat.string(bytes);
	}

	/**
	 * What {@link #begin} decided for the newest entry of a key.
	 */
	enum Verdict {

		/**
		 * Write it: it is marked as in progress.
		 */
		WRITE,

		/**
		 * A write at or after it is already in the database: acknowledge without writing.
		 */
		STALE,

		/**
		 * Another write of the key is in progress, or the entry is not yet confirmed by
		 * its replicas: leave it for a later round.
		 */
		BUSY,

		/**
		 * Its call failed (replicas did not confirm it): it is gone; acknowledge it
		 * alone.
		 */
		CANCELLED

	}

	/**
	 * Thrown when fewer replicas than {@code wait-replicas} confirmed an append.
	 */
	static final class NotReplicated extends WriteBehindException {

		NotReplicated(String message) {
			super(message, null);
		}

	}

	/**
	 * An entry to append unconfirmed (with {@code wait-replicas}).
	 *
	 * @param fields the entry
	 * @param unconfirmedFor how long it may stay unconfirmed
	 */
	private record Unconfirmed(Map<byte[], byte[]> fields, Duration unconfirmedFor) {
	}

	/**
	 * A write that failed every attempt.
	 *
	 * @param id the dead letter's id, for {@link #redrive(String)}
	 * @param key the coalescing key of the write (cache and encoded key)
	 * @param error the last error
	 */
	public record DeadLetter(String id, String key, String error) {
	}

}
