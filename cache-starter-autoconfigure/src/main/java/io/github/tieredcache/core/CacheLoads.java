package io.github.tieredcache.core;

import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.internal.observation.CacheObservations.Observed;
import io.github.tieredcache.internal.observation.CacheObservations.Operation;
import io.github.tieredcache.internal.observation.CacheObservations.Outcome;
import io.github.tieredcache.internal.origin.OriginLimiter;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache.ValueRetrievalException;

/**
 * The misses of one cache: at most one load per key in this JVM at a time, for blocking
 * and non-blocking callers alike, going down the tiers once per miss — the in-process
 * tier again (another thread may have filled it), Redis, then the loader under a lease,
 * with stale-if-error and early refresh where the settings ask for them. Values are in
 * their stored form ({@link EntryExpiry}); the adapter turns them into the caller's.
 */
final class CacheLoads {

	private final ConcurrentMap<Object, CompletableFuture<Object>> loads = new ConcurrentHashMap<>();

	private final CacheSettings settings;

	private final boolean remote;

	private final TwoTierStore store;

	private final LocalView localView;

	private final EntryExpiry expiry;

	private final @Nullable LeasedLoad leasedLoad;

	private final StaleIfError staleIfError;

	private final EarlyRefresh earlyRefresh;

	private final CacheStatistics statistics;

	private final Clock clock;

	private final CacheObservations observations;

	CacheLoads(CacheSettings settings, boolean remote, TwoTierStore store, LocalView localView, EntryExpiry expiry,
			@Nullable LeasedLoad leasedLoad, StaleIfError staleIfError, EarlyRefresh earlyRefresh,
			CacheStatistics statistics, Clock clock, CacheObservations observations) {
		this.settings = settings;
		this.remote = remote;
		this.store = store;
		this.localView = localView;
		this.expiry = expiry;
		this.leasedLoad = leasedLoad;
		this.staleIfError = staleIfError;
		this.earlyRefresh = earlyRefresh;
		this.statistics = statistics;
		this.clock = clock;
		this.observations = observations;
	}

	/**
	 * The miss of a blocking read: join a load of the key in progress, or look in both
	 * tiers and load.
	 */
	<T> Object get(CacheKey key, Callable<T> valueLoader, WriteOptions options) {
		Object localKey = key.local();
		CompletableFuture<Object> load = new CompletableFuture<>();
		CompletableFuture<Object> running = this.loads.putIfAbsent(localKey, load);
		if (running != null) {
			Object joined = join(running);
			// answered in this JVM without a Redis read or a load of its own
			this.statistics.localHits.increment();
			return joined;
		}
		try {
			long stamp = this.localView.stamp();
			Object candidate = this.localView.get(localKey);
			Object stored = this.expiry.fresh(candidate);
			if (stored != null) {
				this.statistics.localHits.increment();
			}
			else {
				Object remote = this.store.lookupRemoteRaw(key, stamp, false);
				stored = this.expiry.fresh(remote);
				// a stale copy in either tier can stand in if the load fails
				candidate = (remote != null) ? remote : candidate;
			}
			if (stored == null) {
				// over the origin limit (cold-start ramp), a stale value is served
				// rather than loading anyway
				boolean staleServable = candidate instanceof Timed timed && this.expiry.staleMillisLeft(timed) > 0;
				try {
					if (this.leasedLoad != null && this.settings.lease().enabled()) {
						// counts a miss, or a Redis hit if the value appears while it
						// waits
						stored = this.leasedLoad.load(key, valueLoader, options, stamp, staleServable);
					}
					else {
						this.statistics.misses.increment();
						stored = this.store.storeLoaded(key,
								this.store.callLoader(key.key(), valueLoader, staleServable), options, stamp);
					}
				}
				catch (ValueRetrievalException ex) {
					if (!(candidate instanceof Timed stale)) {
						throw ex;
					}
					stored = this.staleIfError.serve(localKey, stale, ex);
				}
			}
			else if (stored instanceof Timed timed) {
				this.earlyRefresh.maybe(timed, this.clock.millis(), localKey, key.key(), valueLoader, options);
			}
			load.complete(stored);
			return stored;
		}
		catch (RuntimeException | Error ex) {
			load.completeExceptionally(ex);
			throw ex;
		}
		finally {
			this.loads.remove(localKey, load);
		}
	}

