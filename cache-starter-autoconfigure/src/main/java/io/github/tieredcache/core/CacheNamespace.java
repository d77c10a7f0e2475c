package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The namespace of one cache in Redis: the version its keys live under, and the writes
 * that still have to be applied there.
 * <p>
 * A version is a token {@code <Redis time in ms>-<random>}, stored without expiry at
 * {@code <prefix>:<cache>:ns}; data keys are {@code <prefix>:<cache>:v<token>:<key>}.
 * {@link #renew() Clearing} stores a new token; a lost token (deleted, evicted,
 * {@code FLUSHALL}, a restart without persistence) is replaced by a new one the next time
 * any instance reads it, which empties the cache, never brings an old version back:
 * tokens are never reused. An instance adopts whatever token Redis holds (never one
 * announced in a message), except one older than the token it last knew: Redis then went
 * back in time (a restart from an older snapshot, a failover to a lagging replica), and
 * the instance stores a new token instead, so a cleared value cannot come back. Every
 * instance re-reads the token at least once per {@link #validate() validation} (the
 * manager's maintenance period), and whenever it is told the token changed.
 * <p>
 * Writes that could not be applied in Redis (the version was unknown, the command failed)
 * are remembered as keys to delete in its {@link WriteJournal}, and so are this
 * instance's writes since the version was last confirmed (they may have gone to a version
 * that had already been replaced, while another instance filled the new one from an older
 * read). A clear that could not be applied is remembered too; until it is, the version
 * counts as unknown.
 * <p>
 * Thread-safe.
 */
final class CacheNamespace {

	private static final Log logger = LogFactory.getLog(CacheNamespace.class);

	private final String cacheName;

	private final RedisTier redis;

	private final String keyBase;

	private final byte[] versionKey;

	private final AtomicReference<@Nullable Version> current = new AtomicReference<>();

	private volatile @Nullable String lastToken;

	private final WriteJournal journal;

	/**
	 * Create the namespace of a cache.
	 * @param cacheName the cache name
	 * @param keyPrefix the manager's key prefix
	 * @param redis the Redis tier
	 */
	CacheNamespace(String cacheName, String keyPrefix, RedisTier redis) {
		this.cacheName = cacheName;
		this.redis = redis;
		this.keyBase = keyPrefix + ":" + segment(cacheName) + ":";
		this.versionKey = (this.keyBase + "ns").getBytes(StandardCharsets.UTF_8);
		this.journal = new WriteJournal(cacheName);
	}

	/**
	 * Return where, in a data key of this namespace, the {@code v} of its version segment
	 * is (the replicas of a hot key live under {@code h<token>} instead, so that no
	 * replica key is the data key of another key).
	 * @return the byte offset
	 */
	int versionSegmentOffset() {
		return this.keyBase.getBytes(StandardCharsets.UTF_8).length;
	}

	/**
	 * Return the writes that still have to be applied in Redis.
	 * @return the journal
	 */
	WriteJournal journal() {
		return this.journal;
	}

	/**
	 * Return a cache name as one key segment: {@code %} and {@code :} percent-encoded, so
	 * that no cache name can produce another cache's keys or an internal key.
	 * @param cacheName the cache name
	 * @return the segment
	 */
	static String segment(String cacheName) {
		if (cacheName.indexOf(':') < 0 && cacheName.indexOf('%') < 0) {
			return cacheName;
		}
		return cacheName.replace("%", "%25").replace(":", "%3A");
	}

