package io.github.tieredcache.internal.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.WriteOptions;
import io.github.tieredcache.http.CachedResponse;
import io.github.tieredcache.internal.DurationText;
import io.github.tieredcache.internal.redis.RedisTier;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.util.StringUtils;

/**
 * The response cache of {@link CachedResponse} handlers: answers a {@code GET} from a
 * tiered cache before the handler runs, stores the response the handler produced once the
 * filter chain is done, and drops the responses that carry a surrogate key when it is
 * invalidated.
 * <p>
 * Invalidation and the store race: before the handler runs, the request reads the
 * response cache's invalidation sequence number; after storing the response, it registers
 * the response under its surrogate keys in a {@link SurrogateIndex}, which refuses it
 * (and the response is evicted again) if one of them was invalidated after that number.
 * An invalidation that comes after the registration finds the response in the index and
 * evicts it. Evictions go through the tiered cache, so every instance's in-process copy
 * goes with them (the invalidation bus). Thread-safe.
 */
public final class ResponseCache implements SurrogateKeyInvalidations.Listener {

	/**
	 * The largest body stored; a larger response is served but not stored.
	 */
	static final int MAX_BODY = 1024 * 1024;

	private static final Set<Integer> STORABLE = Set.of(200, 203, 204);

	private static final Set<String> SESSION_COOKIES = Set.of("jsessionid", "session");

	private static final Log logger = LogFactory.getLog(ResponseCache.class);

	private final Function<String, @Nullable TieredCache> caches;

	private final @Nullable RedisTier redis;

	private final String keyPrefix;

	private final SurrogateKeyInvalidations invalidations;

	private final Map<String, Store> stores = new ConcurrentHashMap<>();

	private final LongAdder hits = new LongAdder();

	private final LongAdder misses = new LongAdder();

	private final LongAdder stored = new LongAdder();

	private final LongAdder bypassed = new LongAdder();

	private final LongAdder dropped = new LongAdder();

	/**
	 * Create a response cache.
	 * @param caches the tiered caches by name ({@code null} for an unknown name)
	 * @param redis the Redis tier of the caches' manager, or {@code null} without Redis
	 * @param keyPrefix the manager's key prefix
	 * @param invalidations the surrogate-key invalidations; the response caches' own
	 * changes are ignored there
	 */
	public ResponseCache(Function<String, @Nullable TieredCache> caches, @Nullable RedisTier redis, String keyPrefix,
			SurrogateKeyInvalidations invalidations) {
		this.caches = caches;
		this.redis = redis;
		this.keyPrefix = keyPrefix;
		this.invalidations = invalidations;
	}

	/**
	 * Resolve the cache of a declaration ahead of its first request.
	 * @throws IllegalStateException if there is no such cache
	 */
	void prepare(Declared declared, Object where) {
		store(declared.cache(), where);
	}

	private Store store(String cacheName, Object where) {
		return this.stores.computeIfAbsent(cacheName, (name) -> {
			// before its first write: a stored response is no change of data
			this.invalidations.ignoreCache(name);
			TieredCache cache = this.caches.apply(name);
			if (cache == null) {
				throw new IllegalStateException("@CachedResponse(cache = \"" + name + "\") on " + where
						+ ": there is no such cache; list it under 'tiered-cache.caches' or set 'tiered-cache.dynamic=true'");
			}
			SurrogateIndex index = (this.redis != null && cache.getSettings().redisEnabled())
					? new RedisSurrogateIndex(this.redis, this.keyPrefix, name) : new LocalSurrogateIndex();
			return new Store(cache, index);
		});
	}

