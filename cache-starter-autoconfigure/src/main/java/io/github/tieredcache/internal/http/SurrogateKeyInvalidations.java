package io.github.tieredcache.internal.http;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.tieredcache.internal.CacheChangeListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Turns the changes this instance makes to the data caches into surrogate-key
 * invalidations: a write or eviction of key {@code K} in cache {@code C} invalidates
 * surrogate key {@code C:K} ({@code K}'s string form, {@code products:42}), a clear of
 * {@code C} invalidates surrogate key {@code C}. Whatever made the change: the pattern
 * annotations, Spring's {@code @Cacheable}/{@code @CachePut}/{@code @CacheEvict}, the
 * {@code Cache} API (see {@link CacheChangeListener}); loads that fill a missing entry
 * invalidate nothing.
 * <p>
 * <b>Which instance acts:</b> the one that made the change, once per change, on the
 * caller's thread, after the change was applied. Other instances are not told: work done
 * once for the fleet (a CDN purge, dropping the cached responses from the shared response
 * cache, whose own evictions then reach every instance's in-process tier over the
 * invalidation bus) must not be repeated by each of them. A listener that keeps state of
 * its own in each JVM must keep it in a tiered cache, or listen to
 * {@code CacheInvalidatedEvent}s of origin {@code REMOTE} as well.
 * <p>
 * Caches that hold HTTP responses are {@link #ignoreCache(String) ignored}: dropping a
 * response is no change of data. Thread-safe.
 */
public final class SurrogateKeyInvalidations implements CacheChangeListener {

	private static final Log logger = LogFactory.getLog(SurrogateKeyInvalidations.class);

	private final List<Listener> listeners = new CopyOnWriteArrayList<>();

	private final Set<String> ignored = ConcurrentHashMap.newKeySet();

	/**
	 * Return the surrogate key of a change.
	 * @param cacheName the cache
	 * @param key the key, or {@code null} for a clear
	 * @return {@code <cache>:<key>}, or the cache's name for a clear
	 */
	public static String surrogateKey(String cacheName, @Nullable Object key) {
		return (key != null) ? cacheName + ":" + key : cacheName;
	}

	/**
	 * Return a surrogate key as a token of a {@code Surrogate-Key} or {@code xkey}
	 * header, where spaces and commas separate keys: those characters (and tabs) are
	 * written {@code %20}, {@code %2C}, {@code %09}, so that {@code cities:new york} or
	 * {@code products:SimpleKey [a,b]} stays one key for the proxies and the response
	 * cache alike.
	 * @param surrogateKey the surrogate key
	 * @return its header token
	 */
	public static String headerToken(String surrogateKey) {
		StringBuilder token = null;
		for (int i = 0; i < surrogateKey.length(); i++) {
			char c = surrogateKey.charAt(i);
			String escaped = switch (c) {
				case ' ' -> "%20";
				case ',' -> "%2C";
				case '\t' -> "%09";
				default -> null;
			};
			if (escaped != null && token == null) {
				token = new StringBuilder(surrogateKey.length() + 8).append(surrogateKey, 0, i);
			}
			if (token != null) {
				if (escaped != null) {
					token.append(escaped);
				}
				else {
					token.append(c);
				}
			}
		}
		return (token != null) ? token.toString() : surrogateKey;
	}

	/**
	 * Subscribe a listener to every invalidation from now on.
	 * @param listener the listener: quick (it runs on the writer's thread) and
	 * thread-safe; an exception it throws is logged and does not reach the writer
	 */
	public void subscribe(Listener listener) {
		Assert.notNull(listener, "'listener' must not be null");
		this.listeners.add(listener);
	}

	/**
	 * Ignore the changes of a cache (one that holds HTTP responses).
	 * @param cacheName the cache
	 */
	public void ignoreCache(String cacheName) {
		this.ignored.add(cacheName);
	}

	@Override
	public void changed(String cacheName, @Nullable Object key) {
		if (!this.ignored.contains(cacheName)) {
			invalidate(surrogateKey(cacheName, key));
		}
	}

	/**
	 * Invalidate a surrogate key now, as a change of data would: for a change the caches
	 * do not see (a write straight to the database that bypasses them, an operator's
	 * request).
	 * @param surrogateKey the surrogate key
	 */
	public void invalidate(String surrogateKey) {
		Assert.hasText(surrogateKey, "'surrogateKey' must not be empty");
		for (Listener listener : this.listeners) {
			try {
				listener.invalidated(surrogateKey);
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: a listener of surrogate key '" + surrogateKey
						+ "' failed; the data change itself was applied", ex);
			}
		}
	}

	/**
	 * Told of each surrogate-key invalidation, on the instance that made the change.
	 */
	@FunctionalInterface
	public interface Listener {

		/**
		 * A surrogate key was invalidated.
		 * @param surrogateKey the surrogate key, such as {@code products:42} or
		 * {@code products}
		 */
		void invalidated(String surrogateKey);

	}

}
