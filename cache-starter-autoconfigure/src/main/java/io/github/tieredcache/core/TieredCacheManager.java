package io.github.tieredcache.core;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.CacheChangeListener;
import io.github.tieredcache.internal.DaemonThreads;
import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.invalidation.InvalidationHandler;
import io.github.tieredcache.internal.local.CoarseTicker;
import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.internal.observation.ObservationRegistryObservations;
import io.github.tieredcache.internal.redis.RedisTier;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.cache.CacheManager;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.Assert;

/**
 * A Spring {@link CacheManager} of {@link TieredCache}s. Caches named at build time exist
 * from the start; other names are created on demand with the settings the
 * {@link Builder#settingsResolver(Function) settings resolver} gives them, unless the
 * manager is not {@link Builder#dynamic(boolean) dynamic}, in which case
 * {@link #getCache(String)} returns {@code null} for them (and logs why once).
 * <p>
 * Create one with {@link #builder()}. Thread-safe.
 */
public class TieredCacheManager implements CacheManager, SmartLifecycle, DisposableBean {

	/**
	 * The lifecycle phase of a manager: after the Redis connection factories (phase 0),
	 * so that the bus and the maintenance stop before the connections they use are
	 * closed.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

	private static final Log logger = LogFactory.getLog(TieredCacheManager.class);

	private final ConcurrentMap<String, TieredCache> caches = new ConcurrentHashMap<>();

	private final Set<String> refused = ConcurrentHashMap.newKeySet();

	private final List<Consumer<? super TieredCache>> cacheListeners = new CopyOnWriteArrayList<>();

	private final Function<String, CacheSettings> settingsResolver;

	private final boolean dynamic;

	private final @Nullable RedisTier redis;

	private final ValueCodec codec;

	private final String keyPrefix;

	private final Executor executor;

	private final @Nullable ExecutorService ownedExecutor;

	private final Executor localMaintenanceExecutor;

	private final Ticker ticker;

	private final @Nullable InvalidationBus bus;

	private final Infrastructure infrastructure;

	private final LocalTrust localTrust;

	private final ScheduledExecutorService scheduler;

	private final @Nullable ScheduledExecutorService ownedScheduler;

	private volatile @Nullable ScheduledFuture<?> maintenance;

	private final AtomicBoolean maintaining = new AtomicBoolean();

	private final Duration maintenancePeriod;

	private volatile boolean running;

	private volatile Set<String> cacheNames = Collections.emptySet();

	private final @Nullable HotKeyFleet hotKeys;

	TieredCacheManager(Builder builder) {
		this.ownedScheduler = (builder.scheduler != null) ? null : defaultScheduler();
		this.scheduler = (builder.scheduler != null) ? builder.scheduler : this.ownedScheduler;
		this.redis = (builder.connectionFactory != null) ? new RedisTier(builder.connectionFactory, builder.ticker,
				builder.commandTimeout, builder.failureThreshold, builder.probeInterval, this.scheduler) : null;
		if (this.redis != null) {
			this.redis.setRecoveryListener(this::redisRecovered);
		}
		this.codec = (builder.codec != null) ? builder.codec : new JacksonValueCodec(List.of());
		this.keyPrefix = builder.keyPrefix;
		this.ticker = builder.ticker;
		this.dynamic = builder.dynamic;
		Map<String, CacheSettings> explicit = new LinkedHashMap<>(builder.caches);
		CacheSettings defaults = builder.defaults;
		Function<String, CacheSettings> resolver = builder.settingsResolver;
		this.settingsResolver = (resolver != null) ? resolver : (name) -> explicit.getOrDefault(name, defaults);
		if (builder.executor != null) {
			this.executor = builder.executor;
			this.ownedExecutor = null;
			this.localMaintenanceExecutor = builder.executor;
		}
		else {
			this.ownedExecutor = defaultExecutor();
			this.executor = this.ownedExecutor;
			// Caffeine hands maintenance off often; a pool that may start a thread per
			// task would
			// make hits slow
			this.localMaintenanceExecutor = ForkJoinPool.commonPool();
		}
		this.bus = (this.redis != null && builder.invalidationChannel != null)
				? new InvalidationBus(builder.connectionFactory, this.redis, builder.invalidationChannel,
						builder.heartbeatInterval, new CacheInvalidationHandler(), builder.ticker, this.scheduler)
				: null;
		this.localTrust = new LocalTrust(this.caches.values(), this.bus, this.keyPrefix);
		this.hotKeys = (this.bus != null && builder.hotKeyWindow != null) ? new HotKeyFleet(builder.connectionFactory,
				this.redis, this.bus, this.keyPrefix, builder.hotKeyWindow, builder.ticker, this.executor) : null;
		this.maintenancePeriod = builder.heartbeatInterval;
		this.infrastructure = new Infrastructure(this.redis, this.bus, this.codec, this.keyPrefix, this.executor,
				this.ticker, this.localMaintenanceExecutor, builder.clock, builder.random,
				new InvalidationEvents(builder.eventPublisher), builder.observations, this.hotKeys);
		Set<String> initial = new LinkedHashSet<>(builder.caches.keySet());
		initial.addAll(builder.cacheNames);
		initial.forEach(this::createCache);
		if (this.redis == null) {
			logger.info("tiered-cache: no Redis connection factory; caches use the in-process tier only");
		}
	}

	/**
	 * Return a builder.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	@Override
	public @Nullable TieredCache getCache(String name) {
		TieredCache cache = this.caches.get(name);
		if (cache != null) {
			return cache;
		}
		if (!this.dynamic) {
			if (this.refused.add(name)) {
				logger.warn("tiered-cache: cache '" + name + "' is not configured and 'tiered-cache.dynamic' is false;"
						+ " list it under 'tiered-cache.caches' or set 'tiered-cache.dynamic=true'");
			}
			return null;
		}
		return createCache(name);
	}

	private TieredCache createCache(String name) {
		TieredCache[] created = new TieredCache[1];
		TieredCache cache = this.localTrust.create(() -> this.caches.computeIfAbsent(name, (key) -> {
			created[0] = new TieredCache(key, this.settingsResolver.apply(key), this.infrastructure);
			Set<String> names = new LinkedHashSet<>(this.cacheNames);
			names.add(key);
			this.cacheNames = Collections.unmodifiableSet(names);
			return created[0];
		}));
		// outside the lock: a listener may take its time (register meters)
		if (created[0] != null) {
			for (Consumer<? super TieredCache> listener : this.cacheListeners) {
				notify(listener, created[0]);
			}
		}
		return cache;
	}

	/**
	 * Register a listener called once for every cache of this manager: at once for the
	 * caches that exist now, then for each cache as it is created (dynamic caches are
	 * created on first use). Meant for metrics binders, which Spring Boot runs only for
	 * the caches that exist at start-up.
	 * <p>
	 * The listener runs on the thread that created the cache, after the cache is
	 * available to others; a cache created while the listener is being registered may be
	 * passed twice, so the listener must be idempotent. An exception it throws is logged
	 * and does not fail the lookup that created the cache.
	 * @param listener the listener
	 */
	public void addCacheListener(Consumer<? super TieredCache> listener) {
		Assert.notNull(listener, "'listener' must not be null");
		this.cacheListeners.add(listener);
		for (TieredCache cache : this.caches.values()) {
			notify(listener, cache);
		}
	}

