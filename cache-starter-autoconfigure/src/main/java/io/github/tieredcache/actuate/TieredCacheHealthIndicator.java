package io.github.tieredcache.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.warmup.CacheWarming;
import io.github.tieredcache.internal.writebehind.WriteBehindQueue;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code tieredCache} health indicator. The cache fails open: when Redis is
 * unreachable, or the invalidation bus cannot vouch for the in-process tiers, callers are
 * still served (from the in-process tier and the loaders), so such a state is not
 * {@link Status#DOWN} but {@link #DEGRADED}, which Spring Boot maps to HTTP 200.
 * <p>
 * {@link Status#UP} when Redis answers a {@code PING}, the circuit breaker is closed, the
 * invalidation bus is healthy (or starting) and write-behind has no dead letters;
 * {@link #DEGRADED} otherwise, with the reasons in the {@code reasons} detail. Details:
 * {@code redis} (round trip, breaker state, writes waiting to be applied there),
 * {@code invalidationBus} (state, last heartbeat age, live peers), {@code writeBehind}
 * (backlog, dead letters) and, with start-up warming, {@code warming} (state, keys
 * warmed, time, and each source's outcome). An application without Redis is
 * {@link Status#UP} with no Redis details.
 * <p>
 * A check sends at most three commands to Redis, each bounded by the cache's command
 * timeout; the write-behind ones are skipped while Redis does not answer. Thread-safe.
 */
public class TieredCacheHealthIndicator implements HealthIndicator {

	/**
	 * Serving, without Redis or without a guarantee that needs it: what a cache that
	 * fails open reports instead of {@link Status#DOWN}.
	 */
	public static final Status DEGRADED = new Status("DEGRADED",
			"Serving, but without Redis or without part of what it provides");

	private final TieredCacheManager cacheManager;

	private final @Nullable WriteBehindService writeBehind;

	private final @Nullable CacheWarming warming;

	/**
	 * Create an indicator.
	 * @param cacheManager the cache manager to check
	 * @param writeBehind the write-behind service, or {@code null} without write-behind
	 */
	public TieredCacheHealthIndicator(TieredCacheManager cacheManager, @Nullable WriteBehindService writeBehind) {
		this(cacheManager, writeBehind, null);
	}

	/**
	 * Create an indicator that also reports the start-up warming (in the {@code warming}
	 * detail; it never changes the status: readiness is what waits for warming).
	 * @param cacheManager the cache manager to check
	 * @param writeBehind the write-behind service, or {@code null} without write-behind
	 * @param warming the start-up warming, or {@code null} without warming
	 */
	public TieredCacheHealthIndicator(TieredCacheManager cacheManager, @Nullable WriteBehindService writeBehind,
			@Nullable CacheWarming warming) {
		this.cacheManager = cacheManager;
		this.writeBehind = writeBehind;
		this.warming = warming;
	}

	@Override
	public Health health() {
		Health.Builder health = redisHealth();
		if (this.warming != null && this.warming.hasWork()) {
			health.withDetail("warming", this.warming.report().toDetails());
		}
		return health.build();
	}

	private Health.Builder redisHealth() {
		RedisTier redis = this.cacheManager.getRedisTier();
		if (redis == null) {
			return Health.up().withDetail("redis", "not used");
		}
		Map<String, Object> reasons = new LinkedHashMap<>();
		Health.Builder health = Health.up();
		Map<String, Object> redisDetails = new LinkedHashMap<>();
		long started = System.nanoTime();
		String failure = redis.ping();
		long roundTripMicros = (System.nanoTime() - started) / 1000;
		if (failure == null) {
			redisDetails.put("roundTripMillis", roundTripMicros / 1000.0);
		}
		else {
			redisDetails.put("error", failure);
			reasons.put("redis", "Redis does not answer; caches serve from the in-process tier and the loaders");
		}
		RedisTier.BreakerState breaker = redis.getBreakerState();
		redisDetails.put("breaker", breaker.name());
		if (breaker != RedisTier.BreakerState.CLOSED && failure == null) {
			reasons.put("redis", "The circuit breaker is " + breaker + "; Redis is not used until a probe succeeds");
		}
		redisDetails.put("pendingWrites", this.cacheManager.getPendingWrites());
		health.withDetail("redis", redisDetails);
		InvalidationBus bus = this.cacheManager.getInvalidationBus();
		if (bus != null) {
			Map<String, Object> busDetails = new LinkedHashMap<>();
			InvalidationBus.State state = bus.getState();
			busDetails.put("state", state.name());
			busDetails.put("lastHeartbeatAgeMillis", bus.getLastHeartbeatAge().toMillis());
			busDetails.put("heartbeatInterval", bus.getHeartbeatInterval().toString());
			busDetails.put("livePeers", bus.livePeerCount());
			if (state == InvalidationBus.State.SILENT) {
				reasons.put("invalidationBus",
						"This instance's messages do not come back; in-process tiers are bypassed");
			}
			else if (state == InvalidationBus.State.OUTAGE) {
				reasons.put("invalidationBus", "Redis does not take invalidations; in-process tiers serve what they"
						+ " hold and are emptied when it is back");
			}
			health.withDetail("invalidationBus", busDetails);
		}
		WriteBehindService writeBehind = this.writeBehind;
		if (writeBehind != null) {
			Map<String, Object> writeBehindDetails = new LinkedHashMap<>();
			if (failure == null) {
				WriteBehindQueue queue = writeBehind.getQueue();
				try {
					writeBehindDetails.put("backlog", queue.backlog());
					long deadLetters = queue.deadLetterCount();
					writeBehindDetails.put("deadLetters", deadLetters);
					if (deadLetters > 0) {
						reasons.put("writeBehind", deadLetters + " write(s) failed every attempt and wait in the"
								+ " dead letters (re-drive them with the tieredcache endpoint)");
					}
				}
				catch (RuntimeException ex) {
					writeBehindDetails.put("error", String.valueOf(ex.getMessage()));
					reasons.put("writeBehind", "The write-behind queue cannot be read");
				}
			}
			writeBehindDetails.put("flusherActive", writeBehind.getFlusher().isActive());
			health.withDetail("writeBehind", writeBehindDetails);
		}
		if (!reasons.isEmpty()) {
			health.status(DEGRADED).withDetail("reasons", reasons);
		}
		return health;
	}

}
