package io.github.tieredcache.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.types.Expiration;
import org.springframework.util.ClassUtils;

/**
 * The shared tier: the few Redis commands the cache needs, over Spring Data Redis.
 * <p>
 * Fails open, never throws because Redis failed:
 * <ul>
 * <li>each command is sent through Lettuce's asynchronous API and waited for at most the
 * {@code commandTimeout} (250 ms by default), whatever the application's own Redis timeout
 * (other clients than Lettuce fall back to Spring Data Redis's synchronous calls and their
 * own timeout);</li>
 * <li>a failed command is logged (at most one warning per {@link #WARNING_INTERVAL}),
 * counted in {@link #failures()}, and answered as documented on each method;</li>
 * <li>after {@code failureThreshold} failures in a row a {@link CircuitBreaker} opens: no
 * command is sent, a background probe pings Redis, and when it answers the breaker closes;
 * </li>
 * <li>a write or deletion that did not reach Redis is remembered and replayed as a deletion
 * when Redis is back, so that no instance reads from Redis what was overwritten or evicted
 * meanwhile; past {@value #MAX_REMEMBERED} remembered keys the {@link RecoveryListener} is
 * told to clear every cache instead.</li>
 * </ul>
 * Thread-safe.
 */
public final class RedisTier implements AutoCloseable {

	/**
	 * Shortest time between two warnings about failed Redis commands.
	 */
	public static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

	/**
	 * Most keys remembered for deletion while Redis is unreachable.
	 */
	public static final int MAX_REMEMBERED = 100_000;

	private static final Log logger = LogFactory.getLog(RedisTier.class);

	private static final boolean lettucePresent = ClassUtils.isPresent(
			"io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands", RedisTier.class.getClassLoader());