	private static void notify(Consumer<? super TieredCache> listener, TieredCache cache) {
		try {
			listener.accept(cache);
		}
		catch (RuntimeException ex) {
			logger.warn("tiered-cache: a cache listener failed for cache '" + cache.getName() + "'", ex);
		}
	}

	/**
	 * Register a listener told of every write, eviction and clear this instance makes to
	 * any of this manager's caches (see {@link CacheChangeListener}); for the library's
	 * own layers above the caches (the HTTP response cache's surrogate keys). Nothing is
	 * added to reads.
	 * @param listener the listener
	 */
	public void addChangeListener(CacheChangeListener listener) {
		Assert.notNull(listener, "'listener' must not be null");
		this.infrastructure.events().addChangeListener(listener);
	}

	/**
	 * Return a read-through view of a cache: {@code get(key)} loads on a miss.
	 * @param <K> the key type
	 * @param <V> the value type
	 * @param cacheName the cache, created as {@link #getCache(String)} creates caches
	 * @param loader loads one key; may return {@code null}
	 * @return the read-through cache
	 * @throws IllegalStateException if the cache does not exist and cannot be created
	 */
	public <K, V> ReadThroughCache<K, V> readThrough(String cacheName,
			Function<? super K, ? extends @Nullable V> loader) {
		return new ReadThroughCache<>(requireCache(cacheName), loader, null);
	}

