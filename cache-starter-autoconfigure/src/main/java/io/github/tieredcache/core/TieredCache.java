package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.tieredcache.internal.invalidation.InvalidationBus;
import io.github.tieredcache.internal.local.FillGuard;
import io.github.tieredcache.internal.local.LocalTier;
import io.github.tieredcache.internal.origin.OriginLimiter;
import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.support.AbstractValueAdaptingCache;
import org.springframework.cache.support.NullValue;
import org.springframework.util.Assert;

/**
 * A Spring {@link org.springframework.cache.Cache} over two tiers: an in-process Caffeine
 * cache (L1) and Redis shared by every instance (L2). Either tier may be switched off in
 * the {@link CacheSettings}.
 * <p>
 * Reads go L1, then L2, then the loader; an L2 hit fills L1; a load writes L2, then L1.
 * Within one JVM, concurrent misses on one key run the loader once, for
 * {@link #get(Object, Callable)} and {@link #retrieve(Object, Supplier)} alike. Keys are
 * encoded with {@link CacheKeyEncoder} and stored in Redis as
 * {@code <key-prefix>:<cache>:v<namespace-version>:<encoded key>}; {@link #clear()} moves
 * to the next namespace version in O(1) and removes the old keys in the background.
 * <p>
 * Nothing here throws because Redis failed or because an entry in Redis could not be
 * decoded: such an entry is a miss (counted in {@link #getStatistics()}, logged once and
 * deleted), a failed command is a miss or a skipped write. {@link #put(Object, Object)}
 * of {@code null} in a cache that does not cache nulls evicts the key instead of
 * throwing.
 * <p>
 * Thread-safe.
 */
public class TieredCache extends AbstractValueAdaptingCache {

	private static final Log logger = LogFactory.getLog(TieredCache.class);

	private final String name;

	private final CacheSettings settings;

	private final @Nullable RedisTier redis;

	private final EntryExpiry expiry;

	private final LocalView localView;

	private final TwoTierStore store;

	private final EarlyRefresh earlyRefresh;

	private final BatchLoad batchLoad;

	private final @Nullable NamespaceMaintenance maintenance;

	private final CacheLoads loads;

	private final CacheStatistics statistics = new CacheStatistics();

	private final Clock clock;

	private final InvalidationEvents events;

	private final @Nullable HotKeyProtection hotKeys;

	private final String keyPrefix;

	TieredCache(String name, CacheSettings settings, Infrastructure infrastructure) {
		super(settings.cacheNullValues());
		this.name = name;
		this.settings = settings;
		this.redis = settings.redisEnabled() ? infrastructure.redis() : null;
		InvalidationBus bus = (this.redis != null) ? infrastructure.bus() : null;
		this.clock = infrastructure.clock();
		this.events = infrastructure.events();
		this.keyPrefix = infrastructure.keyPrefix();
		this.expiry = new EntryExpiry(settings, this.clock);
		RedisEntries entries = new RedisEntries(name, new EntryFormat(infrastructure.codec()), this.statistics,
				this.redis);
		FillGuard guard = new FillGuard();
		HotKeyFleet fleet = (this.redis != null && settings.hotKeys().enabled()) ? infrastructure.hotKeys() : null;
		LocalTier local = settings.localEnabled() ? new LocalTier(settings.localTtl(), settings.localMaximumSize(),
				infrastructure.ticker(), infrastructure.localExecutor(), guard, fleet != null) : null;
		// an in-process tier the bus cannot vouch for may be stale
		CacheNamespace namespace = (this.redis != null)
				? new CacheNamespace(name, infrastructure.keyPrefix(), this.redis) : null;
		this.localView = new LocalView(local, guard, this.expiry, namespace, this.statistics, bus != null,
				LocalTrust.serving(bus));
		Executor executor = infrastructure.executor();
		this.store = new TwoTierStore(name, settings, this.redis, bus, namespace, this.expiry, entries, this.localView,
				this.statistics, executor, this.clock, infrastructure.observations());
		this.hotKeys = (fleet != null)
				? new HotKeyProtection(name, settings, this.redis, namespace, local, executor, fleet) : null;
		this.store.protectHotKeys(this.hotKeys);
		LeasedLoad leasedLoad = (this.redis != null) ? new LeasedLoad(this.store, settings, this.redis, entries,
				this.expiry, this.localView, this.statistics, this.clock, infrastructure.ticker()) : null;
		StaleIfError staleIfError = new StaleIfError(name, settings, this.expiry, this.localView, this.statistics,
				this.clock);
		this.earlyRefresh = new EarlyRefresh(name, settings, this.store, this.redis, this.localView, this.statistics,
				infrastructure.random(), executor);
		this.loads = new CacheLoads(settings, this.redis != null, this.store, this.localView, this.expiry, leasedLoad,
				staleIfError, this.earlyRefresh, this.statistics, this.clock, infrastructure.observations());
		this.batchLoad = new BatchLoad(name, settings, this.store, this.redis, namespace, entries, this.expiry,
				this.localView, this.statistics, infrastructure.observations());
		this.maintenance = (namespace != null) ? new NamespaceMaintenance(name, namespace, this.redis, bus, this.store,
				this.localView, this.statistics, infrastructure.ticker()) : null;
	}

