package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.redis.RedisTier.SetIfAbsentResult;
import org.jspecify.annotations.Nullable;

/**
 * The leases of one cache in Redis: a lease is a token stored in the key itself while its
 * value is loaded ({@link EntryFormat#newLease() its format}: a marker byte readers
 * recognise, then 16 random bytes), so that exactly one loader per key holds it
 * fleet-wide, and a write or eviction that lands meanwhile voids it. Owns the Lua scripts
 * that fill and release a lease only while it is still the one set; every command goes
 * through the caches' command path and fails open (a failed claim is no claim, a failed
 * fill stores nothing). Keys and scripts touch one key each, so one slot on a cluster.
 * Thread-safe.
 */
final class LeaseStore {

	// replace the value only while the key holds the expected one (a lease, or the
	// entry a refresh or take-over began from)
	private static final byte[] REPLACE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
			+ "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0")
		.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] RELEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
			+ "redis.call('DEL', KEYS[1]) return 1 end return 0")
		.getBytes(StandardCharsets.US_ASCII);

	private final RedisTier redis;

	private final Duration ttl;

	/**
	 * Create the lease store of a cache.
	 * @param redis the command path
	 * @param ttl how long a lease lasts (its holder may die)
	 */
	LeaseStore(RedisTier redis, Duration ttl) {
		this.redis = redis;
		this.ttl = ttl;
	}

	/**
	 * Return a new lease token.
	 * @return the token
	 */
	byte[] newLease() {
		return EntryFormat.newLease();
	}

	/**
	 * Set a lease unless the key holds something, and return what it holds.
	 * @param key the key
	 * @param lease the lease token
	 * @return {@code STORED} if this lease is set, {@code PRESENT} with what the key
	 * holds (a value or another lease), or {@code FAILED}
	 */
	SetIfAbsentResult claim(byte[] key, byte[] lease) {
		return this.redis.setIfAbsent(key, lease, this.ttl);
	}

	/**
	 * {@link #claim} for several keys, sent together.
	 * @param keys the keys
	 * @param lease the lease token set in each
	 * @return the outcome per key
	 */
	List<SetIfAbsentResult> claimAll(List<byte[]> keys, byte[] lease) {
		return this.redis.setIfAbsentAll(keys, lease, this.ttl);
	}

	/**
	 * Store a value in place of what the key is expected to hold (a lease this caller
	 * set, or the entry it began from), atomically, only while it still holds it.
	 * @param key the key
	 * @param expected what the key must hold
	 * @param value the value to store
	 * @param ttl the value's time to live
	 * @return whether the value was stored ({@code false} too if the command failed)
	 */
	boolean replace(byte[] key, byte[] expected, byte[] value, Duration ttl) {
		Long replaced = this.redis.evalInteger("replace lease", REPLACE, key, expected, value, millis(ttl));
		return replaced != null && replaced == 1L;
	}

	/**
	 * Take the lease of a key in place of the stale entry it holds.
	 * @param key the key
	 * @param stale the entry the key must hold
	 * @param lease the lease token
	 * @return whether the lease was set
	 */
	boolean takeOver(byte[] key, byte[] stale, byte[] lease) {
		return replace(key, stale, lease, this.ttl);
	}

	/**
	 * {@link #replace} of one lease token by values, for several keys, sent together.
	 * @param keys the keys
	 * @param lease the lease each must still hold
	 * @param values the value for each
	 * @param ttls the time to live of each
	 * @return per key whether its value was stored
	 */
	List<Boolean> replaceAll(List<byte[]> keys, byte[] lease, List<byte[]> values, List<Duration> ttls) {
		List<@Nullable Long> replies = this.redis.evalIntegerAll("replace lease", REPLACE, keys,
				(i) -> new byte[][] { lease, values.get(i), millis(ttls.get(i)) });
		List<Boolean> stored = new ArrayList<>(keys.size());
		for (int i = 0; i < keys.size(); i++) {
			stored.add(replies != null && Long.valueOf(1).equals(replies.get(i)));
		}
		return stored;
	}

	/**
	 * Remove a lease, only while it is still the one given, so that the next caller need
	 * not wait for it.
	 * @param key the key
	 * @param lease the lease token
	 */
	void release(byte[] key, byte[] lease) {
		this.redis.evalInteger("release lease", RELEASE, key, lease);
	}

	private static byte[] millis(Duration ttl) {
		return String.valueOf(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
	}

}