	/**
	 * Answer a request from the cache, or prepare its response to be stored.
	 * @return whether the handler is to run ({@code false}: the response was answered)
	 */
	boolean serve(HttpServletRequest request, HttpServletResponse response, CachingExchange exchange, Declared declared,
			Object handler) throws IOException {
		// HEAD is answered from the GET entry; its own response has no body to store
		boolean head = "HEAD".equals(request.getMethod());
		if (!head && !"GET".equals(request.getMethod())) {
			return true;
		}
		Principal principal = request.getUserPrincipal();
		String owner = null;
		if (declared.perPrincipal()) {
			exchange.forcePrivate = true;
			if (principal != null) {
				owner = principal.getName();
			}
			else if (credentialed(request)) {
				this.bypassed.increment();
				return true;
			}
		}
		else if (credentialed(request)) {
			this.bypassed.increment();
			return true;
		}
		exchange.extraVary = declared.vary();
		List<String> vary = vary(declared, exchange.policy);
		Store store = store(declared.cache(), handler);
		String key = key(request, vary, owner);
		if (!hasDirective(request, "no-cache")) {
			StoredResponse stored = StoredResponse.decode(valueOf(store.cache, key));
			if (stored != null) {
				this.hits.increment();
				replay(stored, response, exchange, !head);
				return false;
			}
		}
		this.misses.increment();
		if (head) {
			return true;
		}
		CommitHookResponse hooked = (request.getAttribute(CommitHookResponse.ATTRIBUTE) instanceof CommitHookResponse h)
				? h : null;
		if (hooked == null || hasDirective(request, "no-store")) {
			return true;
		}
		long sequence = store.index.sequence();
		if (sequence >= 0) {
			hooked.startCapture(MAX_BODY);
			exchange.pendingResponse = new Pending(store, key, declared, vary, sequence, owner);
		}
		return true;
	}

	private static @Nullable Object valueOf(TieredCache cache, String key) {
		org.springframework.cache.Cache.ValueWrapper wrapper = cache.get(key);
		return (wrapper != null) ? wrapper.get() : null;
	}

	private static void replay(StoredResponse stored, HttpServletResponse response, CachingExchange exchange,
			boolean withBody) throws IOException {
		// the stored headers are the ones the first response committed with
		exchange.applied = true;
		response.setStatus(stored.status());
		List<String> headers = stored.headers();
		for (int i = 0; i < headers.size(); i += 2) {
			if (HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(headers.get(i))) {
				response.setContentType(headers.get(i + 1));
			}
			else {
				response.addHeader(headers.get(i), headers.get(i + 1));
			}
		}
		response.setContentLength(stored.body().length);
		if (withBody && stored.body().length > 0) {
			response.getOutputStream().write(stored.body());
		}
		response.flushBuffer();
	}