	@Override
	public final String getName() {
		return this.name;
	}

	/**
	 * Return the in-process tier's Caffeine cache, or this cache itself when it has none.
	 * <p>
	 * Meant for size and statistics only: its keys are local keys (scalars and strings as
	 * they are, other keys in their encoded form) and its values the cache's stored form
	 * (Spring's {@code NullValue} for a cached {@code null}, internal wrappers for
	 * entries with their own expiry or stale-if-error data). Writing to it bypasses
	 * Redis, the invalidation bus and every guard of this cache: use this cache's own
	 * methods instead.
	 * @return the native cache
	 */
	@Override
	public Object getNativeCache() {
		Object nativeCache = this.localView.nativeCache();
		return (nativeCache != null) ? nativeCache : this;
	}

	/**
	 * Return the settings this cache was built with.
	 * @return the settings
	 */
	public CacheSettings getSettings() {
		return this.settings;
	}

	/**
	 * Return this cache's counters.
	 * @return the statistics
	 */
	public CacheStatistics getStatistics() {
		return this.statistics;
	}

	/**
	 * Return the Redis key prefix of the current namespace, learning the namespace
	 * version from Redis if it is not known yet.
	 * @return the prefix, such as {@code app:users:v3:}, or {@code null} if this cache
	 * does not use Redis or Redis cannot tell the version now
	 */
	public @Nullable String currentRedisKeyPrefix() {
		CacheNamespace.Version ns = this.store.namespace();
		return (ns != null) ? new String(ns.keyPrefix, StandardCharsets.UTF_8) : null;
	}

	/**
	 * Return the version of a key's current entry: a token that is the same on every
	 * instance and changes whenever a write stores different bytes for the key (a write
	 * of identical bytes keeps it), for HTTP validators ({@code ETag}) and conditional
	 * requests. The value is not decoded; where the cache uses Redis, the version is
	 * computed by Redis in one round trip and the value does not cross the network.
	 * Ordinary reads are unaffected.
	 * <p>
	 * Redis is the authority: an in-process copy on this instance that the invalidation
	 * bus has still to drop (see the coherence bound) may differ from the entry versioned
	 * here.
	 * @param key the key
	 * @return 40 lower-case hex characters, or {@code null} if there is no current entry
	 * (absent, being loaded, or past its logical expiry) or its version cannot be told
	 * now (Redis unavailable, a write of the key not yet applied in Redis, a value the
	 * codec cannot encode); never throws because of Redis
	 */
	public @Nullable String entryVersion(Object key) {
		return this.store.version(CacheKey.of(key));
	}

	@Override
	protected @Nullable Object lookup(Object key) {
		Object localKey = CacheKeyEncoder.localKey(key);
		Object stored = this.store.lookupLocal(localKey);
		return (stored != null) ? stored : this.store.lookupRemote(CacheKey.of(key, localKey), this.localView.stamp());
	}

	@Override
	protected @Nullable Object fromStoreValue(@Nullable Object storeValue) {
		return EntryExpiry.toValue(storeValue);
	}