	/**
	 * Return the key counting the instances that applied a clear to the given version
	 * ({@code <prefix>:<cache>:ack:<token>}).
	 * @param token the announced version
	 * @return the key
	 */
	byte[] acknowledgementKey(String token) {
		return (this.keyBase + "ack:" + token).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Return the Redis key holding the version token.
	 * @return the key
	 */
	byte[] versionKey() {
		return this.versionKey;
	}

	/**
	 * Return the current version, reading it from Redis (and creating it there if absent)
	 * when it is not known.
	 * @return the version, or {@code null} if Redis cannot tell it now or a clear of this
	 * instance still has to be applied
	 */
	@Nullable Version current() {
		if (this.journal.isClearPending()) {
			return null;
		}
		Version version = this.current.get();
		return (version != null) ? version : resolve(null);
	}

	/**
	 * Return the version if it is known, without asking Redis.
	 * @return the version, or {@code null}
	 */
	@Nullable Version known() {
		return this.journal.isClearPending() ? null : this.current.get();
	}

	/**
	 * Re-read the version from Redis.
	 * @return whether it changed since this instance last knew it
	 */
	boolean validate() {
		Version seen = this.current.get();
		String before = this.lastToken;
		Set<String> confirmed = this.journal.takeRecent();
		Version now = resolve(seen);
		if (now == null) {
			// not confirmed: keep them for the next validation
			this.journal.keepRecent(confirmed);
			return false;
		}
		boolean changed = before != null && !before.equals(now.token);
		if (changed) {
			this.journal.versionMoved(confirmed);
		}
		else {
			this.journal.confirmed();
		}
		return changed;
	}

	private @Nullable Version resolve(@Nullable Version seen) {
		byte[] token = this.redis.getOrCreateVersion(this.versionKey, newSuffix());
		if (token == null) {
			return null;
		}
		String value = new String(token, StandardCharsets.UTF_8);
		if (seen != null && seen.token.equals(value)) {
			return seen;
		}
		String known = this.lastToken;
		if (known != null && millisOf(value) < millisOf(known)) {
			// Redis went back in time: a restart from an older snapshot, a failover to a
			// replica that had not received the last clear; that version may hold cleared
			// or
			// overwritten values, so it is replaced
			logger.warn("tiered-cache: the namespace version of cache '" + this.cacheName + "' went back from " + known
					+ " to " + value + " (Redis restarted from an older snapshot or failed over to a lagging"
					+ " replica); the cache is cleared");
			return renew();
		}
		Version version = new Version(value, this.keyBase);
		if (!this.current.compareAndSet(seen, version)) {
			// a clear of this instance got there first
			return this.current.get();
		}
		String before = this.lastToken;
		this.lastToken = value;
		if (before != null && !before.equals(value)) {
			// written under a version another instance had replaced: they may hide behind
			// values it filled from older reads
			this.journal.versionMoved(this.journal.takeRecent());
			logger.info("tiered-cache: cache '" + this.cacheName + "' moved to namespace version " + value);
		}
		return version;
	}

	/**
	 * Forget the version (another instance announced a new one): the next operation reads
	 * it from Redis.
	 */
	void forget() {
		this.current.set(null);
	}

	/**
	 * Store a new version in Redis: every key of the old one is gone at once.
	 * @return the new version, or {@code null} if Redis did not take it (the clear is
	 * then remembered)
	 */
	@Nullable Version renew() {
		byte[] stored = this.redis.renewVersion(this.versionKey, newSuffix());
		if (stored == null) {
			this.journal.rememberClear();
			return null;
		}
		String token = new String(stored, StandardCharsets.UTF_8);
		Version version = new Version(token, this.keyBase);
		this.current.set(version);
		this.lastToken = token;
		this.journal.reset();
		return version;
	}

	/**
	 * Record a write of this instance that reached Redis under a version.
	 * @param encodedKey the encoded key
	 * @param version the version it was written under
	 */
	void written(String encodedKey, Version version) {
		this.journal.written(encodedKey);
		// after recording: a move that took the recent writes before has changed the
		// token
		if (!version.token.equals(this.lastToken)) {
			this.journal.remember(encodedKey);
		}
	}

	/**
	 * Return whether a string has the form of a version token (so that a message cannot
	 * name an arbitrary key).
	 * @param text the text
	 * @return whether it is 1 to 13 base-36 digits
	 */
	static boolean isToken(String text) {
		if (text.isEmpty() || text.length() > 32) {
			return false;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-')) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return the Redis time a token was made at, in milliseconds ({@code 0} for a token
	 * of another form, which every proper token is newer than).
	 */
	static long millisOf(String token) {
		int dash = token.indexOf('-');
		try {
			return (dash > 0) ? Long.parseLong(token.substring(0, dash)) : 0;
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	private static byte[] newSuffix() {
		return Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36).getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * One version of a namespace: the prefix of its data and refresh keys.
	 */
	static final class Version {

		final String token;

		final byte[] keyPrefix;

		private final byte[] refreshPrefix;

		Version(String token, String keyBase) {
			this.token = token;
			this.keyPrefix = (keyBase + "v" + token + ":").getBytes(StandardCharsets.UTF_8);
			this.refreshPrefix = (keyBase + "r" + token + ":").getBytes(StandardCharsets.UTF_8);
		}

		byte[] redisKey(String encoded) {
			return concat(this.keyPrefix, encoded);
		}

		/**
		 * The key of the early-refresh lease of a key: its own segment
		 * ({@code r<token>}), so that it is no data key.
		 */
		byte[] refreshKey(String encoded) {
			return concat(this.refreshPrefix, encoded);
		}

		private static byte[] concat(byte[] prefix, String encoded) {
			byte[] key = encoded.getBytes(StandardCharsets.UTF_8);
			byte[] full = Arrays.copyOf(prefix, prefix.length + key.length);
			System.arraycopy(key, 0, full, prefix.length, key.length);
			return full;
		}

	}

}
