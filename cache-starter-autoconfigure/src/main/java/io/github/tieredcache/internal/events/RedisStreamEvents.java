package io.github.tieredcache.internal.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.github.tieredcache.internal.redis.RedisTier;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Reads the Redis Streams of the {@code redis-stream} inbound events with a consumer
 * group while the application runs, and hands each entry to {@link InboundInvalidations}.
 * <p>
 * Every instance of the application is a consumer of the same group, so each entry is
 * delivered to one instance, which evicts through the {@code TieredCache} API (Redis, its
 * in-process tier, and the invalidation bus for the other instances) and then
 * acknowledges it ({@code XACK}): at least once. An entry delivered to an instance that
 * stops or dies before acknowledging it is claimed by another once it has been pending
 * for {@code claimIdleTime}; the group remembers what it has delivered, so a fleet
 * restarted after a stop reads the entries added meanwhile. A group created by the first
 * start reads entries added from then on.
 * <p>
 * Commands go through the cache's one command path ({@link RedisTier}: its shared
 * connection, command timeout and circuit breaker), so the stream is polled every
 * {@code pollInterval} rather than read with a blocking {@code XREADGROUP}, which would
 * hold up the shared connection. One daemon thread polls and applies, in order of
 * delivery. Starts after the cache manager and stops before it; nothing starts in the
 * constructor.
 * <p>
 * Thread-safe.
 */
public final class RedisStreamEvents extends EventReader {

	private static final Log logger = LogFactory.getLog(RedisStreamEvents.class);

	private static final int BATCH = 100;

	private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

	private final @Nullable RedisTier redis;

	private final InboundInvalidations invalidations;

	private final byte[] group;

	private final byte[] consumer = bytes(UUID.randomUUID().toString());

	private final Duration pollInterval;

	private final Duration claimIdleTime;

	private final LongSupplier nanoTime;

	private final Map<String, List<EventDeclaration>> byStream = new LinkedHashMap<>();

	private final AtomicLong rounds = new AtomicLong();

	private long nextWarning;

	private long nextClaim;

	/**
	 * Create the reader; {@link #start()} reads.
	 * @param redis the cache's command path; may be {@code null} only when no
	 * {@code redis-stream} event is declared
	 * @param invalidations applies the entries
	 * @param group the consumer group, the same for every instance of the application
	 * @param pollInterval how long to wait after a read that found nothing
	 * @param claimIdleTime how long an entry may stay delivered but unacknowledged before
	 * another instance takes it over
	 * @param nanoTime the time source of claims and rate-limited logging
	 */
	public RedisStreamEvents(@Nullable RedisTier redis, InboundInvalidations invalidations, String group,
			Duration pollInterval, Duration claimIdleTime, LongSupplier nanoTime) {
		super("tiered-cache-stream-events");
		this.invalidations = invalidations;
		this.group = bytes(group);
		this.pollInterval = pollInterval;
		this.claimIdleTime = claimIdleTime;
		this.nanoTime = nanoTime;
		this.nextWarning = nanoTime.getAsLong();
		this.nextClaim = nanoTime.getAsLong();
		for (EventDeclaration declaration : invalidations.declarations(EventDeclaration.Source.REDIS_STREAM)) {
			this.byStream.computeIfAbsent(declaration.channel(), (stream) -> new ArrayList<>()).add(declaration);
		}
		Assert.isTrue(redis != null || this.byStream.isEmpty(), "The redis-stream events need Redis");
		this.redis = redis;
	}

	/**
	 * Return how many polling rounds have completed without a failure, for tests and
	 * health: more than zero once every group exists.
	 * @return the count
	 */
	public long rounds() {
		return this.rounds.get();
	}

	@Override
	boolean hasWork() {
		return !this.byStream.isEmpty();
	}

	@Override
	long stopMillis() {
		return this.pollInterval.toMillis() + TimeUnit.SECONDS.toMillis(5);
	}

	@Override
	void stopped(boolean ended) {
		if (ended) {
			// a reader still inside a read could yet receive entries: it stays a
			// consumer, so that another instance claims them
			leaveGroup();
		}
	}