	/**
	 * Store the response a handler produced, once the filter chain is done, if it may be
	 * stored.
	 */
	void store(HttpServletRequest request, HttpServletResponse response, CommitHookResponse hooked) {
		if (!(request.getAttribute(CachingExchange.ATTRIBUTE) instanceof CachingExchange exchange)
				|| exchange.pendingResponse == null) {
			return;
		}
		Pending pending = exchange.pendingResponse;
		exchange.pendingResponse = null;
		if (request.isAsyncStarted() || !storable(response, pending)) {
			return;
		}
		if (pending.owner() == null && credentialed(request)) {
			// the handler made the exchange a user's (a new session, whose cookie Spring
			// Session writes only once the response commits): no shared entry
			return;
		}
		byte[] body = hooked.captured();
		if (body == null) {
			return;
		}
		List<String> headers = new ArrayList<>();
		boolean contentType = false;
		for (String name : new LinkedHashSet<>(response.getHeaderNames())) {
			if (StoredResponse.isStored(name)) {
				contentType |= HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name);
				for (String value : response.getHeaders(name)) {
					headers.add(name);
					headers.add(value);
				}
			}
		}
		if (!contentType && response.getContentType() != null) {
			headers.add(HttpHeaders.CONTENT_TYPE);
			headers.add(response.getContentType());
		}
		List<String> surrogateKeys = List.of(StringUtils
			.tokenizeToStringArray(String.valueOf(response.getHeader(CachingHeaders.SURROGATE_KEY)), " "));
		if (response.getHeader(CachingHeaders.SURROGATE_KEY) == null) {
			surrogateKeys = List.of();
		}
		Store store = pending.store();
		String value = new StoredResponse(response.getStatus(), headers, body).encode();
		Duration ttl = pending.declared().ttl();
		Duration localTtl = store.cache.getSettings().localTtl();
		// the in-process copy must not outlive the response's own TTL
		store.cache.put(pending.key(), value,
				new WriteOptions(ttl, (localTtl.compareTo(ttl) > 0) ? ttl : localTtl, false));
		if (!surrogateKeys.isEmpty()
				&& !store.index.register(pending.key(), surrogateKeys, pending.sequence(), pending.declared().ttl())) {
			// its data changed while the handler ran (or the index is unreachable)
			store.cache.evict(pending.key());
			this.dropped.increment();
			return;
		}
		this.stored.increment();
	}

	private static boolean storable(HttpServletResponse response, Pending pending) {
		if (!STORABLE.contains(response.getStatus()) || response.containsHeader("Set-Cookie")) {
			return false;
		}
		for (String value : response.getHeaders(HttpHeaders.CACHE_CONTROL)) {
			String directives = value.toLowerCase(Locale.ROOT);
			if (directives.contains("no-store")
					|| (directives.contains("private") && !pending.declared().perPrincipal())) {
				return false;
			}
		}
		for (String value : response.getHeaders(HttpHeaders.VARY)) {
			for (String name : StringUtils.commaDelimitedListToStringArray(value)) {
				if (!pending.vary().contains(name.trim().toLowerCase(Locale.ROOT))) {
					// the entry is selected by headers the key does not hold
					return false;
				}
			}
		}
		return true;
	}

	@Override
	public void invalidated(String surrogateKey) {
		// indexed as the response's Surrogate-Key header gave it
		String token = SurrogateKeyInvalidations.headerToken(surrogateKey);
		for (Store store : this.stores.values()) {
			for (String key : store.index.invalidate(token)) {
				store.cache.evict(key);
			}
		}
	}

	/**
	 * Another instance changed data (its invalidation arrived over the bus): drop the
	 * responses carrying the change's surrogate key from the response caches kept in this
	 * process only. Those kept in Redis were dropped by the instance that made the
	 * change, for every instance.
	 * @param cacheName the data cache
	 * @param key the key as the bus carries it, or {@code null} for a clear
	 */
	public void invalidatedElsewhere(String cacheName, @Nullable Object key) {
		if (this.stores.containsKey(cacheName)) {
			return;
		}
		String token = SurrogateKeyInvalidations.headerToken(SurrogateKeyInvalidations.surrogateKey(cacheName, key));
		for (Store store : this.stores.values()) {
			if (store.index instanceof LocalSurrogateIndex) {
				for (String responseKey : store.index.invalidate(token)) {
					store.cache.evict(responseKey);
				}
			}
		}
	}

	/**
	 * Return whether a request carries credentials: {@code Authorization}, a principal, a
	 * session (requested or present), or a session cookie.
	 */
	static boolean credentialed(HttpServletRequest request) {
		if (request.getHeader(HttpHeaders.AUTHORIZATION) != null || request.getUserPrincipal() != null
				|| request.getRequestedSessionId() != null || request.getSession(false) != null) {
			return true;
		}
		Cookie[] cookies = request.getCookies();
		if (cookies != null) {
			for (Cookie cookie : cookies) {
				if (SESSION_COOKIES.contains(cookie.getName().toLowerCase(Locale.ROOT))) {
					return true;
				}
			}
		}
		return false;
	}

	private static boolean hasDirective(HttpServletRequest request, String directive) {
		for (Enumeration<String> values = request.getHeaders(HttpHeaders.CACHE_CONTROL); values != null
				&& values.hasMoreElements();) {
			for (String value : StringUtils.commaDelimitedListToStringArray(values.nextElement())) {
				if (value.trim().toLowerCase(Locale.ROOT).startsWith(directive)) {
					return true;
				}
			}
		}
		return "no-cache".equals(directive) && "no-cache".equalsIgnoreCase(request.getHeader(HttpHeaders.PRAGMA));
	}

	private static List<String> vary(Declared declared, @Nullable HttpCachePolicy policy) {
		Set<String> names = new TreeSet<>();
		declared.vary().forEach((name) -> names.add(name.toLowerCase(Locale.ROOT)));
		if (policy != null) {
			policy.vary().forEach((name) -> names.add(name.toLowerCase(Locale.ROOT)));
		}
		return List.copyOf(names);
	}

	/**
	 * Return the key of a request's response: a digest of the method, the path, the
	 * query's parameters in sorted order, the values of the {@code Vary} headers and the
	 * owner, if any.
	 */
	static String key(HttpServletRequest request, Collection<String> vary, @Nullable String owner) {
		StringBuilder identity = new StringBuilder("GET ").append(request.getRequestURI()).append('?');
		String query = request.getQueryString();
		if (query != null) {
			String[] parameters = query.split("&");
			// by name only: the order of one parameter's values is the request's (stable)
			Arrays.sort(parameters, Comparator.comparing(ResponseCache::parameterName));
			identity.append(String.join("&", parameters));
		}
		for (String name : vary) {
			identity.append('\n').append(name).append(':');
			for (Enumeration<String> values = request.getHeaders(name); values != null && values.hasMoreElements();) {
				identity.append(values.nextElement()).append(',');
			}
		}
		if (owner != null) {
			identity.append("\nprincipal:").append(owner);
		}
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
				.digest(identity.toString().getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String parameterName(String parameter) {
		int equals = parameter.indexOf('=');
		return (equals >= 0) ? parameter.substring(0, equals) : parameter;
	}

	/**
	 * Return how many requests were answered from the cache.
	 * @return the count
	 */
	public long hits() {
		return this.hits.sum();
	}

	/**
	 * Return how many requests the cache could have answered but did not hold.
	 * @return the count
	 */
	public long misses() {
		return this.misses.sum();
	}

	/**
	 * Return how many responses were stored and indexed.
	 * @return the count
	 */
	public long stored() {
		return this.stored.sum();
	}

	/**
	 * Return how many requests bypassed the cache because they carried credentials.
	 * @return the count
	 */
	public long bypassed() {
		return this.bypassed.sum();
	}

	/**
	 * Return how many stored responses were dropped at once because their data was
	 * invalidated while their handler ran.
	 * @return the count
	 */
	public long droppedAsStale() {
		return this.dropped.sum();
	}

	record Store(TieredCache cache, SurrogateIndex index) {
	}

	record Pending(Store store, String key, Declared declared, List<String> vary, long sequence,
			@Nullable String owner) {
	}

	/**
	 * A handler's {@link CachedResponse}, resolved.
	 *
	 * @param cache the cache's name
	 * @param ttl how long a response is kept
	 * @param vary the annotation's request headers
	 * @param perPrincipal whether a principal gets entries of its own
	 */
	record Declared(String cache, Duration ttl, List<String> vary, boolean perPrincipal) {

		static Declared of(CachedResponse annotation, Object where) {
			Duration ttl = DurationText.parse(annotation.ttl());
			if (ttl == null || ttl.isZero() || ttl.isNegative()) {
				throw new IllegalStateException("@CachedResponse(ttl = \"" + annotation.ttl() + "\") on " + where
						+ " is not a positive duration: write it as \"30s\", \"5m\" or \"PT1H\"");
			}
			if (!StringUtils.hasText(annotation.cache())) {
				throw new IllegalStateException("@CachedResponse on " + where + " has an empty cache name");
			}
			return new Declared(annotation.cache(), ttl, List.of(annotation.vary()), annotation.perPrincipal());
		}

	}

}
