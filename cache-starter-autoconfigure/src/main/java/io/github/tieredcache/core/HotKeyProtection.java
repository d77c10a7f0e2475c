package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.hotkeys.HotKeyCounter;
import io.github.tieredcache.internal.hotkeys.HotKeyTracker;
import io.github.tieredcache.internal.hotkeys.ReplicaPlacement;
import io.github.tieredcache.internal.local.LocalTier;
import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * What a cache does for its hot keys: counts its Redis reads (the in-process misses) for
 * the fleet's {@link HotKeyTracker}; pins the keys the fleet agrees are hot in the
 * in-process tier; and, with more than one copy configured, keeps their Redis value also
 * in replicas ({@link ReplicaPlacement}) that reads pick among at random.
 * <p>
 * Replicas follow the primary key: after every write, fill or eviction of a hot key in
 * Redis, its writer reads the primary (value and time to live, one script) and copies it
 * to the replicas, then reads the primary again and copies what it finds until the two
 * agree (a lease or nothing deletes the replicas), so that of several racing writers the
 * last to copy leaves the replicas as the primary is; an eviction deletes them after the
 * primary. A clear needs nothing: replicas carry the namespace version in their key. A
 * key that turns hot gets its replicas from the primary before any read uses them, and
 * loses them when it cools. While instances may still disagree on a key (two windows
 * after it turned hot), an instance that hears of another's write of it copies the
 * primary to the replicas again. Leases stay on the primary. Thread-safe.
 */
final class HotKeyProtection implements HotKeyTracker.Listener {

	private static final Log logger = LogFactory.getLog(TieredCache.class);

	private static final int MAX_COPY_ROUNDS = 4;

	// the primary's remaining time to live in milliseconds, ':', and its bytes, in one
	// round trip
	private static final byte[] READ_PRIMARY = ("local v = redis.call('GET', KEYS[1]) if not v then return false end "
			+ "return redis.call('PTTL', KEYS[1]) .. ':' .. v")
		.getBytes(StandardCharsets.US_ASCII);

	private final String name;

	private final CacheSettings settings;

	private final HotKeyCounter counter;

	private final RedisTier redis;

	private final CacheNamespace namespace;

	private final @Nullable LocalTier local;

	private final Executor executor;

	private final HotKeyFleet fleet;

	private final Ticker ticker;

	private final Map<String, HotKey> hot = new ConcurrentHashMap<>();

	final LongAdder replicaReads = new LongAdder();

	final LongAdder replicaMisses = new LongAdder();

	final LongAdder replicaCopies = new LongAdder();

	HotKeyProtection(String name, CacheSettings settings, RedisTier redis, CacheNamespace namespace,
			@Nullable LocalTier local, Executor executor, HotKeyFleet fleet) {
		this.name = name;
		this.settings = settings;
		this.counter = new HotKeyCounter(settings.hotKeys().topK(), settings.hotKeys().threshold());
		this.redis = redis;
		this.namespace = namespace;
		this.local = local;
		this.executor = executor;
		this.fleet = fleet;
		this.ticker = fleet.ticker();
		fleet.tracker().register(name, this.counter, this);
	}

	/**
	 * Count a Redis read of a key (an in-process miss).
	 */
	void recordRead(String encoded) {
		this.counter.record(encoded);
	}

	/**
	 * Return the key to read a key's value from: the primary, or for a hot key with
	 * replicas ready one of its copies at random.
	 */
	byte[] readKey(byte[] primary, String encoded) {
		HotKey key = this.hot.get(encoded);
		if (key == null || !key.readable) {
			return primary;
		}
		int[] suffixes = suffixes(key, primary);
		int pick = ThreadLocalRandom.current().nextInt(suffixes.length + 1);
		if (pick == 0) {
			return primary;
		}
		this.replicaReads.increment();
		return ReplicaPlacement.replicaKey(replicaBase(primary), suffixes[pick - 1]);
	}

	/**
	 * Note that a replica read found nothing (the caller then reads the primary).
	 */
	void replicaMissed() {
		this.replicaMisses.increment();
	}

	/**
	 * Copy a value to a hot key's replicas, then bring them in line with the primary
	 * (tests use it to play a writer whose copy lands late).
	 * @param primary the primary key
	 * @param encoded the encoded key
	 * @param bytes what was stored
	 * @param ttl its time to live
	 */
	void written(byte[] primary, String encoded, byte[] bytes, Duration ttl) {
		HotKey key = this.hot.get(encoded);
		if (key != null) {
			copy(primary, suffixes(key, primary), bytes, ttl);
		}
	}