	@Override
	void read() {
		boolean groupsExist = false;
		while (isRunning() && !Thread.currentThread().isInterrupted()) {
			boolean more = false;
			try {
				if (!groupsExist) {
					this.byStream.keySet().forEach(this::createGroup);
					groupsExist = true;
				}
				boolean claim = this.nanoTime.getAsLong() - this.nextClaim >= 0;
				for (Map.Entry<String, List<EventDeclaration>> stream : this.byStream.entrySet()) {
					if (claim) {
						apply(stream.getKey(), stream.getValue(), claimIdle(stream.getKey()));
					}
					more |= apply(stream.getKey(), stream.getValue(), readNew(stream.getKey())) == BATCH;
				}
				if (claim) {
					this.nextClaim = this.nanoTime.getAsLong() + this.claimIdleTime.toNanos() / 2;
				}
				this.rounds.incrementAndGet();
			}
			catch (RuntimeException ex) {
				if (String.valueOf(ex.getMessage()).contains("NOGROUP")) {
					// the stream (and its group) was deleted
					groupsExist = false;
				}
				warn("reading the streams " + this.byStream.keySet() + " failed; retried in " + this.pollInterval + ": "
						+ ex.getMessage());
			}
			if (!more) {
				pause(this.pollInterval.toMillis());
			}
		}
	}

	private int apply(String stream, List<EventDeclaration> declarations, List<StreamMessage<byte[], byte[]>> entries) {
		for (StreamMessage<byte[], byte[]> entry : entries) {
			Map<String, String> fields = new LinkedHashMap<>();
			if (entry.getBody() != null) {
				entry.getBody().forEach((field, value) -> fields.put(text(field), text(value)));
			}
			if (!fields.isEmpty()) {
				// a pending entry deleted from the stream is claimed with no fields
				for (EventDeclaration declaration : declarations) {
					this.invalidations.streamEntry(declaration, stream, entry.getId(), fields);
				}
			}
			// after the eviction: an instance that dies before this leaves the entry
			// pending, for another to claim
			call((redis) -> redis.xack(bytes(stream), this.group, entry.getId()));
		}
		return entries.size();
	}

	private List<StreamMessage<byte[], byte[]>> readNew(String stream) {
		return call((redis) -> redis.xreadgroup(Consumer.from(this.group, this.consumer),
				XReadArgs.Builder.count(BATCH), XReadArgs.StreamOffset.lastConsumed(bytes(stream))));
	}

	private List<StreamMessage<byte[], byte[]>> claimIdle(String stream) {
		List<PendingMessage> pending = call(
				(redis) -> redis.xpending(bytes(stream), this.group, Range.create("-", "+"), Limit.from(BATCH)));
		long idleMillis = this.claimIdleTime.toMillis();
		String[] ids = pending.stream()
			.filter((message) -> message.getMsSinceLastDelivery() >= idleMillis)
			.map(PendingMessage::getId)
			.toArray(String[]::new);
		if (ids.length == 0) {
			return List.of();
		}
		return call((redis) -> redis.xclaim(bytes(stream), Consumer.from(this.group, this.consumer),
				XClaimArgs.Builder.minIdleTime(idleMillis), ids));
	}

	private void createGroup(String stream) {
		try {
			// '$': a new group reads what is added from now on, not the stream's history
			call((redis) -> redis.xgroupCreate(XReadArgs.StreamOffset.from(bytes(stream), "$"), this.group,
					XGroupCreateArgs.Builder.mkstream()));
		}
		catch (RedisTier.RedisCommandException ex) {
			if (!String.valueOf(ex.getCause()).contains("BUSYGROUP")) {
				throw ex;
			}
		}
	}

	private void leaveGroup() {
		for (String stream : this.byStream.keySet()) {
			try {
				// DELCONSUMER drops the consumer's pending entries for good: a consumer
				// that
				// holds some stays, so that another instance claims them
				Consumer<byte[]> member = Consumer.from(this.group, this.consumer);
				if (call((redis) -> redis.xpending(bytes(stream), member, Range.create("-", "+"), Limit.from(1)))
					.isEmpty()) {
					call((redis) -> redis.xgroupDelconsumer(bytes(stream), member));
				}
			}
			catch (RuntimeException ex) {
				logger.debug("tiered-cache: could not leave the consumer group of stream '" + stream + "'", ex);
			}
		}
	}

	private <T> T call(Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends Future<T>> command) {
		Assert.state(this.redis != null, "No Redis");
		return this.redis.executeOrThrow("inbound stream events", command);
	}

	private void warn(String message) {
		long now = this.nanoTime.getAsLong();
		if (now - this.nextWarning >= 0) {
			this.nextWarning = now + LOG_INTERVAL_NANOS;
			logger.warn("tiered-cache: inbound events: " + message);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("tiered-cache: inbound events: " + message);
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
