package io.github.tieredcache.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.internal.observation.CacheObservations.Observed;
import io.github.tieredcache.internal.observation.CacheObservations.Operation;
import io.github.tieredcache.internal.observation.CacheObservations.Outcome;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.redis.RedisTier.SetIfAbsentResult;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache.ValueRetrievalException;
import org.springframework.cache.support.NullValue;

/**
 * Reads of several keys: in-process hits first, then one {@code MGET} for the rest, then
 * one call of a batch loader for what is still missing. The missing keys are claimed with
 * leases in one batch before the batch loader runs and filled in one batch of
 * compare-and-set scripts, so a write racing the batch load wins, as it does against a
 * single-key load. Thread-safe.
 */
final class BatchLoad {

	private final String name;

	private final CacheSettings settings;

	private final TwoTierStore store;

	private final @Nullable RedisTier redis;

	private final @Nullable CacheNamespace namespace;

	private final RedisEntries entries;

	private final EntryExpiry expiry;

	private final LocalView localView;

	private final CacheStatistics statistics;

	private final CacheObservations observations;

	BatchLoad(String name, CacheSettings settings, TwoTierStore store, @Nullable RedisTier redis,
			@Nullable CacheNamespace namespace, RedisEntries entries, EntryExpiry expiry, LocalView localView,
			CacheStatistics statistics, CacheObservations observations) {
		this.name = name;
		this.settings = settings;
		this.store = store;
		this.redis = redis;
		this.namespace = namespace;
		this.entries = entries;
		this.expiry = expiry;
		this.localView = localView;
		this.statistics = statistics;
		this.observations = observations;
	}

	@SuppressWarnings("unchecked")
	<K, V> Map<K, V> getAll(Collection<? extends K> keys,
			Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> batchLoader, WriteOptions options) {
		Map<Object, Object> found = new LinkedHashMap<>();
		List<CacheKey> missing = new ArrayList<>();
		long stamp = this.localView.stamp();
		for (K key : new LinkedHashSet<>(keys)) {
			Object localKey = CacheKeyEncoder.localKey(key);
			Object stored = this.store.lookupLocal(localKey);
			if (stored != null) {
				found.put(key, stored);
			}
			else {
				missing.add(CacheKey.of(key, localKey));
			}
		}
		CacheNamespace.Version ns = (!missing.isEmpty() && this.redis != null) ? this.store.namespace() : null;
		if (ns != null) {
			List<byte[]> redisKeys = new ArrayList<>(missing.size());
			List<Boolean> pending = new ArrayList<>(missing.size());
			for (CacheKey key : missing) {
				redisKeys.add(ns.redisKey(key.encoded()));
				pending.add(this.namespace.journal().isPending(key.encoded()));
			}
			Observed observed = this.observations.start(Operation.REDIS_READ, this.name);
			List<byte @Nullable []> values;
			try {
				values = this.redis.getAll(redisKeys);
			}
			catch (RuntimeException | Error ex) {
				if (observed != null) {
					observed.stop(Outcome.ERROR, ex);
				}
				throw ex;
			}
			for (int i = 0; i < missing.size(); i++) {
				// a stale entry (kept for stale-if-error) is no hit: the key is loaded
				Object stored = pending.get(i) ? null
						: this.expiry.fresh(this.entries.decode(redisKeys.get(i), values.get(i)));
				if (stored != null) {
					this.statistics.redisHits.increment();
					this.localView.fill(missing.get(i).local(), stored, WriteOptions.DEFAULT, stamp);
					found.put(missing.get(i).key(), stored);
				}
			}
			missing.removeIf((key) -> found.containsKey(key.key()));
			if (observed != null) {
				observed.stop(this.store.readOutcome(missing.isEmpty()));
			}
		}
		if (!missing.isEmpty()) {
			this.statistics.misses.add(missing.size());
			found.putAll(loadAll(missing, batchLoader, options, ns, stamp));
		}
		Map<K, V> result = new LinkedHashMap<>();
		for (K key : keys) {
			Object value = EntryExpiry.toValue(found.get(key));
			if (value != null) {
				result.put(key, (V) value);
			}
		}
		return result;
	}

	/**
	 * Fill the in-process tier from Redis for keys it does not hold, with one
	 * {@code MGET}; for cache warming, so nothing is counted as a hit or a miss. Only
	 * fresh entries are installed, each through the fill guard.
	 * @return the keys found in neither tier (a key with a write still to be applied in
	 * Redis counts as found: it must not be loaded over)
	 */
	List<CacheKey> fillLocal(List<CacheKey> keys) {
		List<CacheKey> absent = new ArrayList<>();
		List<CacheKey> wanted = new ArrayList<>();
		for (CacheKey key : keys) {
			if (this.localView.get(key.local()) == null) {
				wanted.add(key);
			}
		}
		CacheNamespace.Version ns = (!wanted.isEmpty() && this.redis != null) ? this.store.namespace() : null;
		if (ns == null) {
			return wanted;
		}
		long stamp = this.localView.stamp();
		List<byte[]> redisKeys = new ArrayList<>(wanted.size());
		for (CacheKey key : wanted) {
			redisKeys.add(ns.redisKey(key.encoded()));
		}
		List<byte @Nullable []> values = this.redis.getAll(redisKeys);
		for (int i = 0; i < wanted.size(); i++) {
			CacheKey key = wanted.get(i);
			if (this.namespace.journal().isPending(key.encoded())) {
				continue;
			}
			byte[] bytes = (i < values.size()) ? values.get(i) : null;
			Object stored = this.expiry.fresh(this.entries.decode(redisKeys.get(i), bytes));
			if (stored != null) {
				this.localView.fill(key.local(), stored, WriteOptions.DEFAULT, stamp);
			}
			else {
				absent.add(key);
			}
		}
		return absent;
	}

