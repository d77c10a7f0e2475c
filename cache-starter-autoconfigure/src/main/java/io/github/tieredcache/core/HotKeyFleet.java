package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.hotkeys.HotKeyTracker;
import io.github.tieredcache.internal.hotkeys.ReplicaPlacement;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * A manager's hot-key machinery shared by its caches: the {@link HotKeyTracker} whose
 * reports travel on the invalidation bus's hot-key channel, the cluster's slot map for
 * replica placement (read from the client's view of the cluster once per window), and
 * each cache's hot set recorded in Redis ({@code <prefix>:<cache>:hot}, JSON, expiring
 * after ten windows and at least a minute) for new instances to warm from. Thread-safe.
 */
final class HotKeyFleet {

	private static final Log logger = LogFactory.getLog(HotKeyFleet.class);

	private static final boolean lettucePresent = ClassUtils.isPresent(
			"org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory",
			HotKeyFleet.class.getClassLoader());

	private static final TypeReference<List<String>> KEY_LIST = new TypeReference<>() {
	};

	private final RedisConnectionFactory connectionFactory;

	private final RedisTier redis;

	private final InvalidationBus bus;

	private final String keyPrefix;

	private final Ticker ticker;

	private final Executor executor;

	private final long windowNanos;

	private final HotKeyTracker tracker;

	private final JsonMapper json = JsonMapper.builder().build();

	private final AtomicBoolean ticking = new AtomicBoolean();

	private volatile ReplicaPlacement placement = ReplicaPlacement.standalone();

	private volatile @Nullable ScheduledFuture<?> schedule;

	HotKeyFleet(RedisConnectionFactory connectionFactory, RedisTier redis, InvalidationBus bus, String keyPrefix,
			Duration window, Ticker ticker, Executor executor) {
		this.connectionFactory = connectionFactory;
		this.redis = redis;
		this.bus = bus;
		this.keyPrefix = keyPrefix;
		this.ticker = ticker;
		this.executor = executor;
		this.windowNanos = window.toNanos();
		this.tracker = new HotKeyTracker(bus.getInstanceId(), window, ticker, executor, new HotKeyTracker.Gossip() {

			@Override
			public void send(byte[] body) {
				bus.sendHotKeys(body);
			}

			@Override
			public void record(String cacheName, List<String> keys) {
				recordHotSet(cacheName, keys);
			}

		});
		bus.receiveHotKeys(this.tracker::received);
	}

	HotKeyTracker tracker() {
		return this.tracker;
	}

	Ticker ticker() {
		return this.ticker;
	}

	long windowNanos() {
		return this.windowNanos;
	}

	ReplicaPlacement placement() {
		return this.placement;
	}

	/**
	 * Report and apply hot keys once per window, on the executor.
	 */
	void start(ScheduledExecutorService scheduler) {
		refreshPlacement();
		this.schedule = scheduler.scheduleAtFixedRate(this::tickOffScheduler, this.windowNanos, this.windowNanos,
				TimeUnit.NANOSECONDS);
	}

	void stop() {
		ScheduledFuture<?> schedule = this.schedule;
		if (schedule != null) {
			schedule.cancel(false);
		}
	}

	private void tickOffScheduler() {
		if (!this.ticking.compareAndSet(false, true)) {
			return;
		}
		try {
			this.executor.execute(() -> {
				try {
					tick();
				}
				finally {
					this.ticking.set(false);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			this.ticking.set(false);
		}
	}

	/**
	 * One window: the slot map, then the tracker's report.
	 */
	void tick() {
		try {
			refreshPlacement();
			this.tracker.tick();
		}
		catch (RuntimeException ex) {
			logger.warn("tiered-cache: hot-key window failed", ex);
		}
	}

	/**
	 * Read the cluster's slot map from the client (no command on a single Redis).
	 */
	void refreshPlacement() {
		if (!lettucePresent || !(this.connectionFactory instanceof LettuceConnectionFactory lettuce)
				|| !lettuce.isClusterAware()) {
			return;
		}
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			ReplicaPlacement next = ReplicaPlacement.cluster(connection.clusterGetNodes());
			if (!next.sameAs(this.placement)) {
				this.placement = next;
			}
		}
		catch (RuntimeException ex) {
			logger.debug("tiered-cache: cluster topology not read for hot-key replicas", ex);
		}
	}

	private byte[] hotSetKey(String cacheName) {
		return (this.keyPrefix + ":" + CacheNamespace.segment(cacheName) + ":hot").getBytes(StandardCharsets.UTF_8);
	}

	private void recordHotSet(String cacheName, List<String> keys) {
		Duration ttl = Duration.ofNanos(Math.max(10 * this.windowNanos, Duration.ofMinutes(1).toNanos()));
		this.redis.set(hotSetKey(cacheName), this.json.writeValueAsBytes(keys), ttl);
	}

	/**
	 * Return a cache's hot set as last recorded in Redis.
	 */
	List<String> recordedHotSet(String cacheName) {
		return recordedHotSet(this.redis, this.keyPrefix, cacheName);
	}

	static List<String> recordedHotSet(RedisTier redis, String keyPrefix, String cacheName) {
		byte[] bytes = redis
			.get((keyPrefix + ":" + CacheNamespace.segment(cacheName) + ":hot").getBytes(StandardCharsets.UTF_8));
		if (bytes == null) {
			return List.of();
		}
		try {
			return JsonMapper.builder().build().readValue(bytes, KEY_LIST);
		}
		catch (JacksonException ex) {
			return List.of();
		}
	}

}