	/**
	 * Bring a hot key's replicas in line with its primary after this instance wrote or
	 * deleted the primary (every Redis write path of the cache ends in this call).
	 * @param encoded the encoded key
	 */
	void changed(String encoded) {
		HotKey key = this.hot.get(encoded);
		if (key != null && repair(encoded, key)) {
			// the copy made when the key turned hot may have been skipped (executor full)
			key.readable = true;
		}
	}

	/**
	 * Another instance wrote or evicted keys: while the fleet may still disagree about a
	 * key that turned hot recently, that instance may not have copied it.
	 */
	void invalidatedElsewhere(Collection<String> encodedKeys) {
		long recent = this.ticker.read() - 2 * this.fleet.windowNanos();
		for (String encoded : encodedKeys) {
			HotKey key = this.hot.get(encoded);
			if (key != null && key.since - recent > 0) {
				async(() -> repair(encoded, key));
			}
		}
	}

	@Override
	public void hot(String encoded) {
		HotKey key = new HotKey(this.ticker.read());
		if (this.hot.putIfAbsent(encoded, key) != null) {
			return;
		}
		if (this.local != null) {
			this.local.pin(CacheKeyEncoder.localKeyOf(encoded));
		}
		async(() -> {
			if (repair(encoded, key)) {
				key.readable = true;
			}
		});
	}

	@Override
	public void cooled(String encoded) {
		HotKey key = this.hot.remove(encoded);
		if (key == null) {
			return;
		}
		key.readable = false;
		if (this.local != null) {
			this.local.unpin(CacheKeyEncoder.localKeyOf(encoded));
		}
		CacheNamespace.Version ns = this.namespace.current();
		if (ns != null && copies() > 1) {
			byte[] primary = ns.redisKey(encoded);
			async(() -> this.redis.deleteAll(replicaKeys(primary, suffixes(key, primary))));
		}
	}

	/**
	 * Copy the primary's value to a hot key's replicas.
	 * @return whether the replicas now hold what the primary holds
	 */
	private boolean repair(String encoded, HotKey key) {
		CacheNamespace.Version ns = this.namespace.current();
		if (ns == null) {
			return false;
		}
		byte[] primary = ns.redisKey(encoded);
		int[] suffixes = suffixes(key, primary);
		if (suffixes.length == 0) {
			return true;
		}
		Primary current = readPrimary(primary);
		return copy(primary, suffixes, current.bytes, current.ttl);
	}

	/**
	 * Put a value (or nothing) in every replica, then read the primary again and copy
	 * what it holds until the two agree: the last writer to copy leaves the replicas as
	 * the primary is. Past a few rounds of a primary that keeps changing, or when Redis
	 * fails, the replicas are deleted (reads then fall back to the primary).
	 * @return whether the replicas hold what the primary held at the last read
	 */
	private boolean copy(byte[] primary, int[] suffixes, byte @Nullable [] bytes, @Nullable Duration ttl) {
		if (suffixes.length == 0) {
			return true;
		}
		List<byte[]> replicas = replicaKeys(primary, suffixes);
		byte[] copied = bytes;
		Duration copiedTtl = ttl;
		for (int round = 0; round < MAX_COPY_ROUNDS; round++) {
			boolean applied = (copied != null)
					? this.redis.setAll(entries(replicas, copied), Collections.nCopies(replicas.size(), copiedTtl))
					: this.redis.deleteAll(replicas);
			this.replicaCopies.increment();
			if (!applied) {
				break;
			}
			Primary now = readPrimary(primary);
			if (now.failed) {
				break;
			}
			if (Arrays.equals(now.bytes, copied)) {
				return true;
			}
			copied = now.bytes;
			copiedTtl = now.ttl;
		}
		if (!this.redis.deleteAll(replicas)) {
			logger.warn("tiered-cache: replicas of a hot key of cache '" + this.name
					+ "' could be neither updated nor deleted; they expire with their time to live");
		}
		return false;
	}

