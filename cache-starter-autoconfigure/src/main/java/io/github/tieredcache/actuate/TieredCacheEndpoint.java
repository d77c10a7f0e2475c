package io.github.tieredcache.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.github.benmanes.caffeine.cache.Cache;
import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.CacheStatistics;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.writebehind.WriteBehindFlusher;
import io.github.tieredcache.internal.writebehind.WriteBehindQueue;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code tieredcache} actuator endpoint: every cache of a {@link TieredCacheManager}
 * with its effective settings, statistics and in-process size; the Redis tier's circuit
 * breaker; the invalidation bus; and the write-behind queue. Its write operations clear
 * one cache on every instance, evict one key, and re-drive write-behind dead letters.
 * <p>
 * Exposed and secured like any other endpoint: over HTTP only once listed in
 * {@code management.endpoints.web.exposure.include}. Reading it sends a few commands to
 * Redis for the write-behind queue (none for the caches); each is bounded by the cache's
 * command timeout and its circuit breaker, and a failure is reported in the response
 * rather than thrown.
 * <p>
 * Thread-safe.
 */
@Endpoint(id = "tieredcache")
public class TieredCacheEndpoint {

	/**
	 * Most dead letters listed in a response; {@code deadLetterCount} tells how many
	 * there are.
	 */
	static final int DEAD_LETTERS_SHOWN = 100;

	/**
	 * Most dead letters re-driven by one call with {@code all}.
	 */
	static final int MAX_REDRIVEN = 10_000;

	private static final Pattern STREAM_ID = Pattern.compile("\\d+-\\d+");

	private final TieredCacheManager cacheManager;

	private final @Nullable WriteBehindService writeBehind;

	/**
	 * Create an endpoint.
	 * @param cacheManager the cache manager to report on
	 * @param writeBehind the write-behind service, or {@code null} without write-behind
	 */
	public TieredCacheEndpoint(TieredCacheManager cacheManager, @Nullable WriteBehindService writeBehind) {
		this.cacheManager = cacheManager;
		this.writeBehind = writeBehind;
	}

	/**
	 * Describe every cache, the Redis tier, the invalidation bus and write-behind.
	 * @return the description
	 */
	@ReadOperation
	public TieredCacheDescriptor tieredCache() {
		Map<String, CacheDescriptor> caches = new LinkedHashMap<>();
		for (String name : this.cacheManager.getCacheNames()) {
			TieredCache cache = existing(name);
			if (cache != null) {
				caches.put(name, describe(cache));
			}
		}
		return new TieredCacheDescriptor(caches, redis(this.cacheManager), bus(this.cacheManager.getInvalidationBus()),
				writeBehind());
	}

	/**
	 * Describe one cache.
	 * @param cache the cache name
	 * @return the description, or {@code null} (404 over HTTP) if no such cache exists; a
	 * dynamic cache is not created by asking
	 */
	@ReadOperation
	public @Nullable CacheDescriptor cache(@Selector String cache) {
		TieredCache found = existing(cache);
		return (found != null) ? describe(found) : null;
	}

	/**
	 * Clear one cache on every instance, with {@link TieredCache#invalidate()}: when this
	 * returns, every instance the bus heard from has applied the clear, so its next
	 * lookup misses.
	 * @param cache the cache name
	 * @return what was done, or {@code null} (404 over HTTP) if no such cache exists
	 */
	@DeleteOperation
	public @Nullable ClearDescriptor clear(@Selector String cache) {
		TieredCache found = existing(cache);
		if (found == null) {
			return null;
		}
		long unacknowledged = found.getStatistics().unacknowledgedClears();
		found.invalidate();
		boolean acknowledged = found.getStatistics().unacknowledgedClears() == unacknowledged;
		return new ClearDescriptor(cache, acknowledged);
	}

	/**
	 * Evict one key of a cache, from Redis, from this instance's in-process tier, and
	 * (through the invalidation bus) from the other instances'.
	 * @param cache the cache name
	 * @param key the key in its encoded form, as it appears in Redis keys after the
	 * namespace version: a plain string as itself ({@code alice}), other keys with their
	 * tag ({@code #long:42}, {@code #uuid:…}, {@code (a,#int:1)} for several parameters)
	 * @return what was done, or {@code null} (404 over HTTP) if no such cache exists
	 */
	@DeleteOperation
	public @Nullable EvictDescriptor evict(@Selector String cache, @Selector String key) {
		TieredCache found = existing(cache);
		if (found == null) {
			return null;
		}
		return new EvictDescriptor(cache, key, found.evictEncoded(key));
	}