	private static final byte[] FILL_LEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
			+ "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0")
		.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] RELEASE_LEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
			+ "redis.call('DEL', KEYS[1]) return 1 end return 0")
		.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] ABSENT = new byte[0];

	private final RedisConnectionFactory connectionFactory;

	private final Ticker ticker;

	private final long timeoutNanos;

	private final CircuitBreaker breaker;

	private final LongAdder failures = new LongAdder();

	private final LongAdder shortCircuited = new LongAdder();

	private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

	private final LongAdder unreported = new LongAdder();

	private final Set<ByteBuffer> rememberedDeletes = ConcurrentHashMap.newKeySet();

	private final Set<ByteBuffer> rememberedIncrements = ConcurrentHashMap.newKeySet();

	private final AtomicBoolean rememberedOverflow = new AtomicBoolean();

	private final AtomicBoolean replayScheduled = new AtomicBoolean();

	private volatile RecoveryListener recoveryListener = (overflowed) -> {
	};

	/**
	 * Create a tier with the default timeout and breaker.
	 * @param connectionFactory the connection factory, typically Spring Boot's
	 * @param ticker the time source for rate-limiting warnings and the breaker
	 */
	public RedisTier(RedisConnectionFactory connectionFactory, Ticker ticker) {
		this(connectionFactory, ticker, Duration.ofMillis(250), 5, Duration.ofMillis(500));
	}

	/**
	 * Create a tier.
	 * @param connectionFactory the connection factory, typically Spring Boot's
	 * @param ticker the time source for rate-limiting warnings
	 * @param commandTimeout the longest a command is waited for
	 * @param failureThreshold failures in a row that open the circuit breaker
	 * @param probeInterval how often an open breaker pings Redis
	 */
	public RedisTier(RedisConnectionFactory connectionFactory, Ticker ticker, Duration commandTimeout,
			int failureThreshold, Duration probeInterval) {
		this.connectionFactory = connectionFactory;
		this.ticker = ticker;
		this.timeoutNanos = commandTimeout.toNanos();
		this.breaker = new CircuitBreaker(failureThreshold, probeInterval, this::probe, this::recovered);
	}

	/**
	 * Set who is told when Redis is back after the breaker was open.
	 * @param recoveryListener the listener
	 */
	public void setRecoveryListener(RecoveryListener recoveryListener) {
		this.recoveryListener = recoveryListener;
	}

	/**
	 * Return whether the circuit breaker lets commands through.
	 * @return whether Redis is considered available
	 */
	public boolean isAvailable() {
		return this.breaker.isClosed();
	}

	/**
	 * {@code GET key}.
	 * @param key the key
	 * @return the value, or {@code null} if absent or if the command failed
	 */
	public byte @Nullable [] get(byte[] key) {
		return execute("GET", (redis) -> redis.get(key), (connection) -> connection.stringCommands().get(key),
				null);
	}

	/**
	 * {@code MGET keys…}: one round trip (split by slot on a cluster).
	 * @param keys the keys
	 * @return the values in key order, {@code null} for absent keys; all {@code null} if the
	 * command failed
	 */
	public List<byte @Nullable []> getAll(List<byte[]> keys) {
		byte[][] array = keys.toArray(new byte[0][]);
		List<byte[]> values = execute("MGET",
				(redis) -> new Mapped<>(redis.mget(array),
						(found) -> found.stream().map((entry) -> entry.getValueOrElse(null)).toList()),
				(connection) -> {
			List<byte[]> found = connection.stringCommands().mGet(array);
			return (found != null) ? found : Collections.nCopies(keys.size(), null);
		}, null);
		return (values != null && values.size() == keys.size()) ? values : Collections.nCopies(keys.size(), null);
	}

	/**
	 * {@code SET key value PX ttl} for several keys, sent together (one round trip on a
	 * single node).
	 * @param entries the keys and values
	 * @param ttls the time to live of each entry, in the same order
	 */
	public void setAll(List<Map.Entry<byte[], byte[]>> entries, List<Duration> ttls) {
		if (entries.isEmpty()) {
			return;
		}
		Boolean done = execute("SET (batch)", (redis) -> {
			List<RedisFuture<String>> sent = new ArrayList<>(entries.size());
			for (int i = 0; i < entries.size(); i++) {
				sent.add(redis.set(entries.get(i).getKey(), entries.get(i).getValue(),
						SetArgs.Builder.px(ttls.get(i).toMillis())));
			}
			return new AllOf(sent);
		}, (connection) -> {
			for (int i = 0; i < entries.size(); i++) {
				connection.stringCommands()
					.set(entries.get(i).getKey(), entries.get(i).getValue(),
							Expiration.milliseconds(ttls.get(i).toMillis()), SetOption.upsert());
			}
			return Boolean.TRUE;
		}, Boolean.FALSE);
		if (!Boolean.TRUE.equals(done)) {
			entries.forEach((entry) -> rememberDelete(entry.getKey()));
		}
	}

	/**
	 * {@code SET key value PX ttl}; remembered for deletion if it fails.
	 * @param key the key
	 * @param value the value
	 * @param ttl the time to live
	 * @return whether Redis acknowledged the write
	 */
	public boolean set(byte[] key, byte[] value, Duration ttl) {
		String done = execute("SET", (redis) -> redis.set(key, value, SetArgs.Builder.px(ttl.toMillis())),
				(connection) -> Boolean.TRUE
					.equals(connection.stringCommands()
						.set(key, value, Expiration.milliseconds(ttl.toMillis()), SetOption.upsert())) ? "OK" : null,
				null);
		if (done == null) {
			rememberDelete(key);
			return false;
		}
		return true;
	}

	/**
	 * {@code SET key value NX PX ttl GET}: atomically store the value unless the key is
	 * present (Redis 7 or later).
	 * @param key the key
	 * @param value the value
	 * @param ttl the time to live
	 * @return the outcome
	 */
	public SetIfAbsentResult setIfAbsent(byte[] key, byte[] value, Duration ttl) {
		SetIfAbsentResult result = execute("SET NX GET",
				(redis) -> new Mapped<>(redis.setGet(key, value, SetArgs.Builder.nx().px(ttl.toMillis())),
						RedisTier::setIfAbsentResult),
				(connection) -> setIfAbsentResult(connection.stringCommands()
					.setGet(key, value, Expiration.milliseconds(ttl.toMillis()), SetOption.ifAbsent())),
				null);
		return (result != null) ? result : SetIfAbsentResult.FAILED;
	}

	private static SetIfAbsentResult setIfAbsentResult(byte @Nullable [] previous) {
		return (previous != null) ? SetIfAbsentResult.present(previous) : SetIfAbsentResult.STORED;
	}

	/**
	 * Replace a lease with a value, atomically, only while the lease is still the one given
	 * (a write or eviction of the key since then has replaced or removed it). One Lua script
	 * on one key, so one slot on a cluster.
	 * @param key the key
	 * @param lease the lease value the caller set
	 * @param value the value to store
	 * @param ttl the value's time to live
	 * @return whether the value was stored; {@code false} too if the command failed
	 */
	public boolean replaceLease(byte[] key, byte[] lease, byte[] value, Duration ttl) {
		byte[] millis = String.valueOf(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
		Long stored = execute("EVAL (fill lease)",
				(redis) -> redis.<Long>eval(FILL_LEASE, ScriptOutputType.INTEGER, new byte[][] { key }, lease, value,
						millis),
				(connection) -> connection.scriptingCommands()
					.eval(FILL_LEASE, ReturnType.INTEGER, 1, key, lease, value, millis),
				0L);
		return stored != null && stored == 1L;
	}

	/**
	 * Remove a lease, only while it is still the one given.
	 * @param key the key
	 * @param lease the lease value the caller set
	 */
	public void releaseLease(byte[] key, byte[] lease) {
		execute("EVAL (release lease)",
				(redis) -> redis.<Long>eval(RELEASE_LEASE, ScriptOutputType.INTEGER, new byte[][] { key }, lease),
				(connection) -> connection.scriptingCommands().eval(RELEASE_LEASE, ReturnType.INTEGER, 1, key, lease),
				0L);
	}

	/**
	 * {@code UNLINK key}; remembered and replayed when Redis is back if it fails.
	 * @param key the key
	 * @return whether the key was present; {@code false} too if the command failed
	 */
	public boolean delete(byte[] key) {
		Long removed = execute("UNLINK", (redis) -> redis.unlink(key),
				(connection) -> connection.keyCommands().unlink(key), null);
		if (removed == null) {
			rememberDelete(key);
			return false;
		}
		return removed > 0;
	}

	/**
	 * {@code GET key} of a counter.
	 * @param key the key
	 * @return the counter, {@code 0} if absent, or {@code -1} if the command failed or the
	 * value is not a number
	 */
	public long getCounter(byte[] key) {
		byte[] failed = new byte[0];
		byte[] bytes = execute("GET", (redis) -> new Mapped<>(redis.get(key), (value) -> (value != null) ? value : ABSENT),
				(connection) -> {
					byte[] value = connection.stringCommands().get(key);
					return (value != null) ? value : ABSENT;
				}, failed);
		if (bytes == failed || bytes == null) {
			return -1;
		}
		try {
			return (bytes == ABSENT) ? 0 : Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	/**
	 * {@code INCR key}; remembered and replayed when Redis is back if it fails.
	 * @param key the key
	 * @return the incremented counter, or {@code -1} if the command failed
	 */
	public long increment(byte[] key) {
		Long value = execute("INCR", (redis) -> redis.incr(key), (connection) -> connection.stringCommands().incr(key),
				null);
		if (value == null) {
			this.rememberedIncrements.add(ByteBuffer.wrap(key));
			return -1;
		}
		return value;
	}

	/**
	 * Remove every key matching a glob pattern, with {@code SCAN} and {@code UNLINK} in
	 * batches (never {@code KEYS}), on every master of a cluster. Meant for a background
	 * thread; uses the connection's own timeout.
	 * @param pattern the {@code MATCH} pattern
	 * @return how many keys were removed, or {@code -1} if a command failed
	 */
	public long deleteMatching(byte[] pattern) {
		if (!this.breaker.isClosed()) {
			return -1;
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			ScanOptions options = ScanOptions.scanOptions().match(pattern).count(500).build();
			if (connection instanceof RedisClusterConnection cluster) {
				long count = 0;
				for (RedisClusterNode master : cluster.clusterGetMasterReplicaMap().keySet()) {
					try (Cursor<byte[]> cursor = cluster.scan(master, options)) {
						count += unlinkAll(connection, cursor);
					}
				}
				return count;
			}
			try (Cursor<byte[]> cursor = connection.keyCommands().scan(options)) {
				return unlinkAll(connection, cursor);
			}
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			warn("SCAN", ex);
			return -1;
		}
	}

	private static long unlinkAll(RedisConnection connection, Cursor<byte[]> cursor) {
		long count = 0;
		List<byte[]> batch = new ArrayList<>(500);
		while (cursor.hasNext()) {
			batch.add(cursor.next());
			if (batch.size() == 500) {
				count += unlink(connection, batch);
			}
		}
		return count + unlink(connection, batch);
	}

	private static long unlink(RedisConnection connection, List<byte[]> keys) {
		if (keys.isEmpty()) {
			return 0;
		}
		Long removed = connection.keyCommands().unlink(keys.toArray(new byte[0][]));
		keys.clear();
		return (removed != null) ? removed : 0;
	}

	/**
	 * {@code PING}, for start-up and health checks; unlike the other commands a failure is
	 * neither logged nor counted here, and the breaker is not consulted.
	 * @return {@code null} if Redis answered, else why it did not
	 */
	public @Nullable String ping() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			Object nativeConnection = lettucePresent ? connection.getNativeConnection() : null;
			if (lettucePresent && nativeConnection instanceof RedisClusterAsyncCommands<?, ?> redis) {
				redis.ping().get(this.timeoutNanos, TimeUnit.NANOSECONDS);
			}
			else {
				connection.ping();
			}
			return null;
		}
		catch (ExecutionException ex) {
			return String.valueOf(ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
		catch (TimeoutException ex) {
			return "no answer within " + Duration.ofNanos(this.timeoutNanos);
		}
		catch (RuntimeException ex) {
			return String.valueOf(ex.getMessage());
		}
	}

	/**
	 * Return how many commands have failed since start-up.
	 * @return the failure count
	 */
	public long failures() {
		return this.failures.sum();
	}

	/**
	 * Return how many commands were not sent because the breaker was open.
	 * @return the count
	 */
	public long shortCircuited() {
		return this.shortCircuited.sum();
	}

	/**
	 * Return how many keys wait to be deleted when Redis is back.
	 * @return the count
	 */
	public int remembered() {
		return this.rememberedDeletes.size() + this.rememberedIncrements.size();
	}

	@Override
	public void close() {
		this.breaker.close();
	}

	private void rememberDelete(byte[] key) {
		if (this.rememberedDeletes.size() < MAX_REMEMBERED) {
			this.rememberedDeletes.add(ByteBuffer.wrap(key));
		}
		else if (this.rememberedOverflow.compareAndSet(false, true)) {
			logger.error("tiered-cache: more than " + MAX_REMEMBERED + " writes missed Redis; every cache will be"
					+ " cleared when it is back");
		}
	}

	private boolean probe() {
		return ping() == null;
	}

	/**
	 * Replays what missed Redis, then tells the listener; called by the breaker's probe thread
	 * before it closes. Returns false (the breaker stays open) if the replay fails.
	 */
	private boolean recovered() {
		if (!replayRemembered()) {
			return false;
		}
		logger.info("tiered-cache: Redis is back; missed writes replayed, caches use Redis again");
		this.recoveryListener.redisRecovered(this.rememberedOverflow.getAndSet(false));
		return true;
	}

	/**
	 * Replay, in the background, what missed Redis while the breaker stayed closed (a
	 * command that timed out, say).
	 */
	private void replayLater() {
		if ((!this.rememberedDeletes.isEmpty() || !this.rememberedIncrements.isEmpty())
				&& this.replayScheduled.compareAndSet(false, true)) {
			this.breaker.runInBackground(() -> {
				this.replayScheduled.set(false);
				replayRemembered();
			});
		}
	}

	private boolean replayRemembered() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			List<byte[]> batch = new ArrayList<>(500);
			Iterator<ByteBuffer> deletes = this.rememberedDeletes.iterator();
			while (deletes.hasNext()) {
				batch.add(deletes.next().array());
				if (batch.size() == 500 || !deletes.hasNext()) {
					for (byte[] key : batch) {
						connection.keyCommands().unlink(key);
						this.rememberedDeletes.remove(ByteBuffer.wrap(key));
					}
					batch.clear();
				}
			}
			for (ByteBuffer counter : this.rememberedIncrements) {
				connection.stringCommands().incr(counter.array());
				this.rememberedIncrements.remove(counter);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("tiered-cache: replaying writes that missed Redis failed; will retry: " + ex.getMessage());
			return false;
		}
		return true;
	}

	@SuppressWarnings("unchecked")
	private <T> @Nullable T execute(String command,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends java.util.concurrent.Future<T>> async,
			Function<RedisConnection, @Nullable T> sync, @Nullable T onFailure) {
		if (!this.breaker.allowRequest()) {
			this.shortCircuited.increment();
			return onFailure;
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			Object nativeConnection = lettucePresent ? connection.getNativeConnection() : null;
			T result = (lettucePresent && nativeConnection instanceof RedisClusterAsyncCommands<?, ?> redis)
					? async.apply((RedisClusterAsyncCommands<byte[], byte[]>) redis)
						.get(this.timeoutNanos, TimeUnit.NANOSECONDS)
					: sync.apply(connection);
			this.breaker.recordSuccess();
			replayLater();
			return result;
		}
		catch (ExecutionException ex) {
			return failed(command, (ex.getCause() instanceof Exception cause) ? cause : ex, onFailure);
		}
		catch (TimeoutException ex) {
			return failed(command, new TimeoutException("no answer within " + Duration.ofNanos(this.timeoutNanos)),
					onFailure);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return failed(command, ex, onFailure);
		}
		catch (RuntimeException ex) {
			return failed(command, ex, onFailure);
		}
	}

	private <T> @Nullable T failed(String command, Exception ex, @Nullable T onFailure) {
		this.failures.increment();
		this.breaker.recordFailure();
		warn(command, ex);
		return onFailure;
	}

	private void warn(String command, Exception ex) {
		long now = this.ticker.read();
		long last = this.lastWarning.get();
		long interval = TimeUnit.NANOSECONDS.convert(WARNING_INTERVAL);
		if ((last == Long.MIN_VALUE || now - last >= interval) && this.lastWarning.compareAndSet(last, now)) {
			long suppressed = this.unreported.sumThenReset();
			logger.warn("Redis command " + command + " failed; the cache carries on without Redis for it"
					+ ((suppressed > 0) ? " (" + suppressed + " more failures since the last warning)" : "") + ": "
					+ ex.getMessage(), logger.isDebugEnabled() ? ex : null);
		}
		else {
			this.unreported.increment();
		}
	}

	/**
	 * Told when Redis answers again after the circuit breaker was open.
	 */
	@FunctionalInterface
	public interface RecoveryListener {

		/**
		 * Redis is back and the writes that missed it were replayed.
		 * @param overflowed whether more writes missed Redis than could be remembered, so
		 * that every cache must be cleared
		 */
		void redisRecovered(boolean overflowed);

	}

	/**
	 * Outcome of {@link #setIfAbsent(byte[], byte[], Duration)}.
	 *
	 * @param outcome what happened
	 * @param previous the value already present, for {@link Outcome#PRESENT}
	 */
	public record SetIfAbsentResult(Outcome outcome, byte @Nullable [] previous) {

		static final SetIfAbsentResult STORED = new SetIfAbsentResult(Outcome.STORED, null);

		static final SetIfAbsentResult FAILED = new SetIfAbsentResult(Outcome.FAILED, null);

		static SetIfAbsentResult present(byte[] previous) {
			return new SetIfAbsentResult(Outcome.PRESENT, previous);
		}

		/**
		 * What {@code SET NX GET} did.
		 */
		public enum Outcome {

			/**
			 * The value was stored.
			 */
			STORED,

			/**
			 * A value was present and was left alone.
			 */
			PRESENT,

			/**
			 * The command failed.
			 */
			FAILED

		}

	}

	/**
	 * A future of a result mapped from another future's.
	 */
	private record Mapped<S, T>(RedisFuture<S> source,
			Function<S, T> mapping) implements java.util.concurrent.Future<T> {

		@Override
		public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
			return this.mapping.apply(this.source.get(timeout, unit));
		}

		@Override
		public T get() throws InterruptedException, ExecutionException {
			return this.mapping.apply(this.source.get());
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			return this.source.cancel(mayInterruptIfRunning);
		}

		@Override
		public boolean isCancelled() {
			return this.source.isCancelled();
		}

		@Override
		public boolean isDone() {
			return this.source.isDone();
		}

	}

	/**
	 * Completes when all of several futures have, within one shared deadline.
	 */
	private record AllOf(List<RedisFuture<String>> futures) implements java.util.concurrent.Future<Boolean> {

		@Override
		public Boolean get(long timeout, TimeUnit unit)
				throws InterruptedException, ExecutionException, TimeoutException {
			long deadline = System.nanoTime() + unit.toNanos(timeout);
			for (RedisFuture<String> future : this.futures) {
				future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			return Boolean.TRUE;
		}

		@Override
		public Boolean get() throws InterruptedException, ExecutionException {
			for (RedisFuture<String> future : this.futures) {
				future.get();
			}
			return Boolean.TRUE;
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			return false;
		}

		@Override
		public boolean isCancelled() {
			return false;
		}

		@Override
		public boolean isDone() {
			return this.futures.stream().allMatch(RedisFuture::isDone);
		}

	}

}