	private Primary readPrimary(byte[] primary) {
		if (!this.redis.isAvailable()) {
			return Primary.FAILED;
		}
		byte[] reply = this.redis.evalReadOnly("hot key copy", READ_PRIMARY, primary);
		if (reply == null) {
			return Primary.ABSENT;
		}
		int colon = 0;
		while (colon < reply.length && reply[colon] != ':') {
			colon++;
		}
		long pttl = Long.parseLong(new String(reply, 0, colon, StandardCharsets.US_ASCII));
		byte[] bytes = Arrays.copyOfRange(reply, Math.min(reply.length, colon + 1), reply.length);
		if (EntryFormat.isLease(bytes)) {
			return Primary.ABSENT;
		}
		return new Primary(bytes, (pttl > 0) ? Duration.ofMillis(pttl) : this.settings.ttl(), false);
	}

	private static List<Map.Entry<byte[], byte[]>> entries(List<byte[]> keys, byte[] value) {
		List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>(keys.size());
		for (byte[] key : keys) {
			entries.add(Map.entry(key, value));
		}
		return entries;
	}

	private List<byte[]> replicaKeys(byte[] primary, int[] suffixes) {
		byte[] base = replicaBase(primary);
		List<byte[]> keys = new ArrayList<>(suffixes.length);
		for (int suffix : suffixes) {
			keys.add(ReplicaPlacement.replicaKey(base, suffix));
		}
		return keys;
	}

	/**
	 * Return the start of a key's replica names: its data key with the version segment
	 * {@code v<token>} turned into {@code h<token>}, so that no replica is the data key
	 * of another key (a string key may end in {@code #r1}).
	 */
	private byte[] replicaBase(byte[] primary) {
		byte[] base = primary.clone();
		int offset = this.namespace.versionSegmentOffset();
		if (base[offset] != 'v') {
			throw new IllegalStateException("Not a data key of cache '" + this.name + "'");
		}
		base[offset] = 'h';
		return base;
	}

	private int copies() {
		int replicas = this.settings.hotKeys().replicas();
		return (replicas > 0) ? replicas : this.fleet.placement().masters();
	}

	private int[] suffixes(HotKey key, byte[] primary) {
		Placed placed = key.placed;
		ReplicaPlacement placement = this.fleet.placement();
		if (placed == null || placed.placement != placement || !Arrays.equals(placed.primary, primary)) {
			placed = new Placed(placement, primary, placement.suffixes(primary, replicaBase(primary), copies()));
			key.placed = placed;
		}
		return placed.suffixes;
	}

	private void async(Runnable work) {
		try {
			this.executor.execute(() -> {
				try {
					work.run();
				}
				catch (RuntimeException ex) {
					logger.warn("tiered-cache: hot-key work of cache '" + this.name + "' failed", ex);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			logger.debug("tiered-cache: hot-key work of cache '" + this.name + "' skipped: executor saturated");
		}
	}

	/**
	 * Return the hot keys the fleet agrees on, encoded.
	 */
	Set<String> hotKeys() {
		return Collections.unmodifiableSet(this.hot.keySet());
	}

	/**
	 * Return how many copies a hot key's Redis value has, primary included.
	 */
	int copyCount() {
		return Math.max(1, Math.min(copies(), ReplicaPlacement.MAX_COPIES));
	}

	/**
	 * Return the replica keys of a hot key now (for tests and operations).
	 */
	List<byte[]> replicaKeysOf(String encoded) {
		HotKey key = this.hot.get(encoded);
		CacheNamespace.Version ns = this.namespace.current();
		if (key == null || ns == null) {
			return List.of();
		}
		byte[] primary = ns.redisKey(encoded);
		return replicaKeys(primary, suffixes(key, primary));
	}

	/**
	 * Return whether a hot key's replicas are read.
	 */
	boolean replicasReadable(String encoded) {
		HotKey key = this.hot.get(encoded);
		return key != null && key.readable;
	}

	ReplicaPlacement placementForTests() {
		return this.fleet.placement();
	}

	HotKeyCounter counter() {
		return this.counter;
	}

	private static final class HotKey {

		final long since;

		volatile boolean readable;

		volatile @Nullable Placed placed;

		HotKey(long since) {
			this.since = since;
		}

	}

	private record Placed(ReplicaPlacement placement, byte[] primary, int[] suffixes) {
	}

	private record Primary(byte @Nullable [] bytes, @Nullable Duration ttl, boolean failed) {

		static final Primary ABSENT = new Primary(null, null, false);

		static final Primary FAILED = new Primary(null, null, true);

	}

}