	/**
	 * Put write-behind dead letters back on the queue, to be written again with fresh
	 * attempts (a dead letter never overwrites a newer write of its key).
	 * @param deadLetter the id of one dead letter, or {@code all}
	 * @return the ids re-driven
	 * @throws InvalidEndpointRequestException (400 over HTTP) without write-behind, or if
	 * {@code deadLetter} is neither {@code all} nor a stream id
	 */
	@WriteOperation
	public RedriveDescriptor redrive(String deadLetter) {
		WriteBehindService writeBehind = this.writeBehind;
		if (writeBehind == null) {
			throw new InvalidEndpointRequestException("Write-behind is not configured", "No write-behind queue");
		}
		boolean all = "all".equals(deadLetter);
		if (!all && !STREAM_ID.matcher(deadLetter).matches()) {
			throw new InvalidEndpointRequestException("Expected 'all' or a dead letter's id, such as"
					+ " '1718000000000-0', but got '" + deadLetter + "'", "Not a dead letter id");
		}
		WriteBehindQueue queue = writeBehind.getQueue();
		List<String> redriven = new ArrayList<>();
		if (all) {
			List<WriteBehindQueue.DeadLetter> batch = queue.deadLetters(DEAD_LETTERS_SHOWN);
			while (!batch.isEmpty() && redriven.size() < MAX_REDRIVEN) {
				for (WriteBehindQueue.DeadLetter letter : batch) {
					if (queue.redrive(letter.id())) {
						redriven.add(letter.id());
					}
				}
				batch = queue.deadLetters(DEAD_LETTERS_SHOWN);
			}
		}
		else if (queue.redrive(deadLetter)) {
			redriven.add(deadLetter);
		}
		return new RedriveDescriptor(redriven);
	}

	private @Nullable TieredCache existing(String name) {
		// getCache would create a dynamic cache for any name asked for
		return this.cacheManager.getCacheNames().contains(name) ? this.cacheManager.getCache(name) : null;
	}

	static CacheDescriptor describe(TieredCache cache) {
		Object nativeCache = cache.getNativeCache();
		Long localSize = (nativeCache instanceof Cache<?, ?> local) ? local.estimatedSize() : null;
		return new CacheDescriptor(SettingsDescriptor.of(cache.getSettings()),
				StatisticsDescriptor.of(cache.getStatistics()), localSize, cache.isLocalTierServing(),
				List.copyOf(cache.getHotKeys()));
	}

	static RedisDescriptor redis(TieredCacheManager manager) {
		RedisTier redis = manager.getRedisTier();
		if (redis == null) {
			return new RedisDescriptor(false, null, false, 0, 0, 0);
		}
		return new RedisDescriptor(true, redis.getBreakerState().name(), redis.isAvailable(), redis.failures(),
				redis.shortCircuited(), manager.getPendingWrites());
	}

	static @Nullable BusDescriptor bus(@Nullable InvalidationBus bus) {
		if (bus == null) {
			return null;
		}
		InvalidationBus.Statistics statistics = bus.getStatistics();
		return new BusDescriptor(bus.getState().name(), bus.getChannel(), bus.getInstanceId(),
				bus.getLastHeartbeatAge().toMillis(), text(bus.getHeartbeatInterval()), bus.livePeerCount(),
				statistics.sent(), statistics.received(), statistics.dropped(), statistics.failedPublishes(),
				statistics.gaps(), statistics.silences());
	}

	private @Nullable WriteBehindDescriptor writeBehind() {
		WriteBehindService writeBehind = this.writeBehind;
		if (writeBehind == null) {
			return null;
		}
		WriteBehindQueue queue = writeBehind.getQueue();
		WriteBehindFlusher flusher = writeBehind.getFlusher();
		Long backlog = null;
		Long deadLetterCount = null;
		Map<String, Long> pending = null;
		List<DeadLetterDescriptor> deadLetters = null;
		String error = null;
		try {
			backlog = queue.backlog();
			pending = queue.pendingByConsumer();
			deadLetterCount = queue.deadLetterCount();
			deadLetters = new ArrayList<>();
			for (WriteBehindQueue.DeadLetter letter : queue.deadLetters(DEAD_LETTERS_SHOWN)) {
				deadLetters.add(new DeadLetterDescriptor(letter.id(), letter.key(), letter.error()));
			}
		}
		catch (RuntimeException ex) {
			error = String.valueOf(ex.getMessage());
		}
		return new WriteBehindDescriptor(queue.getStream(), backlog, pending, deadLetterCount, deadLetters,
				flusher.isActive(), flusher.written(), flusher.failed(), flusher.deadLettered(), error);
	}

