package io.github.tieredcache.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
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

/**
 * The shared tier: the few Redis commands the cache needs, over Spring Data Redis.
 * <p>
 * No method throws because Redis failed: a failed command is logged (at most one warning
 * per {@link #WARNING_INTERVAL}, with the count of those not logged), counted in
 * {@link #failures()}, and answered as documented on each method, so that callers fall
 * back to the in-process tier and the loader.
 * <p>
 * Thread-safe.
 */
public final class RedisTier {

	/**
	 * Shortest time between two warnings about failed Redis commands.
	 */
	public static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

	private static final Log logger = LogFactory.getLog(RedisTier.class);

	private static final byte[] FILL_LEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
			+ "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0")
		.getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	private static final byte[] RELEASE_LEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
			+ "redis.call('DEL', KEYS[1]) return 1 end return 0")
		.getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	private final RedisConnectionFactory connectionFactory;

	private final Ticker ticker;

	private final LongAdder failures = new LongAdder();

	private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

	private final LongAdder unreported = new LongAdder();

	/**
	 * Create a tier.
	 * @param connectionFactory the connection factory, typically Spring Boot's
	 * @param ticker the time source for rate-limiting warnings
	 */
	public RedisTier(RedisConnectionFactory connectionFactory, Ticker ticker) {
		this.connectionFactory = connectionFactory;
		this.ticker = ticker;
	}

	/**
	 * {@code GET key}.
	 * @param key the key
	 * @return the value, or {@code null} if absent or if the command failed
	 */
	public byte @Nullable [] get(byte[] key) {
		return execute("GET", (connection) -> connection.stringCommands().get(key), null);
	}

	/**
	 * {@code MGET keys…}: one round trip (Spring Data Redis splits it by slot on a cluster).
	 * @param keys the keys
	 * @return the values in key order, {@code null} for absent keys; all {@code null} if the
	 * command failed
	 */
	public List<byte @Nullable []> getAll(List<byte[]> keys) {
		List<byte[]> values = execute("MGET", (connection) -> connection.stringCommands()
			.mGet(keys.toArray(new byte[0][])), null);
		if (values == null || values.size() != keys.size()) {
			return java.util.Collections.nCopies(keys.size(), null);
		}
		return values;
	}

	/**
	 * {@code SET key value PX ttl} for several keys, pipelined into one round trip.
	 * @param entries the keys and values
	 * @param ttls the time to live of each entry, in the same order
	 * @return whether Redis acknowledged the writes
	 */
	public boolean setAll(List<java.util.Map.Entry<byte[], byte[]>> entries, List<Duration> ttls) {
		if (entries.isEmpty()) {
			return true;
		}
		Boolean done = execute("SET (pipelined)", (connection) -> {
			if (connection instanceof RedisClusterConnection) {
				// no pipelining across cluster nodes: one SET per key
				for (int i = 0; i < entries.size(); i++) {
					connection.stringCommands()
						.set(entries.get(i).getKey(), entries.get(i).getValue(),
								Expiration.milliseconds(ttls.get(i).toMillis()), SetOption.upsert());
				}
				return Boolean.TRUE;
			}
			connection.openPipeline();
			try {
				for (int i = 0; i < entries.size(); i++) {
					connection.stringCommands()
						.set(entries.get(i).getKey(), entries.get(i).getValue(),
								Expiration.milliseconds(ttls.get(i).toMillis()), SetOption.upsert());
				}
			}
			finally {
				connection.closePipeline();
			}
			return Boolean.TRUE;
		}, Boolean.FALSE);
		return Boolean.TRUE.equals(done);
	}

	/**
	 * {@code SET key value PX ttl}.
	 * @param key the key
	 * @param value the value
	 * @param ttl the time to live
	 * @return whether Redis acknowledged the write
	 */
	public boolean set(byte[] key, byte[] value, Duration ttl) {
		Boolean done = execute("SET",
				(connection) -> connection.stringCommands()
					.set(key, value, Expiration.milliseconds(ttl.toMillis()), SetOption.upsert()),
				Boolean.FALSE);
		return Boolean.TRUE.equals(done);
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
		SetIfAbsentResult result = execute("SET NX GET", (connection) -> {
			byte[] previous = connection.stringCommands()
				.setGet(key, value, Expiration.milliseconds(ttl.toMillis()), SetOption.ifAbsent());
			return (previous != null) ? SetIfAbsentResult.present(previous) : SetIfAbsentResult.STORED;
		}, null);
		return (result != null) ? result : SetIfAbsentResult.FAILED;
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
		Long stored = execute("EVAL (fill lease)", (connection) -> connection.scriptingCommands()
			.eval(FILL_LEASE, ReturnType.INTEGER, 1, key, lease, value,
					String.valueOf(ttl.toMillis()).getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
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
				(connection) -> connection.scriptingCommands().eval(RELEASE_LEASE, ReturnType.INTEGER, 1, key, lease),
				0L);
	}

	/**
	 * {@code UNLINK key}.
	 * @param key the key
	 * @return whether the key was present; {@code false} too if the command failed
	 */
	public boolean delete(byte[] key) {
		Long removed = execute("UNLINK", (connection) -> connection.keyCommands().unlink(key), 0L);
		return removed != null && removed > 0;
	}

	/**
	 * {@code GET key} of a counter.
	 * @param key the key
	 * @return the counter, {@code 0} if absent, or {@code -1} if the command failed or the
	 * value is not a number
	 */
	public long getCounter(byte[] key) {
		Long value = execute("GET", (connection) -> {
			byte[] bytes = connection.stringCommands().get(key);
			return (bytes != null) ? Long.parseLong(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII))
					: 0L;
		}, -1L);
		return (value != null) ? value : -1;
	}

	/**
	 * {@code INCR key}.
	 * @param key the key
	 * @return the incremented counter, or {@code -1} if the command failed
	 */
	public long increment(byte[] key) {
		Long value = execute("INCR", (connection) -> connection.stringCommands().incr(key), -1L);
		return (value != null) ? value : -1;
	}

	/**
	 * Remove every key matching a glob pattern, with {@code SCAN} and {@code UNLINK} in
	 * batches (never {@code KEYS}). Meant for a background thread.
	 * @param pattern the {@code MATCH} pattern
	 * @return how many keys were removed, or {@code -1} if a command failed
	 */
	public long deleteMatching(byte[] pattern) {
		Long removed = execute("SCAN", (connection) -> {
			ScanOptions options = ScanOptions.scanOptions().match(pattern).count(500).build();
			if (connection instanceof RedisClusterConnection cluster) {
				// SCAN walks one node: walk every master
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
		}, -1L);
		return (removed != null) ? removed : -1;
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
	 * neither logged nor counted here.
	 * @return {@code null} if Redis answered, else why it did not
	 */
	public @Nullable String ping() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.ping();
			return null;
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

	private <T> @Nullable T execute(String command, Function<RedisConnection, @Nullable T> action,
			@Nullable T onFailure) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return action.apply(connection);
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			warn(command, ex);
			return onFailure;
		}
	}

	private void warn(String command, RuntimeException ex) {
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

}
