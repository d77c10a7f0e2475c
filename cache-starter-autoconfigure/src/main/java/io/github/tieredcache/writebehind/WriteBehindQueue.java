package io.github.tieredcache.writebehind;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessage;
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

	static final byte[] KEY = bytes("key");

	static final byte[] BEAN = bytes("bean");

	static final byte[] METHOD = bytes("method");

	static final byte[] ARGUMENTS = bytes("args");

	static final byte[] WRITER = bytes("writer");

	static final byte[] CACHE_KEY = bytes("cacheKey");

	static final byte[] VALUE = bytes("value");

	static final byte[] ERROR = bytes("error");

	private final RedisConnectionFactory connectionFactory;

	private final byte[] stream;

	private final byte[] deadLetters;

	private final byte[] group;

	private final long timeoutNanos;

	private final int waitReplicas;

	/**
	 * Create a queue.
	 * @param connectionFactory the connection factory (Lettuce)
	 * @param stream the stream key, such as {@code <key-prefix>:write-behind}
	 * @param commandTimeout the longest a command is waited for
	 * @param waitReplicas replicas to {@code WAIT} for after each append (0 for none)
	 */
	public WriteBehindQueue(RedisConnectionFactory connectionFactory, String stream, Duration commandTimeout,
			int waitReplicas) {
		this.connectionFactory = connectionFactory;
		this.stream = bytes(stream);
		this.deadLetters = bytes(stream + ":dead");
		this.group = bytes("flushers");
		this.timeoutNanos = commandTimeout.toNanos();
		this.waitReplicas = waitReplicas;
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
	 * Append an entry and wait for Redis to acknowledge it.
	 * @param fields the entry
	 * @return the entry id
	 * @throws WriteBehindException if Redis did not acknowledge it
	 */
	String append(Map<byte[], byte[]> fields) {
		String id = call((redis) -> redis.xadd(this.stream, fields));
		if (this.waitReplicas > 0) {
			call((redis) -> redis.waitForReplication(this.waitReplicas, TimeUnit.NANOSECONDS.toMillis(this.timeoutNanos)));
		}
		return id;
	}

	/**
	 * Return how many entries wait to be written (the stream's length).
	 * @return the backlog
	 */
	public long backlog() {
		return call((redis) -> redis.xlen(this.stream));
	}

	List<QueuedWrite> readNew(String consumer, int count) {
		List<StreamMessage<byte[], byte[]>> messages = call((redis) -> redis.xreadgroup(
				Consumer.from(this.group, bytes(consumer)), XReadArgs.Builder.count(count),
				XReadArgs.StreamOffset.lastConsumed(this.stream)));
		List<QueuedWrite> writes = new ArrayList<>(messages.size());
		messages.forEach((message) -> writes.add(QueuedWrite.of(message, 1)));
		return writes;
	}

	List<PendingMessage> pending(int count) {
		return call((redis) -> redis.xpending(this.stream, this.group, Range.create("-", "+"), Limit.from(count)));
	}

	List<QueuedWrite> claim(String consumer, long minIdleMillis, List<PendingMessage> pending) {
		if (pending.isEmpty()) {
			return List.of();
		}
		Map<String, Long> deliveries = new LinkedHashMap<>();
		pending.forEach((message) -> deliveries.put(message.getId(), message.getRedeliveryCount()));
		List<StreamMessage<byte[], byte[]>> claimed = call((redis) -> redis.xclaim(this.stream,
				Consumer.from(this.group, bytes(consumer)), XClaimArgs.Builder.minIdleTime(minIdleMillis),
				deliveries.keySet().toArray(new String[0])));
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
	 * Remove a consumer from the group if it holds no pending entry (a consumer that holds
	 * some stays, so that another instance can claim them).
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
		Map<byte[], byte[]> fields = new LinkedHashMap<>(write.fields());
		fields.put(ERROR, bytes(error));
		call((redis) -> redis.xadd(this.deadLetters, fields));
		acknowledge(List.of(write.id()));
	}

	/**
	 * Return the dead letters: writes that failed every attempt.
	 * @param count the most to return
	 * @return the dead letters, oldest first
	 */
	public List<DeadLetter> deadLetters(int count) {
		List<StreamMessage<byte[], byte[]>> messages = call((redis) -> redis.xrange(this.deadLetters,
				Range.create("-", "+"), Limit.from(count)));
		List<DeadLetter> letters = new ArrayList<>(messages.size());
		for (StreamMessage<byte[], byte[]> message : messages) {
			Map<byte[], byte[]> body = QueuedWrite.normalize(message.getBody());
			letters.add(new DeadLetter(message.getId(), string(body.get(KEY)), string(body.get(ERROR))));
		}
		return letters;
	}

	/**
	 * Put a dead letter back on the queue, to be written again (with fresh attempts).
	 * @param id the dead letter's id
	 * @return whether it was found and re-driven
	 */
	public boolean redrive(String id) {
		List<StreamMessage<byte[], byte[]>> messages = call(
				(redis) -> redis.xrange(this.deadLetters, Range.create(id, id), Limit.from(1)));
		if (messages.isEmpty()) {
			return false;
		}
		Map<byte[], byte[]> body = new LinkedHashMap<>(QueuedWrite.normalize(messages.get(0).getBody()));
		body.keySet().removeIf((field) -> java.util.Arrays.equals(field, ERROR));
		call((redis) -> redis.xadd(this.stream, body));
		call((redis) -> redis.xdel(this.deadLetters, id));
		return true;
	}

	@SuppressWarnings("unchecked")
	private <T> T call(Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends Future<T>> command) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			Object nativeConnection = connection.getNativeConnection();
			if (!(nativeConnection instanceof RedisClusterAsyncCommands<?, ?> redis)) {
				throw new WriteBehindException("Write-behind needs Lettuce", null);
			}
			return command.apply((RedisClusterAsyncCommands<byte[], byte[]>) redis)
				.get(this.timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException ex) {
			throw new WriteBehindException(String.valueOf(ex.getCause().getMessage()), ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new WriteBehindException("Redis did not answer within " + Duration.ofNanos(this.timeoutNanos), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new WriteBehindException("Interrupted", ex);
		}
		catch (RuntimeException ex) {
			if (ex instanceof WriteBehindException) {
				throw ex;
			}
			throw new WriteBehindException(String.valueOf(ex.getMessage()), ex);
		}
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	static String string(byte @Nullable [] bytes) {
		return (bytes != null) ? new String(bytes, StandardCharsets.UTF_8) : "";
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