	static String text(Duration duration) {
		return duration.toString();
	}

	/**
	 * The endpoint's response.
	 *
	 * @param caches every cache by name
	 * @param redis the Redis tier
	 * @param invalidationBus the invalidation bus, or {@code null} without one
	 * @param writeBehind the write-behind queue, or {@code null} without write-behind
	 */
	public record TieredCacheDescriptor(Map<String, CacheDescriptor> caches, RedisDescriptor redis,
			@Nullable BusDescriptor invalidationBus,
			@Nullable WriteBehindDescriptor writeBehind) implements OperationResponseBody {
	}

	/**
	 * One cache.
	 *
	 * @param settings its effective settings
	 * @param statistics its counters since start-up
	 * @param localSize estimated number of entries in its in-process tier, or
	 * {@code null} without one
	 * @param localTierServing whether lookups use the in-process tier (it is bypassed
	 * while the invalidation bus cannot vouch for it)
	 * @param hotKeys the keys the instances agree are hot (encoded), empty when hot keys
	 * are off for the cache
	 */
	public record CacheDescriptor(SettingsDescriptor settings, StatisticsDescriptor statistics,
			@Nullable Long localSize, boolean localTierServing, List<String> hotKeys) implements OperationResponseBody {
	}

	/**
	 * The effective settings of a cache, named as under
	 * {@code tiered-cache.caches.<name>} (durations in ISO-8601).
	 *
	 * @param ttl time to live in Redis
	 * @param ttlJitter random spread of each Redis TTL
	 * @param cacheNullValues whether {@code null} results are cached
	 * @param nullTtl time to live of a cached {@code null}
	 * @param local the in-process tier
	 * @param redis the Redis tier
	 * @param lease leases on misses
	 * @param staleIfError grace window past the TTL (zero: off)
	 * @param earlyRefresh early refresh
	 */
	public record SettingsDescriptor(String ttl, double ttlJitter, boolean cacheNullValues, String nullTtl,
			LocalSettings local, RedisSettings redis, LeaseSettings lease, String staleIfError,
			EarlyRefreshSettings earlyRefresh) {

		static SettingsDescriptor of(CacheSettings settings) {
			CacheSettings.Lease lease = settings.lease();
			return new SettingsDescriptor(text(settings.ttl()), settings.ttlJitter(), settings.cacheNullValues(),
					text(settings.nullTtl()),
					new LocalSettings(settings.localEnabled(), text(settings.localTtl()), settings.localMaximumSize()),
					new RedisSettings(settings.redisEnabled()),
					new LeaseSettings(lease.enabled(), text(lease.ttl()), text(lease.maxWait())),
					text(settings.staleIfError()), new EarlyRefreshSettings(settings.earlyRefreshBeta()));
		}

	}

	/**
	 * In-process tier settings.
	 *
	 * @param enabled whether the tier is used
	 * @param ttl time to live in the tier
	 * @param maximumSize bound of the tier
	 */
	public record LocalSettings(boolean enabled, String ttl, long maximumSize) {
	}

	/**
	 * Redis tier settings.
	 *
	 * @param enabled whether the tier is used
	 */
	public record RedisSettings(boolean enabled) {
	}

	/**
	 * Lease settings.
	 *
	 * @param enabled whether misses take leases
	 * @param ttl how long a lease outlives a crashed holder
	 * @param maxWait how long other callers wait for the holder's fill
	 * ({@code lease.wait})
	 */
	public record LeaseSettings(boolean enabled, String ttl, String maxWait) {
	}

	/**
	 * Early refresh settings.
	 *
	 * @param beta the XFetch beta (0: off)
	 */
	public record EarlyRefreshSettings(double beta) {
	}

	/**
	 * The counters of a cache (see {@link CacheStatistics}).
	 *
	 * @param localHits lookups answered by the in-process tier
	 * @param redisHits lookups answered by Redis
	 * @param misses lookups answered by neither tier
	 * @param loads loader invocations
	 * @param loadFailures loader invocations that failed
	 * @param staleServed stale entries served because the loader failed
	 * @param earlyRefreshes background reloads before expiry
	 * @param leaseWaits misses that waited for another caller's fill
	 * @param rejectedFills loaded values kept out because their key changed meanwhile
	 * @param undecodable Redis entries that could not be decoded
	 * @param rejectedTypes Redis entries naming a type outside the allow-list
	 * @param unencodable values kept out of Redis because they could not be encoded
	 * @param saturated asynchronous Redis operations skipped on a saturated executor
	 * @param unacknowledgedClears fleet-wide clears that returned before every instance
	 * acknowledged them
	 */
	public record StatisticsDescriptor(long localHits, long redisHits, long misses, long loads, long loadFailures,
			long staleServed, long earlyRefreshes, long leaseWaits, long rejectedFills, long undecodable,
			long rejectedTypes, long unencodable, long saturated, long unacknowledgedClears) {

		static StatisticsDescriptor of(CacheStatistics statistics) {
			return new StatisticsDescriptor(statistics.localHits(), statistics.redisHits(), statistics.misses(),
					statistics.loads(), statistics.loadFailures(), statistics.staleServed(),
					statistics.earlyRefreshes(), statistics.leaseWaits(), statistics.rejectedFills(),
					statistics.undecodable(), statistics.rejectedTypes(), statistics.unencodable(),
					statistics.saturated(), statistics.unacknowledgedClears());
		}

	}