	/**
	 * Return a read-through view of a cache whose {@code getAll} loads the missing keys
	 * in one call of a batch loader.
	 * @param <K> the key type
	 * @param <V> the value type
	 * @param cacheName the cache, created as {@link #getCache(String)} creates caches
	 * @param loader loads one key; may return {@code null}
	 * @param batchLoader loads several keys in one call, leaving out keys without a value
	 * @return the read-through cache
	 * @throws IllegalStateException if the cache does not exist and cannot be created
	 */
	public <K, V> ReadThroughCache<K, V> readThrough(String cacheName,
			Function<? super K, ? extends @Nullable V> loader,
			Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> batchLoader) {
		return new ReadThroughCache<>(requireCache(cacheName), loader, batchLoader);
	}

	private TieredCache requireCache(String cacheName) {
		TieredCache cache = getCache(cacheName);
		if (cache == null) {
			throw new IllegalStateException("Cache '" + cacheName + "' does not exist: list it under"
					+ " 'tiered-cache.caches' or set 'tiered-cache.dynamic=true'");
		}
		return cache;
	}

	@Override
	public Collection<String> getCacheNames() {
		return this.cacheNames;
	}

	/**
	 * Return the prefix of every Redis key this manager writes.
	 * @return the key prefix
	 */
	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	/**
	 * Return the command path the caches send every Redis command through (timeout,
	 * circuit breaker), for other Redis users of the starter such as write-behind.
	 * @return the Redis tier, or {@code null} without Redis
	 */
	public @Nullable RedisTier getRedisTier() {
		return this.redis;
	}

	/**
	 * Return whether the caches of this manager can use Redis.
	 * @return whether a Redis tier is present
	 */
	public boolean hasRedisTier() {
		return this.redis != null;
	}

	/**
	 * Check that Redis answers, logging the outcome: a warning if it does not (the caches
	 * then serve from the in-process tier and the loader until it does). Blocks for at
	 * most the connection timeout; meant for a background thread at start-up.
	 * @return whether Redis answered; {@code false} too without a Redis tier
	 */
	public boolean checkRedis() {
		if (this.redis == null) {
			return false;
		}
		String failure = this.redis.ping();
		if (failure != null) {
			logger.warn("tiered-cache: Redis is unreachable (" + failure + "); caches serve from the in-process tier"
					+ " and their loaders until it answers");
			return false;
		}
		logger.info("tiered-cache: Redis answers; caches use the in-process tier and Redis, key prefix '"
				+ this.keyPrefix + "'");
		return true;
	}

	/**
	 * Return the value codec shared by the caches.
	 * @return the codec
	 */
	public ValueCodec getValueCodec() {
		return this.codec;
	}

	/**
	 * Redis answers again after an outage: other instances' writes and evictions may have
	 * been missed meanwhile, so every in-process tier is emptied and every namespace
	 * version re-read (or, if more writes missed Redis than could be remembered, every
	 * cache cleared).
	 */
	private void redisRecovered() {
		this.localTrust.redisRecovered();
		maintainNamespacesOffScheduler();
	}

