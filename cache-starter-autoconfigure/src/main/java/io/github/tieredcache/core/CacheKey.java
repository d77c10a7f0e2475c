package io.github.tieredcache.core;

import org.jspecify.annotations.Nullable;

/**
 * A key as one call carries it down the tiers: the caller's key, its in-process form, and
 * its encoded form for Redis and the bus, computed once, when a tier first needs it (an
 * in-process hit never does). Safe to hand to another thread: a racing first use computes
 * the same immutable string twice at worst.
 */
final class CacheKey {

	private final Object key;

	private final Object local;

	private @Nullable String encoded;

	private CacheKey(Object key, Object local) {
		this.key = key;
		this.local = local;
	}

	static CacheKey of(Object key) {
		return new CacheKey(key, CacheKeyEncoder.localKey(key));
	}

	/**
	 * Return the key of a call whose in-process form is already known.
	 * @param key the caller's key
	 * @param local its in-process form ({@link CacheKeyEncoder#localKey(Object)})
	 * @return the key
	 */
	static CacheKey of(Object key, Object local) {
		return new CacheKey(key, local);
	}

	/**
	 * Return the key whose encoded form is known (an operations tool names keys as text);
	 * its caller's key is its in-process key.
	 * @param encoded the encoded key
	 * @return the key
	 */
	static CacheKey ofEncoded(String encoded) {
		Object local = CacheKeyEncoder.localKeyOf(encoded);
		CacheKey key = new CacheKey(local, local);
		key.encoded = encoded;
		return key;
	}

	/**
	 * Return the caller's key.
	 * @return the key
	 */
	Object key() {
		return this.key;
	}

	/**
	 * Return the key of the in-process tier.
	 * @return the in-process key
	 */
	Object local() {
		return this.local;
	}

	/**
	 * Return the encoded key, the last part of the Redis key and what the bus carries.
	 * @return the encoded key
	 */
	String encoded() {
		String encoded = this.encoded;
		if (encoded == null) {
			encoded = CacheKeyEncoder.encode(this.key);
			this.encoded = encoded;
		}
		return encoded;
	}

}