	/**
	 * The Redis tier.
	 *
	 * @param present whether the caches use Redis at all
	 * @param breaker the circuit breaker's state ({@code CLOSED}, {@code OPEN},
	 * {@code HALF_OPEN}), or {@code null} without Redis
	 * @param available whether commands are being sent (the breaker is closed)
	 * @param failures commands failed since start-up
	 * @param shortCircuited commands not sent because the breaker was open
	 * @param pendingWrites writes that missed Redis and wait to be applied there
	 */
	public record RedisDescriptor(boolean present, @Nullable String breaker, boolean available, long failures,
			long shortCircuited, long pendingWrites) {
	}

	/**
	 * The invalidation bus.
	 *
	 * @param state {@code STARTING}, {@code HEALTHY}, {@code SILENT} or {@code OUTAGE}
	 * @param channel the pub/sub channel
	 * @param instanceId this instance's id on the bus
	 * @param lastHeartbeatAgeMillis how long ago this instance last heard its own message
	 * back
	 * @param heartbeatInterval the staleness bound the bus keeps
	 * @param livePeers other instances heard from within two heartbeat intervals
	 * @param sent messages published
	 * @param received messages received from other instances
	 * @param dropped invalidations that could not be sent
	 * @param failedPublishes publishes that failed
	 * @param gaps lost messages detected, each of which emptied the in-process tiers
	 * @param silences times the heartbeat went silent
	 */
	public record BusDescriptor(String state, String channel, String instanceId, long lastHeartbeatAgeMillis,
			String heartbeatInterval, int livePeers, long sent, long received, long dropped, long failedPublishes,
			long gaps, long silences) {
	}

	/**
	 * The write-behind queue. The Redis figures are {@code null} if Redis could not be
	 * asked, with {@code error} saying why.
	 *
	 * @param stream the stream key
	 * @param backlog entries waiting to be written (the stream's length)
	 * @param pendingByConsumer entries read but not yet acknowledged, by flusher
	 * @param deadLetterCount writes that failed every attempt
	 * @param deadLetters the oldest dead letters, at most 100
	 * @param flusherActive whether this instance's flusher is the one writing
	 * @param written writes this instance's flusher completed
	 * @param failed write attempts of this instance's flusher that failed
	 * @param deadLettered entries this instance's flusher moved to the dead letters
	 * @param error why Redis could not be asked, or {@code null}
	 */
	public record WriteBehindDescriptor(String stream, @Nullable Long backlog,
			@Nullable Map<String, Long> pendingByConsumer, @Nullable Long deadLetterCount,
			@Nullable List<DeadLetterDescriptor> deadLetters, boolean flusherActive, long written, long failed,
			long deadLettered, @Nullable String error) {
	}

	/**
	 * A write-behind dead letter.
	 *
	 * @param id its id, for {@link TieredCacheEndpoint#redrive(String)}
	 * @param key the cache and encoded key of the write
	 * @param error the last error
	 */
	public record DeadLetterDescriptor(String id, String key, String error) {
	}

	/**
	 * The outcome of a fleet-wide clear.
	 *
	 * @param cache the cache
	 * @param acknowledged whether every live instance acknowledged the clear within a
	 * heartbeat interval (one that did not bypasses its in-process tier within the bus's
	 * bound)
	 */
	public record ClearDescriptor(String cache, boolean acknowledged) implements OperationResponseBody {
	}

	/**
	 * The outcome of an eviction.
	 *
	 * @param cache the cache
	 * @param key the encoded key
	 * @param present whether an entry was present
	 */
	public record EvictDescriptor(String cache, String key, boolean present) implements OperationResponseBody {
	}

	/**
	 * The outcome of a re-drive.
	 *
	 * @param redriven the ids of the dead letters put back on the queue
	 */
	public record RedriveDescriptor(List<String> redriven) implements OperationResponseBody {
	}

}