	@Override
	public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
		return get(key, valueLoader, WriteOptions.DEFAULT);
	}

	/**
	 * Return the value for a key, loading and storing it on a miss as
	 * {@link #get(Object, Callable)} does, with per-write options.
	 * @param <T> the value type
	 * @param key the key
	 * @param valueLoader the loader, called at most once per key in this JVM at a time
	 * @param options how a loaded value is stored
	 * @return the value
	 * @throws ValueRetrievalException if the loader throws
	 */
	@SuppressWarnings("unchecked")
	public <T> @Nullable T get(Object key, Callable<T> valueLoader, WriteOptions options) {
		Object localKey = CacheKeyEncoder.localKey(key);
		Object stored = this.localView.get(localKey);
		if (stored instanceof Timed timed) {
			long now = this.clock.millis();
			if (timed.isFresh(now)) {
				this.statistics.localHits.increment();
				this.earlyRefresh.maybe(timed, now, localKey, key, valueLoader, options);
				return (T) fromStoreValue(stored);
			}
		}
		else if (stored != null) {
			this.statistics.localHits.increment();
			return (T) fromStoreValue(stored);
		}
		return (T) fromStoreValue(this.loads.get(CacheKey.of(key, localKey), valueLoader, options));
	}

	/**
	 * Return the values of several keys: in-process hits first, then one Redis
	 * {@code MGET} for the rest, then one call of the batch loader for what is still
	 * missing, whose results are written to Redis in one pipelined round trip and to the
	 * in-process tier.
	 * <p>
	 * A key the loader leaves out of its map counts as a {@code null} result. Batch loads
	 * are not merged with concurrent single-key loads of the same keys.
	 * @param <K> the key type
	 * @param <V> the value type
	 * @param keys the keys
	 * @param batchLoader loads the missing keys in one call
	 * @param options how loaded values are stored
	 * @return the non-null values by key, in the order of {@code keys}
	 * @throws ValueRetrievalException if the batch loader throws
	 */
	public <K, V> Map<K, V> getAll(Collection<? extends K> keys,
			Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> batchLoader, WriteOptions options) {
		return this.batchLoad.getAll(keys, batchLoader, options);
	}

	@Override
	public @Nullable CompletableFuture<?> retrieve(Object key) {
		Object localKey = CacheKeyEncoder.localKey(key);
		Object stored = this.store.lookupLocal(localKey);
		if (stored != null) {
			return CompletableFuture.completedFuture(toValueWrapper(stored));
		}
		if (this.redis == null) {
			return null;
		}
		long stamp = this.localView.stamp();
		CacheKey cacheKey = CacheKey.of(key, localKey);
		return this.store.supplyAsync(() -> toValueWrapper(this.store.lookupRemote(cacheKey, stamp)), null);
	}

	@Override
	public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
		return retrieve(key, valueLoader, WriteOptions.DEFAULT);
	}

	/**
	 * Return the value for a key without blocking, loading and storing it on a miss as
	 * {@link #retrieve(Object, Supplier)} does, with per-write options.
	 * @param <T> the value type
	 * @param key the key
	 * @param valueLoader the loader, called at most once per key in this JVM at a time
	 * @param options how a loaded value is stored
	 * @return the value, or a failed future if the loader failed (nothing is then stored)
	 */
	@SuppressWarnings("unchecked")
	public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader,
			WriteOptions options) {
		Object localKey = CacheKeyEncoder.localKey(key);
		Object stored = this.store.lookupLocal(localKey);
		if (stored != null) {
			return CompletableFuture.completedFuture((T) fromStoreValue(stored));
		}
		return this.loads.retrieve(CacheKey.of(key, localKey), valueLoader, options)
			.thenApply((value) -> (T) fromStoreValue(value));
	}

	@Override
	public void put(Object key, @Nullable Object value) {
		put(key, value, WriteOptions.DEFAULT);
	}

	/**
	 * Store a value in both tiers, with per-write options. A {@code null} value that is
	 * not to be cached evicts the key.
	 * @param key the key
	 * @param value the value
	 * @param options how the value is stored
	 */
	public void put(Object key, @Nullable Object value, WriteOptions options) {
		CacheKey cacheKey = CacheKey.of(key);
		if (value == null && !this.expiry.cachesNull(options)) {
			this.statistics.evictions.increment();
			this.store.evict(cacheKey);
			this.events.local(this, key);
			return;
		}
		this.statistics.puts.increment();
		this.store.storeWritten(cacheKey, value, options);
		this.events.written(this, key);
	}

	@Override
	public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
		if (value == null && !isAllowNullValues()) {
			return toValueWrapper(lookup(key));
		}
		Object stored = (value != null) ? value : NullValue.INSTANCE;
		Object previous = this.store.putIfAbsent(CacheKey.of(key), stored);
		if (previous == null) {
			this.statistics.puts.increment();
			this.events.written(this, key);
		}
		return toValueWrapper(previous);
	}

	@Override
	public void evict(Object key) {
		this.statistics.evictions.increment();
		this.store.evict(CacheKey.of(key));
		this.events.local(this, key);
	}

	@Override
	public boolean evictIfPresent(Object key) {
		this.statistics.evictions.increment();
		boolean present = this.store.evict(CacheKey.of(key));
		this.events.local(this, key);
		return present;
	}

	/**
	 * Remove the entry of a key known only by its encoded form (as
	 * {@link CacheKeyEncoder#encode(Object)} gives it, and as it appears in Redis keys
	 * after the namespace version), as {@link #evictIfPresent(Object)} does for the key
	 * itself: from Redis, from the in-process tier, and from the other instances'. For
	 * operations tools (the actuator endpoint), which receive keys as text.
	 * @param encodedKey the encoded key, such as {@code #long:42} or {@code alice}
	 * @return whether an entry was present (in Redis, or in the in-process tier)
	 */
	public boolean evictEncoded(String encodedKey) {
		Assert.hasLength(encodedKey, "Encoded key must not be empty");
		CacheKey key = CacheKey.ofEncoded(encodedKey);
		this.statistics.evictions.increment();
		boolean present = this.store.evict(key);
		this.events.local(this, key.key());
		return present;
	}

	/**
	 * Remove every entry: move Redis to a new namespace version (old keys are removed in
	 * the background), empty the in-process tier, and tell the other instances, which
	 * follow within the bus bound (Spring allows {@code clear()} to be asynchronous).
	 */
	@Override
	public void clear() {
		if (this.maintenance != null) {
			this.maintenance.clear();
		}
		else {
			this.localView.clear();
		}
		this.events.local(this, null);
	}

	/**
	 * Clear, and return once every other instance has applied the clear: entries are
	 * invisible to every instance's next lookup when it returns (Spring's contract). Each
	 * instance the bus heard from within the last two heartbeat intervals acknowledges
	 * the clear through a counter in Redis; this waits for those acknowledgements at most
	 * one heartbeat interval (an instance that cannot acknowledge within it has lost its
	 * subscription, and bypasses its in-process tier within the bus bound).
	 * @return {@code true} if this cache has only an in-process tier and it held entries,
	 * otherwise {@code false} (presence in Redis is not determined)
	 */
	@Override
	public boolean invalidate() {
		boolean held = false;
		if (this.redis == null && this.localView.hasTier()) {
			held = this.localView.clear();
		}
		else if (this.maintenance != null) {
			this.maintenance.invalidate();
		}
		else {
			this.localView.clear();
		}
		this.events.local(this, null);
		return held;
	}

	/**
	 * Apply another instance's invalidation of keys to the in-process tier.
	 * @param encodedKeys the encoded keys
	 */
	void invalidatedElsewhere(List<String> encodedKeys) {
		for (String encoded : encodedKeys) {
			Object localKey = CacheKeyEncoder.localKeyOf(encoded);
			this.localView.invalidate(localKey);
			this.events.remote(this, localKey);
		}
		if (this.hotKeys != null) {
			this.hotKeys.invalidatedElsewhere(encodedKeys);
		}
	}

	/**
	 * Apply another instance's clear: forget the namespace version (the next operation
	 * reads it from Redis) and empty the in-process tier.
	 */
	void clearedElsewhere(@Nullable String announced) {
		if (this.maintenance != null) {
			this.maintenance.clearedElsewhere(announced);
		}
		else {
			this.localView.clear();
		}
		this.events.remote(this, null);
	}

	/**
	 * Fill the in-process tier from Redis for keys it does not hold yet, with one
	 * {@code MGET}, as a new instance's warming does: nothing is loaded, written to Redis
	 * or published, and nothing counts as a hit or a miss. Only fresh entries are
	 * installed, and none over an invalidation that arrives meanwhile.
	 * @param keys the keys, as the application writes them
	 * @return the keys found in neither tier, in the order given
	 */
	public List<Object> fillLocalFromRedis(Collection<?> keys) {
		List<CacheKey> cacheKeys = new ArrayList<>(keys.size());
		for (Object key : new LinkedHashSet<>(keys)) {
			cacheKeys.add(CacheKey.of(key));
		}
		return this.batchLoad.fillLocal(cacheKeys).stream().map(CacheKey::key).toList();
	}

	/**
	 * Fill the in-process tier from Redis for keys known by their encoded form (as
	 * {@link #scanEncodedKeys(int)} returns them), as
	 * {@link #fillLocalFromRedis(Collection)} does.
	 * @param encodedKeys the encoded keys
	 * @return how many keys were found in either tier
	 */
	public int fillLocalFromRedisEncoded(List<String> encodedKeys) {
		List<CacheKey> cacheKeys = encodedKeys.stream().map(CacheKey::ofEncoded).toList();
		return cacheKeys.size() - this.batchLoad.fillLocal(cacheKeys).size();
	}

	/**
	 * Return the encoded keys this cache holds in Redis under its current namespace
	 * version, found with {@code SCAN} (never {@code KEYS}; on every master of a
	 * cluster). For warming: meant for a background thread.
	 * @param max the most keys to return
	 * @return the encoded keys, in no particular order; empty without Redis, when the
	 * namespace version cannot be read, or when a command fails (logged)
	 */
	public List<String> scanEncodedKeys(int max) {
		CacheNamespace.Version ns = (this.redis != null) ? this.store.namespace() : null;
		if (ns == null) {
			return List.of();
		}
		String prefix = new String(ns.keyPrefix, StandardCharsets.UTF_8);
		byte[] pattern = (NamespaceMaintenance.globEscape(prefix) + "*").getBytes(StandardCharsets.UTF_8);
		List<String> encoded = new ArrayList<>();
		for (byte[] key : this.redis.scanKeys(pattern, max)) {
			encoded.add(new String(key, StandardCharsets.UTF_8).substring(prefix.length()));
		}
		return encoded;
	}

	/**
	 * Limit the loads this cache runs against its origin at once (the cold-start ramp).
	 * With none (the default) the miss path reads one volatile field; the hit path
	 * nothing. A limiter that answers {@code ENDED} is dropped by the cache.
	 * @param limiter the limiter, or {@code null} for none
	 */
	public void limitOrigin(@Nullable OriginLimiter limiter) {
		this.store.limitOrigin(limiter);
	}

	LocalView localView() {
		return this.localView;
	}

	/**
	 * Return whether the in-process tier is serving (it is bypassed while the
	 * invalidation bus cannot vouch for it).
	 * @return whether lookups use the in-process tier
	 */
	public boolean isLocalTierServing() {
		return this.localView.isServing();
	}

	/**
	 * Re-read the namespace version and apply what this instance remembered: called by
	 * the manager periodically and when Redis is back.
	 */
	void maintainNamespace() {
		if (this.maintenance != null) {
			this.maintenance.maintain();
		}
	}

	/**
	 * Return how many writes of this cache wait to be applied in Redis.
	 * @return the count (a remembered clear counts as one)
	 */
	int pendingWrites() {
		return (this.maintenance != null) ? this.maintenance.pendingWrites() : 0;
	}

	/**
	 * Return the keys the fleet agrees are hot in this cache (see the hot-keys settings):
	 * pinned in the in-process tier and, with replicas, read from several copies in
	 * Redis.
	 * @return the hot keys in their encoded form (as Redis and the bus name them), empty
	 * when hot keys are off for this cache
	 */
	public Set<String> getHotKeys() {
		return (this.hotKeys != null) ? this.hotKeys.hotKeys() : Set.of();
	}

	/**
	 * Return the hot set the fleet last recorded in Redis for this cache, for warming a
	 * new instance.
	 * @return the encoded keys, empty without Redis, without a recorded hot set, or when
	 * Redis cannot tell now
	 */
	public List<String> getRecordedHotKeys() {
		return (this.redis != null) ? HotKeyFleet.recordedHotSet(this.redis, this.keyPrefix, this.name) : List.of();
	}

	@Nullable HotKeyProtection hotKeyProtection() {
		return this.hotKeys;
	}

}
