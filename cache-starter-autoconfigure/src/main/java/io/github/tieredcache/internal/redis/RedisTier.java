package io.github.tieredcache.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.IntFunction;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.DaemonThreads;
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
 * {@code commandTimeout} (250 ms by default), whatever the application's own Redis
 * timeout (other clients than Lettuce fall back to Spring Data Redis's synchronous calls
 * and their own timeout);</li>
 * <li>a failed command is logged (at most one warning per {@link #WARNING_INTERVAL}),
 * counted in {@link #failures()}, and answered as documented on each method;</li>
 * <li>after {@code failureThreshold} failures in a row a {@link CircuitBreaker} opens: no
 * command is sent, a background probe pings Redis, and when it answers the breaker
 * closes;</li>
 * <li>the connection is set up in the background: a caller waits for it at most the
 * command timeout, so that no call waits longer than twice the command timeout, even on a
 * Redis that accepts connections but does not answer;</li>
 * <li>an error reply (Redis answered, but refused the command) is a failed command but
 * does not count towards the breaker.</li>
 * </ul>
 * Writes that fail are reported to the caller, which remembers them (see the caches'
 * namespaces); when the breaker closes again the {@link RecoveryListener} is told, after
 * commands flow again. Thread-safe.
 */
public final class RedisTier implements AutoCloseable {

	/**
	 * Shortest time between two warnings about failed Redis commands.
	 */
	public static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

	/**
	 * What {@link #publish(byte[], byte[])} returns when Redis refused the command.
	 */
	public static final long REFUSED = -2;

	/**
	 * What {@link #publish(byte[], byte[])} returns when Redis did not answer.
	 */
	public static final long NOT_SENT = -1;

	/**
	 * What {@link #publish(byte[], byte[])} returns when Redis cannot be reached (no
	 * connection, or the circuit breaker is open).
	 */
	public static final long UNREACHABLE = -3;

	private static final Long REFUSED_REPLY = REFUSED;

	private static final Long UNREACHABLE_REPLY = UNREACHABLE;

	private static final Log logger = LogFactory.getLog(RedisTier.class);

	private static final boolean lettucePresent = ClassUtils
		.isPresent("io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands", RedisTier.class.getClassLoader());

	private static final byte[] ABSENT = new byte[0];

	private static final byte[] SET_IF_ABSENT = ("local p = redis.call('GET', KEYS[1]) if p then return p end "
			+ "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return false")
		.getBytes(StandardCharsets.US_ASCII);

	// a version token is Redis's own clock in milliseconds, '-', and a random suffix:
	// tokens
	// of later versions sort later, whichever instance made them
	private static final String NEW_VERSION = "if redis.replicate_commands then redis.replicate_commands() end "
			+ "local t = redis.call('TIME') "
			+ "local v = string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000)) .. '-' .. ARGV[1] ";

	private static final byte[] GET_OR_CREATE_VERSION = ("local p = redis.call('GET', KEYS[1]) if p then return p end "
			+ NEW_VERSION + "redis.call('SET', KEYS[1], v) return v")
		.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] RENEW_VERSION = (NEW_VERSION + "redis.call('SET', KEYS[1], v) return v")
		.getBytes(StandardCharsets.US_ASCII);

	private final RedisConnectionFactory connectionFactory;

	private final Ticker ticker;

	private final @Nullable ScheduledExecutorService ownedScheduler;

	private final long timeoutNanos;

	private final CircuitBreaker breaker;

	private final LongAdder failures = new LongAdder();

	private final LongAdder shortCircuited = new LongAdder();

	private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

	private final LongAdder unreported = new LongAdder();

	private final boolean sharedNativeConnection;

	private final AtomicReference<@Nullable CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>>> connection = new AtomicReference<>();

	private volatile long connectingSince;

	private volatile RecoveryListener recoveryListener = () -> {
	};

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
		this(connectionFactory, ticker, commandTimeout, failureThreshold, probeInterval, null);
	}

	/**
	 * Create a tier whose breaker probes on a scheduler the caller owns (the manager's,
	 * shared with its other periodic work).
	 * @param connectionFactory the connection factory, typically Spring Boot's
	 * @param ticker the time source for deadlines, rate-limited warnings and the breaker
	 * @param commandTimeout how long a command is waited for
	 * @param failureThreshold failures in a row that open the breaker
	 * @param probeInterval how often an open breaker probes Redis
	 * @param scheduler runs the probes, or {@code null} for one of the tier's own (shut
	 * down by {@link #close()})
	 */
	public RedisTier(RedisConnectionFactory connectionFactory, Ticker ticker, Duration commandTimeout,
			int failureThreshold, Duration probeInterval, @Nullable ScheduledExecutorService scheduler) {
		this.connectionFactory = connectionFactory;
		this.ticker = ticker;
		this.timeoutNanos = commandTimeout.toNanos();
		this.ownedScheduler = (scheduler != null) ? null
				: Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("tiered-cache-redis-probe"));
		this.breaker = new CircuitBreaker(failureThreshold, probeInterval, this::probe, this::recovered,
				(scheduler != null) ? scheduler : this.ownedScheduler);
		this.sharedNativeConnection = lettucePresent && LettuceShared.isShared(connectionFactory);
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
		return execute("GET", (redis) -> redis.get(key), (connection) -> connection.stringCommands().get(key), null);
	}

	/**
	 * {@code MGET keys…}: one round trip (split by slot on a cluster).
	 * @param keys the keys
	 * @return the values in key order, {@code null} for absent keys; all {@code null} if
	 * the command failed
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
	 * @return whether Redis acknowledged every write
	 */
	public boolean setAll(List<Map.Entry<byte[], byte[]>> entries, List<Duration> ttls) {
		if (entries.isEmpty()) {
			return true;
		}
		return executeAll("SET (batch)", entries.size(),
				(redis, i) -> redis.set(entries.get(i).getKey(), entries.get(i).getValue(),
						SetArgs.Builder.px(ttls.get(i).toMillis())),
				(connection,
						i) -> Boolean.TRUE.equals(connection.stringCommands()
							.set(entries.get(i).getKey(), entries.get(i).getValue(),
									Expiration.milliseconds(ttls.get(i).toMillis()), SetOption.upsert())) ? "OK"
											: null) != null;
	}

	/**
	 * {@code SET key value PX ttl}.
	 * @param key the key
	 * @param value the value
	 * @param ttl the time to live
	 * @return whether Redis acknowledged the write
	 */
	public boolean set(byte[] key, byte[] value, Duration ttl) {
		String done = execute("SET", (redis) -> redis.set(key, value, SetArgs.Builder.px(ttl.toMillis())),
				(connection) -> Boolean.TRUE.equals(connection.stringCommands()
					.set(key, value, Expiration.milliseconds(ttl.toMillis()), SetOption.upsert())) ? "OK" : null,
				null);
		return done != null;
	}

	/**
	 * Store a value unless the key is present, atomically, and return what was present
	 * (one Lua script on one key: any Redis version with scripting, one slot on a
	 * cluster).
	 * @param key the key
	 * @param value the value
	 * @param ttl the time to live
	 * @return the outcome
	 */
	public SetIfAbsentResult setIfAbsent(byte[] key, byte[] value, Duration ttl) {
		byte[] millis = String.valueOf(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
		byte[] failed = new byte[0];
		byte[] previous = execute("EVAL (set if absent)",
				(redis) -> new Mapped<>(
						redis.<byte[]>eval(SET_IF_ABSENT, ScriptOutputType.VALUE, new byte[][] { key }, value, millis),
						(found) -> (found != null) ? found : ABSENT),
				(connection) -> {
					byte[] found = connection.scriptingCommands()
						.eval(SET_IF_ABSENT, ReturnType.VALUE, 1, key, value, millis);
					return (found != null) ? found : ABSENT;
				}, failed);
		if (previous == failed || previous == null) {
			return SetIfAbsentResult.FAILED;
		}
		return (previous == ABSENT) ? SetIfAbsentResult.STORED : SetIfAbsentResult.present(previous);
	}

	/**
	 * {@link #setIfAbsent(byte[], byte[], Duration)} for several keys, sent together (one
	 * round trip on a single node, one per node on a cluster).
	 * @param keys the keys
	 * @param value the value to store in each absent key
	 * @param ttl its time to live
	 * @return the outcome for each key, in order; all {@code FAILED} if the commands
	 * failed
	 */
	public List<SetIfAbsentResult> setIfAbsentAll(List<byte[]> keys, byte[] value, Duration ttl) {
		byte[] millis = String.valueOf(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
		List<byte[]> replies = executeAll("EVAL (set if absent, batch)", keys.size(),
				(redis, i) -> redis.<byte[]>eval(SET_IF_ABSENT, ScriptOutputType.VALUE, new byte[][] { keys.get(i) },
						value, millis),
				(connection, i) -> connection.scriptingCommands()
					.eval(SET_IF_ABSENT, ReturnType.VALUE, 1, keys.get(i), value, millis));
		List<SetIfAbsentResult> results = new ArrayList<>(keys.size());
		for (int i = 0; i < keys.size(); i++) {
			if (replies == null) {
				results.add(SetIfAbsentResult.FAILED);
			}
			else {
				byte[] previous = replies.get(i);
				results.add((previous != null) ? SetIfAbsentResult.present(previous) : SetIfAbsentResult.STORED);
			}
		}
		return results;
	}

	/**
	 * Run a Lua script on one key whose reply is an integer; the caller owns the script
	 * (one key, so one slot on a cluster).
	 * @param name what the script does, for the log
	 * @param script the script
	 * @param key the key
	 * @param args the arguments
	 * @return the reply, or {@code null} if the command failed
	 */
	public @Nullable Long evalInteger(String name, byte[] script, byte[] key, byte[]... args) {
		return execute("EVAL (" + name + ")",
				(redis) -> redis.<Long>eval(script, ScriptOutputType.INTEGER, new byte[][] { key }, args),
				(connection) -> connection.scriptingCommands()
					.eval(script, ReturnType.INTEGER, 1, keyAndArguments(key, args)),
				null);
	}

	/**
	 * {@link #evalInteger} for several keys, sent together.
	 * @param name what the script does, for the log
	 * @param script the script
	 * @param keys the keys
	 * @param args the arguments for the key at an index
	 * @return the replies in key order, or {@code null} if the commands failed
	 */
	public @Nullable List<@Nullable Long> evalIntegerAll(String name, byte[] script, List<byte[]> keys,
			IntFunction<byte[][]> args) {
		return executeAll("EVAL (" + name + ", batch)", keys.size(),
				(redis, i) -> redis.<Long>eval(script, ScriptOutputType.INTEGER, new byte[][] { keys.get(i) },
						args.apply(i)),
				(connection, i) -> connection.scriptingCommands()
					.eval(script, ReturnType.INTEGER, 1, keyAndArguments(keys.get(i), args.apply(i))));
	}

	private static byte[][] keyAndArguments(byte[] key, byte[][] args) {
		byte[][] all = new byte[args.length + 1][];
		all[0] = key;
		System.arraycopy(args, 0, all, 1, args.length);
		return all;
	}

	/**
	 * Send one command per index together and wait for all of them within one command
	 * timeout.
	 * @return the replies in order, or {@code null} if any command failed
	 */
	private <T> @Nullable List<@Nullable T> executeAll(String command, int count,
			java.util.function.BiFunction<RedisClusterAsyncCommands<byte[], byte[]>, Integer, RedisFuture<T>> async,
			java.util.function.BiFunction<RedisConnection, Integer, @Nullable T> sync) {
		if (count == 0) {
			return List.of();
		}
		return execute(command, (redis) -> {
			List<RedisFuture<T>> sent = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				sent.add(async.apply(redis, i));
			}
			return new AllReplies<>(sent);
		}, (connection) -> {
			List<@Nullable T> replies = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				replies.add(sync.apply(connection, i));
			}
			return replies;
		}, null);
	}

	/**
	 * Return the version token stored at a key, creating one first if the key is absent
	 * (without expiry); atomic. A token is {@code <Redis time in ms>-<suffix>}.
	 * @param key the key
	 * @param suffix the random suffix of a token created now
	 * @return the token now stored, or {@code null} if the command failed
	 */
	public byte @Nullable [] getOrCreateVersion(byte[] key, byte[] suffix) {
		return execute("EVAL (get or create version)",
				(redis) -> redis.<byte[]>eval(GET_OR_CREATE_VERSION, ScriptOutputType.VALUE, new byte[][] { key },
						suffix),
				(connection) -> connection.scriptingCommands()
					.eval(GET_OR_CREATE_VERSION, ReturnType.VALUE, 1, key, suffix),
				null);
	}

	/**
	 * Store a new version token at a key (without expiry), made from Redis's clock and
	 * the given suffix.
	 * @param key the key
	 * @param suffix the token's random suffix
	 * @return the token stored, or {@code null} if the command failed
	 */
	public byte @Nullable [] renewVersion(byte[] key, byte[] suffix) {
		return execute("EVAL (renew version)",
				(redis) -> redis.<byte[]>eval(RENEW_VERSION, ScriptOutputType.VALUE, new byte[][] { key }, suffix),
				(connection) -> connection.scriptingCommands().eval(RENEW_VERSION, ReturnType.VALUE, 1, key, suffix),
				null);
	}

	/**
	 * {@code PUBLISH channel message}, with the command timeout. Its outcome moves the
	 * circuit breaker only when Redis cannot be reached at all (the bus judges its own
	 * health; the breaker is about the cache's reads and writes).
	 * @param channel the channel
	 * @param message the message
	 * @return how many subscribers received it; {@link #REFUSED} if Redis answered with
	 * an error, {@link #NOT_SENT} if it did not answer in time, {@link #UNREACHABLE} if
	 * it cannot be reached
	 */
	public long publish(byte[] channel, byte[] message) {
		Long receivers = execute("PUBLISH", (redis) -> redis.publish(channel, message),
				(connection) -> connection.publish(channel, message), (Long) NOT_SENT, REFUSED_REPLY, UNREACHABLE_REPLY,
				false);
		return (receivers != null) ? receivers : NOT_SENT;
	}

	/**
	 * {@code GET key} of a counter.
	 * @param key the key
	 * @return the counter, {@code 0} if absent, or {@code -1} if the command failed or
	 * the value is not a number
	 */
	public long getCounter(byte[] key) {
		byte[] failed = new byte[0];
		byte[] bytes = execute("GET",
				(redis) -> new Mapped<>(redis.get(key), (value) -> (value != null) ? value : ABSENT), (connection) -> {
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
	 * {@code INCR key} and {@code PEXPIRE key ttl}, sent together.
	 * @param key the key
	 * @param ttl the counter's time to live
	 * @return the incremented counter, or {@code -1} if the command failed
	 */
	public long increment(byte[] key, Duration ttl) {
		Long value = execute("INCR", (redis) -> {
			RedisFuture<Long> incremented = redis.incr(key);
			redis.pexpire(key, ttl.toMillis());
			return incremented;
		}, (connection) -> {
			Long incremented = connection.stringCommands().incr(key);
			connection.keyCommands().pExpire(key, ttl.toMillis());
			return incremented;
		}, null);
		return (value != null) ? value : -1;
	}

	/**
	 * Run a read-only Lua script on one key and return its string reply; for replies
	 * computed in Redis so that a value need not cross the network (a digest of it, say).
	 * @param command what the script does, for logs and metrics
	 * @param script the script's text
	 * @param key the one key it reads
	 * @param args its arguments
	 * @return the reply, or {@code null} if the script returned {@code false} or the
	 * command failed
	 */
	public byte @Nullable [] evalReadOnly(String command, byte[] script, byte[] key, byte[]... args) {
		return execute("EVAL (" + command + ")",
				(redis) -> redis.<byte[]>eval(script, ScriptOutputType.VALUE, new byte[][] { key }, args),
				(connection) -> connection.scriptingCommands()
					.eval(script, ReturnType.VALUE, 1, keyAndArguments(key, args)),
				null);
	}

	/**
	 * Run a Lua script that may write, on one declared key (other keys it touches must
	 * share that key's hash tag), and return its string reply.
	 * @param command what the script does, for logs and metrics
	 * @param script the script's text
	 * @param key the declared key
	 * @param args its arguments
	 * @return the reply, or {@code null} if the script returned {@code false} or the
	 * command failed
	 */
	public byte @Nullable [] evalValue(String command, byte[] script, byte[] key, byte[]... args) {
		return execute("EVAL (" + command + ")",
				(redis) -> redis.<byte[]>eval(script, ScriptOutputType.VALUE, new byte[][] { key }, args),
				(connection) -> connection.scriptingCommands()
					.eval(script, ReturnType.VALUE, 1, keyAndArguments(key, args)),
				null);
	}

	/**
	 * {@code UNLINK} of several keys, sent together (one command per key, so that keys of
	 * different slots need no hash tags).
	 * @param keys the keys
	 * @return whether every command was acknowledged
	 */
	public boolean deleteAll(List<byte[]> keys) {
		return executeAll("UNLINK (batch)", keys.size(), (redis, i) -> redis.unlink(keys.get(i)),
				(connection, i) -> connection.keyCommands().unlink(keys.get(i))) != null;
	}

	/**
	 * {@code UNLINK key}.
	 * @param key the key
	 * @return whether the key was present, or {@code null} if the command failed
	 */
	public @Nullable Boolean delete(byte[] key) {
		Long removed = execute("UNLINK", (redis) -> redis.unlink(key),
				(connection) -> connection.keyCommands().unlink(key), null);
		return (removed != null) ? removed > 0 : null;
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

	/**
	 * Return keys matching a glob pattern, with {@code SCAN} (never {@code KEYS}), on
	 * every master of a cluster, at most {@code max} of them. Meant for a background
	 * thread (cache warming); uses the connection's own timeout.
	 * @param pattern the {@code MATCH} pattern
	 * @param max the most keys to return
	 * @return the keys found, empty if the breaker is open or a command failed (logged)
	 */
	public List<byte[]> scanKeys(byte[] pattern, int max) {
		List<byte[]> keys = new ArrayList<>();
		if (!this.breaker.isClosed() || max <= 0) {
			return keys;
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			ScanOptions options = ScanOptions.scanOptions().match(pattern).count(500).build();
			if (connection instanceof RedisClusterConnection cluster) {
				for (RedisClusterNode master : cluster.clusterGetMasterReplicaMap().keySet()) {
					try (Cursor<byte[]> cursor = cluster.scan(master, options)) {
						collect(cursor, keys, max);
					}
				}
			}
			else {
				try (Cursor<byte[]> cursor = connection.keyCommands().scan(options)) {
					collect(cursor, keys, max);
				}
			}
			return keys;
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			warn("SCAN", ex);
			return keys;
		}
	}

	private static void collect(Cursor<byte[]> cursor, List<byte[]> keys, int max) {
		while (keys.size() < max && cursor.hasNext()) {
			keys.add(cursor.next());
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
	 * {@code PING}, for start-up and health checks; unlike the other commands a failure
	 * is neither logged nor counted here, and the breaker is not consulted.
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

	@Override
	public void close() {
		this.breaker.close();
		if (this.ownedScheduler != null) {
			this.ownedScheduler.shutdownNow();
		}
	}

	private boolean probe() {
		return ping() == null;
	}

	/**
	 * Called by the breaker once it has closed again after an outage.
	 */
	private void recovered() {
		logger.info("tiered-cache: Redis is back; caches use Redis again");
		this.recoveryListener.redisRecovered();
	}

	private <T> @Nullable T execute(String command,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends java.util.concurrent.Future<T>> async,
			Function<RedisConnection, @Nullable T> sync, @Nullable T onFailure) {
		return execute(command, async, sync, onFailure, onFailure, onFailure, true);
	}

	private <T> @Nullable T execute(String command,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends java.util.concurrent.Future<T>> async,
			Function<RedisConnection, @Nullable T> sync, @Nullable T onFailure, @Nullable T onRefused,
			@Nullable T onUnreachable, boolean recorded) {
		return execute(command, async, sync, recorded, (outcome, ex) -> {
			if (outcome != Outcome.SHORT_CIRCUITED) {
				warn(command, ex);
			}
			return switch (outcome) {
				case REFUSED -> onRefused;
				case UNREACHABLE, SHORT_CIRCUITED -> onUnreachable;
				case FAILED -> onFailure;
			};
		});
	}

	/**
	 * Run a command through the cache's one command path — the shared connection set up
	 * in the background, the command timeout, the circuit breaker — failing loudly: for
	 * callers whose caller must know whether the command took effect, such as
	 * write-behind.
	 * @param <T> the reply type
	 * @param command the command's name, for messages
	 * @param async the command on Lettuce's asynchronous API
	 * @return the reply
	 * @throws RedisCommandException if the breaker is open, Redis refused the command, or
	 * it did not answer within the command timeout
	 */
	public <T> T executeOrThrow(String command,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends java.util.concurrent.Future<T>> async) {
		T result = execute(command, async, (connection) -> {
			throw new IllegalStateException(command + " needs Lettuce");
		}, true, (outcome, ex) -> {
			throw new RedisCommandException(command + ((outcome == Outcome.SHORT_CIRCUITED)
					? " not sent: the circuit breaker is open" : " failed: " + ex.getMessage()), ex);
		});
		return result;
	}

	/**
	 * The one command path: breaker, connection, timeout, counters; what a failure means
	 * is the caller's.
	 */
	@SuppressWarnings("unchecked")
	private <T> @Nullable T execute(String command,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends java.util.concurrent.Future<T>> async,
			Function<RedisConnection, @Nullable T> sync, boolean recorded, FailureHandler<T> onFailure) {
		if (!this.breaker.allowRequest()) {
			this.shortCircuited.increment();
			return onFailure.failed(Outcome.SHORT_CIRCUITED, new IllegalStateException("circuit breaker open"));
		}
		long deadline = this.ticker.read() + this.timeoutNanos;
		try {
			T result;
			if (this.sharedNativeConnection) {
				RedisClusterAsyncCommands<byte[], byte[]> redis = sharedConnection();
				result = async.apply(redis).get(Math.max(1, deadline - this.ticker.read()), TimeUnit.NANOSECONDS);
			}
			else {
				try (RedisConnection connection = this.connectionFactory.getConnection()) {
					Object nativeConnection = lettucePresent ? connection.getNativeConnection() : null;
					result = (lettucePresent && nativeConnection instanceof RedisClusterAsyncCommands<?, ?> redis)
							? async.apply((RedisClusterAsyncCommands<byte[], byte[]>) redis)
								.get(this.timeoutNanos, TimeUnit.NANOSECONDS)
							: sync.apply(connection);
				}
			}
			if (recorded) {
				this.breaker.recordSuccess();
			}
			return result;
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			Exception failure = (cause instanceof Exception exception) ? exception : ex;
			if (lettucePresent && LettuceShared.isErrorReply(cause)) {
				// Redis answered: the command is refused, Redis is not down
				if (recorded) {
					this.breaker.recordSuccess();
				}
				this.failures.increment();
				return onFailure.failed(Outcome.REFUSED, failure);
			}
			if (lettucePresent && LettuceShared.isClosed(cause)) {
				this.connection.set(null);
			}
			// a command that does not move the breaker still does when Redis cannot be
			// reached
			boolean unreachable = lettucePresent && LettuceShared.isConnectionFailure(cause);
			count(recorded || unreachable);
			return onFailure.failed(unreachable ? Outcome.UNREACHABLE : Outcome.FAILED, failure);
		}
		catch (TimeoutException ex) {
			count(recorded);
			return onFailure.failed(Outcome.FAILED,
					new TimeoutException("no answer within " + Duration.ofNanos(this.timeoutNanos)));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			count(recorded);
			return onFailure.failed(Outcome.FAILED, ex);
		}
		catch (RedisCommandException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			boolean unreachable = ex instanceof org.springframework.data.redis.RedisConnectionFailureException;
			count(recorded || unreachable);
			return onFailure.failed(unreachable ? Outcome.UNREACHABLE : Outcome.FAILED, ex);
		}
	}

	private void count(boolean recorded) {
		this.failures.increment();
		if (recorded) {
			this.breaker.recordFailure();
		}
	}

	private enum Outcome {

		SHORT_CIRCUITED, REFUSED, UNREACHABLE, FAILED

	}

	@FunctionalInterface
	private interface FailureHandler<T> {

		@Nullable T failed(Outcome outcome, Exception cause);

	}

	/**
	 * Thrown by {@link #executeOrThrow} when a command did not take effect.
	 */
	public static final class RedisCommandException extends RuntimeException {

		RedisCommandException(String message, Throwable cause) {
			super(message, cause);
		}

	}

	/**
	 * Return the application's shared Lettuce connection, set up on a background thread
	 * the first time (and again after it was closed), so that a caller never waits for a
	 * connection longer than its command's deadline.
	 */
	private RedisClusterAsyncCommands<byte[], byte[]> sharedConnection()
			throws InterruptedException, ExecutionException, TimeoutException {
		CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> current = this.connection.get();
		if (current == null || current.isCompletedExceptionally()) {
			current = startConnecting(current);
		}
		if (current.isDone()) {
			return current.get();
		}
		// an attempt may take longer than one command: callers wait for it until twice
		// the
		// command timeout after it began, not each for that long (a call that meets a
		// connection Redis does not answer stays within four command timeouts)
		long remaining = this.connectingSince + 2 * this.timeoutNanos - this.ticker.read();
		if (remaining <= 0) {
			throw new TimeoutException("connection not set up within " + Duration.ofNanos(2 * this.timeoutNanos));
		}
		return current.get(remaining, TimeUnit.NANOSECONDS);
	}

	private CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> startConnecting(
			@Nullable CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> failed) {
		CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> next = new CompletableFuture<>();
		if (this.connection.compareAndSet(failed, next)) {
			this.connectingSince = this.ticker.read();
			DaemonThreads.create("tiered-cache-redis-connect", () -> connect(next)).start();
			return next;
		}
		CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> current = this.connection.get();
		return (current != null) ? current : next;
	}

	/**
	 * Begin setting up the connection in the background, so that the first command finds
	 * it ready. Returns at once.
	 */
	public void connectInBackground() {
		if (this.sharedNativeConnection && this.connection.get() == null) {
			startConnecting(null);
		}
	}

	@SuppressWarnings("unchecked")
	private void connect(CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> future) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			if (connection.getNativeConnection() instanceof RedisClusterAsyncCommands<?, ?> redis) {
				future.complete((RedisClusterAsyncCommands<byte[], byte[]>) redis);
			}
			else {
				future.completeExceptionally(new IllegalStateException("not a Lettuce connection"));
			}
		}
		catch (RuntimeException ex) {
			future.completeExceptionally(ex);
		}
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
	 * Return the circuit breaker's state.
	 * @return the state
	 */
	public BreakerState getBreakerState() {
		return this.breaker.getState();
	}

	/**
	 * Register a listener of the circuit breaker's transitions.
	 * @param listener the listener, called on the thread that caused the transition; must
	 * be quick
	 */
	public void addBreakerListener(BreakerListener listener) {
		this.breaker.addListener(listener);
	}

	/**
	 * Told of every transition of the circuit breaker.
	 */
	@FunctionalInterface
	public interface BreakerListener {

		/**
		 * The breaker moved from one state to another.
		 * @param from the previous state
		 * @param to the new state
		 */
		void transitioned(BreakerState from, BreakerState to);

	}

	/**
	 * The states of the circuit breaker.
	 */
	public enum BreakerState {

		/**
		 * Commands are sent; failures in a row open the breaker.
		 */
		CLOSED,

		/**
		 * No command is sent; a probe is scheduled.
		 */
		OPEN,

		/**
		 * A probe is checking whether Redis answers; no command is sent yet.
		 */
		HALF_OPEN

	}

	/**
	 * Told when Redis answers again after the circuit breaker was open.
	 */
	@FunctionalInterface
	public interface RecoveryListener {

		/**
		 * Redis is back: the breaker is closed and commands flow again. Called on the
		 * breaker's probe thread.
		 */
		void redisRecovered();

	}

	/**
	 * Outcome of {@link #setIfAbsent(byte[], byte[], Duration)}.
	 *
	 * @param outcome what happened
	 * @param previous the value already present, for {@link Outcome#PRESENT}
	 */
	public record SetIfAbsentResult(Outcome outcome, byte @Nullable [] previous) {

		/**
		 * The value was stored.
		 */
		public static final SetIfAbsentResult STORED = new SetIfAbsentResult(Outcome.STORED, null);

		/**
		 * The command failed.
		 */
		public static final SetIfAbsentResult FAILED = new SetIfAbsentResult(Outcome.FAILED, null);

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
	 * The replies of several futures, within one shared deadline.
	 */
	private record AllReplies<T>(
			List<RedisFuture<T>> futures) implements java.util.concurrent.Future<List<@Nullable T>> {

		@Override
		public List<@Nullable T> get(long timeout, TimeUnit unit)
				throws InterruptedException, ExecutionException, TimeoutException {
			long deadline = System.nanoTime() + unit.toNanos(timeout);
			List<@Nullable T> replies = new ArrayList<>(this.futures.size());
			for (RedisFuture<T> future : this.futures) {
				replies.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
			}
			return replies;
		}

		@Override
		public List<@Nullable T> get() throws InterruptedException, ExecutionException {
			List<@Nullable T> replies = new ArrayList<>(this.futures.size());
			for (RedisFuture<T> future : this.futures) {
				replies.add(future.get());
			}
			return replies;
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