	/**
	 * The miss of a non-blocking read: join a load of the key in progress, or look in
	 * Redis and load, off the caller's thread.
	 */
	<T> CompletableFuture<Object> retrieve(CacheKey key, Supplier<CompletableFuture<T>> valueLoader,
			WriteOptions options) {
		Object localKey = key.local();
		CompletableFuture<Object> load = new CompletableFuture<>();
		CompletableFuture<Object> running = this.loads.putIfAbsent(localKey, load);
		if (running != null) {
			return running.thenApply((value) -> {
				this.statistics.localHits.increment();
				return value;
			});
		}
		long stamp = this.localView.stamp();
		CompletableFuture<@Nullable Object> remote = this.remote
				? this.store.supplyAsync(() -> this.store.lookupRemote(key, stamp), null)
				: CompletableFuture.completedFuture(null);
		remote
			.thenCompose((found) -> (found != null) ? CompletableFuture.completedFuture(found)
					: loadAsync(key, valueLoader, options, stamp))
			.whenComplete((value, ex) -> {
				if (ex != null) {
					load.completeExceptionally((ex instanceof CompletionException) ? ex.getCause() : ex);
				}
				else {
					load.complete(value);
				}
				this.loads.remove(localKey, load);
			});
		return load;
	}

	private <T> CompletableFuture<Object> loadAsync(CacheKey key, Supplier<CompletableFuture<T>> valueLoader,
			WriteOptions options, long stamp) {
		CompletableFuture<TwoTierStore.@Nullable Claim> claimed = this.store.leasesApply()
				? this.store.supplyAsync(() -> this.store.claim(key), null) : CompletableFuture.completedFuture(null);
		OriginLimiter limiter = this.store.originLimiter();
		CompletableFuture<OriginLimiter.@Nullable Permit> permitted = (limiter != null) ? limiter.acquireAsync()
				: CompletableFuture.completedFuture(null);
		CompletableFuture<Claimed> both = claimed.thenCombine(permitted, Claimed::new);
		// a claim that failed never reaches the load: its permit is given back here
		both.whenComplete((ignored, ex) -> {
			if (ex != null) {
				permitted.thenAccept((permit) -> {
					if (permit != null) {
						permit.release();
					}
				});
			}
		});
		return both.thenCompose((claimedAndPermit) -> {
			TwoTierStore.Claim claim = claimedAndPermit.claim();
			OriginLimiter.Permit permit = claimedAndPermit.permit();
			if (permit == OriginLimiter.Permit.ENDED) {
				this.store.limitOrigin(null);
			}
			this.statistics.loads.increment();
			long started = System.nanoTime();
			Observed observed = this.observations.start(Operation.LOAD, this.store.name());
			CompletableFuture<T> loaded;
			try (CacheObservations.Scope scope = (observed != null) ? observed.openScope() : null) {
				loaded = valueLoader.get();
				if (loaded == null) {
					loaded = CompletableFuture.failedFuture(new IllegalStateException(
							"The value loader of cache key '" + key.key() + "' returned no future"));
				}
			}
			catch (RuntimeException | Error ex) {
				loaded = CompletableFuture.failedFuture(ex);
			}
			loaded = loaded.whenComplete((value, ex) -> {
				if (permit != null) {
					permit.release();
				}
				this.statistics.recordLoad(ex == null, System.nanoTime() - started);
				if (observed != null) {
					if (ex == null) {
						observed.stop(Outcome.SUCCESS);
					}
					else {
						observed.stop(Outcome.FAILURE,
								(ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex);
					}
				}
			});
			// a failed load releases its lease before the caller hears of the failure
			CompletableFuture<T> released = loaded.exceptionallyCompose((ex) -> {
				if (claim == null || claim.lease() == null) {
					return CompletableFuture.failedFuture(ex);
				}
				return this.store.supplyAsync(() -> {
					this.store.release(claim);
					return null;
				}, null).thenCompose((ignored) -> CompletableFuture.<T>failedFuture(ex));
			});
			return released.thenCompose((value) -> this.store.supplyAsync(
					() -> (claim != null)
							? this.store.storeClaimed(key, claim, new TwoTierStore.Loaded(value, 0), options, stamp)
							: this.store.leasesApply()
									? this.store.storeUnclaimed(key, new TwoTierStore.Loaded(value, 0), options, stamp)
									: this.store.storeLoaded(key, new TwoTierStore.Loaded(value, 0), options, stamp),
					// saturated: the value goes to the caller unstored (the lease
					// expires)
					() -> this.expiry.timed(EntryExpiry.toStored(value), 0, options)));
		});
	}

	/**
	 * A claim (or none) and an origin permit (or none), taken concurrently before a
	 * non-blocking load. A caller over the origin limit past its wait loads anyway: it
	 * has no stale value to serve on this path.
	 */
	private record Claimed(TwoTierStore.@Nullable Claim claim, OriginLimiter.@Nullable Permit permit) {
	}

	private static Object join(CompletableFuture<Object> load) {
		try {
			return load.get();
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw new IllegalStateException(cause);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for another thread's load", ex);
		}
	}

}