	/**
	 * Every {@code period}, each cache re-reads its namespace version and applies the
	 * writes that missed Redis.
	 */
	private ScheduledFuture<?> startMaintenance(Duration period) {
		return this.scheduler.scheduleWithFixedDelay(this::maintainNamespacesOffScheduler, period.toNanos(),
				period.toNanos(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Run a maintenance round on the executor, not on the scheduler, whose threads must
	 * stay free for the bus's watchdog while a round waits on a slow Redis; one round at
	 * a time, and none while the executor is saturated (the next period tries again).
	 */
	private void maintainNamespacesOffScheduler() {
		if (!this.maintaining.compareAndSet(false, true)) {
			return;
		}
		try {
			this.executor.execute(() -> {
				try {
					maintainNamespaces();
				}
				finally {
					this.maintaining.set(false);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			this.maintaining.set(false);
		}
	}

	private void maintainNamespaces() {
		if (this.bus != null && this.redis != null) {
			try {
				this.localTrust.checkEpoch(this.redis);
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: checking the in-process epoch failed", ex);
			}
		}
		for (TieredCache cache : this.caches.values()) {
			try {
				cache.maintainNamespace();
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: maintaining the namespace of cache '" + cache.getName() + "' failed", ex);
			}
		}
	}

	/**
	 * Return how many writes missed Redis and wait to be applied there, over all caches.
	 * @return the count
	 */
	public long getPendingWrites() {
		long pending = 0;
		for (TieredCache cache : this.caches.values()) {
			pending += cache.pendingWrites();
		}
		return pending;
	}

	/**
	 * Return whether Redis is in use: present, and the circuit breaker closed.
	 * @return whether the Redis tier is available
	 */
	public boolean isRedisAvailable() {
		return this.redis != null && this.redis.isAvailable();
	}

	/**
	 * Return the invalidation bus, if this manager has one.
	 * @return the bus, or {@code null}
	 */
	public @Nullable InvalidationBus getInvalidationBus() {
		return this.bus;
	}

	/**
	 * Start the background work: the invalidation bus and the periodic namespace
	 * maintenance. The auto-configuration leaves this to the application context's
	 * lifecycle; {@link Builder#build()} does it unless told not to.
	 */
	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		if (this.redis != null) {
			this.redis.connectInBackground();
		}
		if (this.bus != null) {
			if (this.bus.isClosed()) {
				logger.warn("tiered-cache: the invalidation bus does not start again once stopped; the in-process"
						+ " tiers stay bypassed (caches read Redis) until the application restarts");
			}
			this.bus.start();
		}
		if (this.redis != null) {
			this.maintenance = startMaintenance(this.maintenancePeriod);
		}
		if (this.hotKeys != null) {
			this.hotKeys.start(this.scheduler);
		}
		this.running = true;
	}

	/**
	 * Stop the background work (the caches keep serving, without the bus's guarantees).
	 */
	@Override
	public synchronized void stop() {
		ScheduledFuture<?> maintenance = this.maintenance;
		if (maintenance != null) {
			maintenance.cancel(false);
		}
		if (this.hotKeys != null) {
			this.hotKeys.stop();
		}
		if (this.bus != null) {
			this.bus.close();
		}
		this.running = false;
	}

	/**
	 * Run one hot-key window now (tests drive windows instead of waiting for them).
	 */
	void hotKeyWindow() {
		if (this.hotKeys != null) {
			this.hotKeys.tick();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public void destroy() {
		stop();
		if (this.redis != null) {
			this.redis.close();
		}
		if (this.ownedExecutor != null) {
			this.ownedExecutor.shutdown();
		}
		if (this.ownedScheduler != null) {
			this.ownedScheduler.shutdownNow();
		}
	}

	/**
	 * The manager's one scheduler for periodic work: the namespace maintenance, the bus's
	 * watchdog and the breaker's probes. Two daemon threads, so that a maintenance round
	 * waiting on a slow Redis does not hold up the watchdog.
	 */
	private static ScheduledExecutorService defaultScheduler() {
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2,
				DaemonThreads.numbered("tiered-cache-scheduler"));
		scheduler.setRemoveOnCancelPolicy(true);
		return scheduler;
	}

	private static ExecutorService defaultExecutor() {
		return new ThreadPoolExecutor(0, 16, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
				DaemonThreads.numbered("tiered-cache"), new ThreadPoolExecutor.AbortPolicy());
	}

	/**
	 * Applies what the invalidation bus receives to this manager's caches.
	 */
	private final class CacheInvalidationHandler implements InvalidationHandler {

		@Override
		public void keysInvalidated(String cacheName, List<String> encodedKeys) {
			TieredCache cache = TieredCacheManager.this.caches.get(cacheName);
			if (cache != null) {
				cache.invalidatedElsewhere(encodedKeys);
			}
		}

		@Override
		public void namespaceChanged(String cacheName, @Nullable String announced) {
			TieredCache cache = TieredCacheManager.this.caches.get(cacheName);
			if (cache != null) {
				cache.clearedElsewhere(announced);
			}
		}

	}

	/**
	 * Builder for {@link TieredCacheManager}. Not thread-safe.
	 */
	public static final class Builder {

		private @Nullable RedisConnectionFactory connectionFactory;

		private @Nullable ValueCodec codec;

		private String keyPrefix = "app";

		private boolean dynamic = true;

		private CacheSettings defaults = CacheSettings.builder().build();

		private final Map<String, CacheSettings> caches = new LinkedHashMap<>();

		private final Set<String> cacheNames = new LinkedHashSet<>();

		private @Nullable Function<String, CacheSettings> settingsResolver;

		private @Nullable Executor executor;

		private @Nullable ScheduledExecutorService scheduler;

		private Ticker ticker = CoarseTicker.get();

		private @Nullable String invalidationChannel;

		private Duration heartbeatInterval = Duration.ofSeconds(1);

		private @Nullable Duration hotKeyWindow;

		private Duration commandTimeout = Duration.ofMillis(250);

		private int failureThreshold = 5;

		private Clock clock = CoarseTicker.wallClock();

		private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

		private Duration probeInterval = Duration.ofMillis(500);

		private boolean startOnBuild = true;

		private @Nullable ApplicationEventPublisher eventPublisher;

		private CacheObservations observations = CacheObservations.NONE;

		private Builder() {
		}

		/**
		 * Observe, through this registry, the work the caches send out of the JVM: Redis
		 * reads ({@code tiered.cache.redis.read}), loads from the origin
		 * ({@code tiered.cache.load}); never an in-process hit (off unless called; the
		 * auto-configuration passes the application's registry). See
		 * {@code docs/metrics.md}.
		 * @param registry the registry; {@code ObservationRegistry.NOOP} observes nothing
		 * @return this builder
		 */
		public Builder observationRegistry(ObservationRegistry registry) {
			this.observations = ObservationRegistryObservations.of(registry);
			return this;
		}

		/**
		 * Publish a {@link CacheInvalidatedEvent} through this publisher for every
		 * invalidation the caches perform or receive (off unless called; the
		 * auto-configuration passes the application context).
		 * @param eventPublisher the publisher, or {@code null} to publish nothing
		 * @return this builder
		 */
		public Builder eventPublisher(@Nullable ApplicationEventPublisher eventPublisher) {
			this.eventPublisher = eventPublisher;
			return this;
		}

		/**
		 * Set how long the cache waits for one Redis command, whatever the application's
		 * own Redis timeout (default 250 ms).
		 * @param commandTimeout the timeout
		 * @return this builder
		 */
		public Builder redisCommandTimeout(Duration commandTimeout) {
			Assert.isTrue(!commandTimeout.isNegative() && !commandTimeout.isZero(), "Command timeout must be positive");
			this.commandTimeout = commandTimeout;
			return this;
		}

		/**
		 * Set when the cache stops using Redis and how often it then checks whether Redis
		 * is back (default: 5 failures in a row; every 500 ms).
		 * @param failureThreshold failed commands in a row that open the circuit breaker
		 * @param probeInterval how often an open breaker pings Redis
		 * @return this builder
		 */
		public Builder circuitBreaker(int failureThreshold, Duration probeInterval) {
			Assert.isTrue(failureThreshold > 0, "Failure threshold must be positive");
			Assert.isTrue(!probeInterval.isNegative() && !probeInterval.isZero(), "Probe interval must be positive");
			this.failureThreshold = failureThreshold;
			this.probeInterval = probeInterval;
			return this;
		}

		/**
		 * Keep the in-process tiers of all instances coherent through an invalidation bus
		 * on this Redis channel (off unless called; the auto-configuration turns it on).
		 * Needs {@link #redis(RedisConnectionFactory) Redis}.
		 * @param channel the channel, such as {@code <key-prefix>:invalidation}
		 * @param heartbeatInterval how long the bus may be silent before the in-process
		 * tiers are emptied and bypassed
		 * @return this builder
		 */
		public Builder invalidation(String channel, Duration heartbeatInterval) {
			Assert.hasText(channel, "Invalidation channel must not be empty");
			Assert.isTrue(heartbeatInterval.toMillis() >= 10, "Heartbeat interval must be at least 10ms");
			this.invalidationChannel = channel;
			this.heartbeatInterval = heartbeatInterval;
			return this;
		}

		/**
		 * Detect hot keys in the caches whose settings enable them
		 * ({@link CacheSettings.HotKeys}), agreeing on them with the other instances once
		 * per window over the invalidation bus (which this needs, as it needs Redis).
		 * @param window how often each instance reports its hot keys; a key cools two
		 * windows after the last report of it
		 * @return this builder
		 */
		public Builder hotKeys(Duration window) {
			Assert.isTrue(window.toMillis() >= 10, "Hot-key window must be at least 10ms");
			this.hotKeyWindow = window;
			return this;
		}

		/**
		 * Use Redis through this connection factory; without one, caches are in-process
		 * only.
		 * @param connectionFactory the connection factory, or {@code null}
		 * @return this builder
		 */
		public Builder redis(@Nullable RedisConnectionFactory connectionFactory) {
			this.connectionFactory = connectionFactory;
			return this;
		}

		/**
		 * Set the codec for values stored in Redis (default: a {@link JacksonValueCodec}
		 * allowing only the platform packages).
		 * @param codec the codec
		 * @return this builder
		 */
		public Builder valueCodec(ValueCodec codec) {
			this.codec = codec;
			return this;
		}

		/**
		 * Set the first segment of every Redis key.
		 * @param keyPrefix the prefix, such as the application name
		 * @return this builder
		 */
		public Builder keyPrefix(String keyPrefix) {
			Assert.hasText(keyPrefix, "Key prefix must not be empty");
			this.keyPrefix = keyPrefix;
			return this;
		}

		/**
		 * Set whether caches not named at build time are created on demand.
		 * @param dynamic whether unknown names create caches
		 * @return this builder
		 */
		public Builder dynamic(boolean dynamic) {
			this.dynamic = dynamic;
			return this;
		}

		/**
		 * Set the settings of caches without settings of their own.
		 * @param defaults the default settings
		 * @return this builder
		 */
		public Builder defaults(CacheSettings defaults) {
			this.defaults = defaults;
			return this;
		}

		/**
		 * Create a cache at start-up with these settings.
		 * @param name the cache name
		 * @param settings its settings
		 * @return this builder
		 */
		public Builder cache(String name, CacheSettings settings) {
			this.caches.put(name, settings);
			return this;
		}

		/**
		 * Create these caches at start-up, with the settings the resolver gives them.
		 * @param names the cache names
		 * @return this builder
		 */
		public Builder cacheNames(Collection<String> names) {
			this.cacheNames.addAll(names);
			return this;
		}

		/**
		 * Find each cache's settings with this function instead of {@link #defaults} and
		 * {@link #cache(String, CacheSettings)}.
		 * @param settingsResolver returns the settings of a cache name, or throws an
		 * exception that explains why they are invalid
		 * @return this builder
		 */
		public Builder settingsResolver(Function<String, CacheSettings> settingsResolver) {
			this.settingsResolver = settingsResolver;
			return this;
		}

		/**
		 * Run asynchronous work (Redis lookups for {@code retrieve}, namespace sweeps,
		 * Caffeine maintenance) here instead of on a pool the manager owns and Caffeine's
		 * default ({@code ForkJoinPool.commonPool()}). Tests pass {@code Runnable::run}.
		 * @param executor the executor
		 * @return this builder
		 */
		public Builder executor(Executor executor) {
			this.executor = executor;
			return this;
		}

		/**
		 * Run the periodic work (namespace maintenance, the invalidation bus's watchdog,
		 * the circuit breaker's probes) on this scheduler instead of one the manager owns
		 * (two daemon threads). The manager does not shut it down; give it at least two
		 * threads, so that a maintenance round waiting on a slow Redis does not hold up
		 * the watchdog.
		 * @param scheduler the scheduler
		 * @return this builder
		 */
		public Builder scheduler(ScheduledExecutorService scheduler) {
			this.scheduler = scheduler;
			return this;
		}

		/**
		 * Set the wall clock of entry expiry for stale-if-error and early refresh
		 * (default: a millisecond-coarse clock read without a system call; tests inject
		 * their own).
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = clock;
			return this;
		}

		/**
		 * Set the random source of early refresh (tests inject a fixed one).
		 * @param random returns numbers in [0, 1)
		 * @return this builder
		 */
		public Builder random(DoubleSupplier random) {
			this.random = random;
			return this;
		}

		/**
		 * Set the time source of in-process expiry (default: {@link CoarseTicker}).
		 * @param ticker the ticker
		 * @return this builder
		 */
		public Builder ticker(Ticker ticker) {
			this.ticker = ticker;
			return this;
		}

		/**
		 * Set whether {@link #build()} starts the manager's background work (default:
		 * yes); a manager that is a bean of an application context is started by its
		 * lifecycle instead.
		 * @param start whether to start on build
		 * @return this builder
		 */
		public Builder startOnBuild(boolean start) {
			this.startOnBuild = start;
			return this;
		}

		/**
		 * Build the manager and the caches named so far, and start it unless
		 * {@link #startOnBuild(boolean) told not to}.
		 * @return the manager
		 */
		public TieredCacheManager build() {
			TieredCacheManager manager = new TieredCacheManager(this);
			if (this.startOnBuild) {
				manager.start();
			}
			return manager;
		}

	}

}