	@SuppressWarnings("unchecked")
	private <K, V> Map<Object, Object> loadAll(List<CacheKey> missing,
			Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> batchLoader, WriteOptions options,
			CacheNamespace.@Nullable Version ns, long stamp) {
		List<byte[]> redisKeys = new ArrayList<>(missing.size());
		if (ns != null) {
			for (CacheKey key : missing) {
				redisKeys.add(ns.redisKey(key.encoded()));
			}
		}
		// claim the keys before loading, as single-key loads do, so that a write racing
		// the
		// batch load wins
		LeaseStore leases = this.store.leases();
		byte[] lease = (ns != null && this.store.leasesApply()) ? leases.newLease() : null;
		List<SetIfAbsentResult> claims = (lease != null) ? leases.claimAll(redisKeys, lease) : null;
		this.statistics.loads.increment();
		Set<K> request = new LinkedHashSet<>();
		missing.forEach((key) -> request.add((K) key.key()));
		Map<? extends K, ? extends V> loaded;
		long started = System.nanoTime();
		Observed observed = this.observations.start(Operation.LOAD, this.name);
		try {
			try (CacheObservations.Scope scope = (observed != null) ? observed.openScope() : null) {
				loaded = batchLoader.apply(request);
			}
			this.statistics.recordLoad(true, System.nanoTime() - started);
			if (observed != null) {
				observed.stop(Outcome.SUCCESS);
			}
		}
		catch (RuntimeException ex) {
			this.statistics.recordLoad(false, System.nanoTime() - started);
			if (observed != null) {
				observed.stop(Outcome.FAILURE, ex);
			}
			if (claims != null) {
				for (int i = 0; i < claims.size(); i++) {
					if (claims.get(i).outcome() == SetIfAbsentResult.Outcome.STORED) {
						leases.release(redisKeys.get(i), lease);
					}
				}
			}
			throw new ValueRetrievalException(request, () -> batchLoader, ex);
		}
		Map<Object, Object> stored = new LinkedHashMap<>();
		List<Map.Entry<byte[], byte[]>> plain = new ArrayList<>();
		List<Duration> plainTtls = new ArrayList<>();
		List<String> plainKeys = new ArrayList<>();
		List<Integer> claimed = new ArrayList<>();
		List<byte[]> claimedValues = new ArrayList<>();
		List<Duration> claimedTtls = new ArrayList<>();
		for (int i = 0; i < missing.size(); i++) {
			CacheKey key = missing.get(i);
			V value = loaded.get(key.key());
			Object localKey = key.local();
			Object storeValue = (value != null) ? value : NullValue.INSTANCE;
			stored.put(key.key(), storeValue);
			boolean store = this.expiry.storable(storeValue, options)
					&& !this.localView.invalidatedSince(localKey, stamp);
			SetIfAbsentResult.Outcome claim = (claims != null) ? claims.get(i).outcome() : null;
			if (claim == SetIfAbsentResult.Outcome.PRESENT) {
				// another value or load is there: this one goes to the caller only
				continue;
			}
			byte[] bytes = (store && ns != null) ? this.entries.encode(storeValue) : null;
			if (claim == SetIfAbsentResult.Outcome.STORED) {
				if (bytes == null) {
					leases.release(redisKeys.get(i), lease);
				}
				else {
					claimed.add(i);
					claimedValues.add(bytes);
					claimedTtls.add(this.expiry.redisTtl(storeValue, options));
				}
				continue;
			}
			if (bytes != null) {
				plain.add(Map.entry(redisKeys.get(i), bytes));
				plainTtls.add(this.expiry.redisTtl(storeValue, options));
				plainKeys.add(key.encoded());
			}
			if (store) {
				this.localView.fill(localKey, storeValue, options, stamp);
			}
		}
		if (this.redis != null && !plain.isEmpty()) {
			// fills, not writes: one that missed Redis leaves nothing to correct there
			this.redis.setAll(plain, plainTtls);
			plainKeys.forEach(this.store::published);
		}
		if (!claimed.isEmpty()) {
			List<byte[]> keys = claimed.stream().map(redisKeys::get).toList();
			List<Boolean> filled = leases.replaceAll(keys, lease, claimedValues, claimedTtls);
			for (int n = 0; n < claimed.size(); n++) {
				int i = claimed.get(n);
				if (filled.get(n)) {
					CacheKey key = missing.get(i);
					this.localView.fill(key.local(), stored.get(key.key()), options, stamp);
					this.store.published(key.encoded());
				}
				else {
					this.statistics.rejectedFills.increment();
				}
			}
		}
		return stored;
	}

}
