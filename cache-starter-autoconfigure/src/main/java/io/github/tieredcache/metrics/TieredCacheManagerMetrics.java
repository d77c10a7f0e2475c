package io.github.tieredcache.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.writebehind.WriteBehindFlusher;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The meters of what the caches of one {@link TieredCacheManager} share: the Redis
 * command path (failures, short-circuits, breaker state), the invalidation bus (state,
 * messages, propagation delay), the writes that missed Redis, and write-behind (backlog,
 * in-flight, outcomes, lag). Every meter is tagged {@code cache.manager}.
 * <p>
 * Counters and gauges are read when the registry is scraped; the two timers (bus delay,
 * write-behind lag) are recorded by the bus's receiving thread and the flusher's thread,
 * never on a caller's thread. Bind it to one registry, once: the timers' observers stay
 * registered with the bus and the flusher for the manager's lifetime.
 */
public class TieredCacheManagerMetrics implements MeterBinder {

	private static final double[] PERCENTILES = { 0.5, 0.95, 0.99 };

	private final TieredCacheManager manager;

	private final @Nullable WriteBehindService writeBehind;

	private final Tags tags;

	/**
	 * Create the meters of a manager.
	 * @param manager the manager
	 * @param writeBehind its write-behind service, or {@code null} without write-behind
	 * @param tags the tags of every meter, {@code cache.manager} among them
	 */
	public TieredCacheManagerMetrics(TieredCacheManager manager, @Nullable WriteBehindService writeBehind,
			Iterable<Tag> tags) {
		Assert.notNull(manager, "'manager' must not be null");
		this.manager = manager;
		this.writeBehind = writeBehind;
		this.tags = Tags.of(tags);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("tiered.cache.writes.pending", this.manager, TieredCacheManager::getPendingWrites)
			.tags(this.tags)
			.description("Writes that missed Redis and wait to be applied there (a remembered clear counts as one)")
			.register(registry);
		RedisTier redis = this.manager.getRedisTier();
		if (redis != null) {
			bindRedis(registry, redis);
		}
		InvalidationBus bus = this.manager.getInvalidationBus();
		if (bus != null) {
			bindBus(registry, bus);
		}
		if (this.writeBehind != null) {
			bindWriteBehind(registry, this.writeBehind.getFlusher());
		}
	}

	private void bindRedis(MeterRegistry registry, RedisTier redis) {
		FunctionCounter.builder("tiered.cache.redis.failures", redis, RedisTier::failures)
			.tags(this.tags)
			.description("Redis commands that failed (timed out, refused, connection lost)")
			.register(registry);
		FunctionCounter.builder("tiered.cache.redis.short.circuits", redis, RedisTier::shortCircuited)
			.tags(this.tags)
			.description("Redis commands not sent because the circuit breaker was open")
			.register(registry);
		for (RedisTier.BreakerState state : RedisTier.BreakerState.values()) {
			Gauge.builder("tiered.cache.redis.breaker.state", redis, (r) -> (r.getBreakerState() == state) ? 1 : 0)
				.tags(this.tags)
				.tag("state", TieredCacheMetrics.tagValue(state))
				.description("1 for the state the Redis circuit breaker is in, 0 for the others")
				.register(registry);
		}
	}

	private void bindBus(MeterRegistry registry, InvalidationBus bus) {
		for (InvalidationBus.State state : InvalidationBus.State.values()) {
			Gauge.builder("tiered.cache.bus.state", bus, (b) -> (b.getState() == state) ? 1 : 0)
				.tags(this.tags)
				.tag("state", TieredCacheMetrics.tagValue(state))
				.description("1 for the state the invalidation bus is in, 0 for the others")
				.register(registry);
		}
		busCounter(registry, bus, "tiered.cache.bus.messages", "direction", "sent", (s) -> s.sent(),
				"Invalidation messages published (sent) or received from other instances (received)");
		busCounter(registry, bus, "tiered.cache.bus.messages", "direction", "received", (s) -> s.received(),
				"Invalidation messages published (sent) or received from other instances (received)");
		busCounter(registry, bus, "tiered.cache.bus.dropped", null, null, (s) -> s.dropped(),
				"Invalidations that could not be published (peers empty their in-process tiers)");
		busCounter(registry, bus, "tiered.cache.bus.gaps", null, null, (s) -> s.gaps(),
				"Lost messages detected (this instance emptied its in-process tiers)");
		busCounter(registry, bus, "tiered.cache.bus.silences", null, null, (s) -> s.silences(),
				"Times the bus went silent (in-process tiers bypassed)");
		busCounter(registry, bus, "tiered.cache.bus.unreadable", null, null, (s) -> s.unreadable(),
				"Messages on the channel that could not be read");
		Timer delay = Timer.builder("tiered.cache.bus.delay")
			.tags(this.tags)
			.description("Time from another instance's publishing of invalidations to their application here"
					+ " (by the two hosts' wall clocks)")
			.publishPercentiles(PERCENTILES)
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(1))
			.maximumExpectedValue(Duration.ofSeconds(30))
			.register(registry);
		bus.addDelayObserver((millis) -> delay.record(millis, TimeUnit.MILLISECONDS));
	}

	private void busCounter(MeterRegistry registry, InvalidationBus bus, String name, @Nullable String key,
			@Nullable String value, java.util.function.ToLongFunction<InvalidationBus.Statistics> count,
			String description) {
		FunctionCounter.Builder<InvalidationBus> builder = FunctionCounter
			.builder(name, bus, (b) -> count.applyAsLong(b.getStatistics()))
			.tags(this.tags)
			.description(description);
		if (key != null && value != null) {
			builder.tag(key, value);
		}
		builder.register(registry);
	}

	private void bindWriteBehind(MeterRegistry registry, WriteBehindFlusher flusher) {
		Gauge.builder("tiered.cache.write.behind.pending", flusher, WriteBehindFlusher::approximateBacklog)
			.tags(this.tags)
			.description("Entries waiting in the write-behind stream (as of the flusher's last round, plus what"
					+ " this instance queued since)")
			.register(registry);
		Gauge.builder("tiered.cache.write.behind.in.flight", flusher, WriteBehindFlusher::inFlight)
			.tags(this.tags)
			.description("Entries this instance's flusher is writing now")
			.register(registry);
		for (String result : List.of("success", "failure", "dead_letter")) {
			FunctionCounter.builder("tiered.cache.write.behind.writes", flusher, switch (result) {
				case "success" -> WriteBehindFlusher::written;
				case "failure" -> WriteBehindFlusher::failed;
				default -> WriteBehindFlusher::deadLettered;
			})
				.tags(this.tags)
				.tag("result", result)
				.description("Deferred writes by outcome: success, failure (to be retried) and dead_letter (gave up"
						+ " after the last attempt)")
				.register(registry);
		}
		Timer lag = Timer.builder("tiered.cache.write.behind.lag")
			.tags(this.tags)
			.description("Time from a deferred write's queueing to its success (by Redis's clock, then this host's)")
			.publishPercentiles(PERCENTILES)
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(1))
			.maximumExpectedValue(Duration.ofMinutes(10))
			.register(registry);
		flusher.addLagObserver((millis) -> lag.record(millis, TimeUnit.MILLISECONDS));
	}

}
