package io.github.tieredcache.internal.http;

import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.util.StringUtils;

/**
 * Writes a request's caching headers once its response status is final, just before the
 * response commits. The rules (RFC 9111): only {@code GET}/{@code HEAD} responses with a
 * status cacheable by default, or 304, get the policy's headers; 400 and above get
 * {@code no-store}; a {@code Cache-Control} the handler set is left alone, and so is any
 * header it set itself. Thread-safe (stateless).
 */
final class CachingHeaders {

	static final String CDN_CACHE_CONTROL = "CDN-Cache-Control";

	static final String SURROGATE_KEY = "Surrogate-Key";

	private static final Set<Integer> CACHEABLE = Set.of(200, 203, 204, 206, 300, 301, 304, 308);

	private static final Log logger = LogFactory.getLog(CachingHeaders.class);

	private static final AtomicBoolean surrogateKeyFailureLogged = new AtomicBoolean();

	private CachingHeaders() {
	}

	static boolean isRead(HttpServletRequest request) {
		String method = request.getMethod();
		return "GET".equals(method) || "HEAD".equals(method);
	}

	/**
	 * Write the headers of a request's response, once.
	 * @param request the request
	 * @param response the response, not committed yet
	 * @param status the response's final status
	 */
	static void beforeCommit(HttpServletRequest request, HttpServletResponse response, int status) {
		if (!(request.getAttribute(CachingExchange.ATTRIBUTE) instanceof CachingExchange exchange)
				|| exchange.applied) {
			return;
		}
		exchange.applied = true;
		HttpCachePolicy policy = exchange.policy;
		if (status >= 400) {
			if (policy != null && !response.containsHeader(HttpHeaders.CACHE_CONTROL)) {
				response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
			}
			return;
		}
		if (!isRead(request) || !CACHEABLE.contains(status)) {
			return;
		}
		if (policy == null && exchange.forcePrivate) {
			setIfAbsent(response, HttpHeaders.CACHE_CONTROL, "private");
		}
		addVary(response, exchange.extraVary);
		if (policy != null) {
			boolean privateResponse = policy.isPrivate(request) || exchange.forcePrivate;
			if (!response.containsHeader(HttpHeaders.CACHE_CONTROL)) {
				setIfAbsent(response, HttpHeaders.CACHE_CONTROL, policy.cacheControl(privateResponse));
				setIfAbsent(response, CDN_CACHE_CONTROL, policy.cdnCacheControl(privateResponse));
			}
			addVary(response, policy.vary());
			if (status != 304) {
				setIfAbsent(response, SURROGATE_KEY, surrogateKeys(exchange));
			}
		}
		if (exchange.etagCache != null && exchange.etagKey != null) {
			String version = exchange.notModified ? exchange.versionBefore : versionAfter(exchange);
			if (version != null) {
				setIfAbsent(response, HttpHeaders.ETAG, "W/\"" + version + "\"");
			}
		}
	}

	/**
	 * Return the version of the entry the handler served: read again now that it ran (an
	 * absent entry was filled by it), and none if the entry moved while it ran (the body
	 * may then be of either version: a validator naming one could wrongly confirm the
	 * other).
	 */
	private static @Nullable String versionAfter(CachingExchange exchange) {
		String after = exchange.etagCache.entryVersion(exchange.etagKey);
		if (exchange.versionBefore != null && !exchange.versionBefore.equals(after)) {
			return null;
		}
		return after;
	}

	private static @Nullable String surrogateKeys(CachingExchange exchange) {
		if (exchange.surrogateKeys.isEmpty() || exchange.variables == null) {
			return null;
		}
		Map<String, @Nullable Object> variables = new HashMap<>(exchange.variables);
		variables.put("result", exchange.body);
		try {
			List<String> keys = RequestExpressions.strings(exchange.surrogateKeys, variables);
			Set<String> tokens = new LinkedHashSet<>();
			keys.forEach((key) -> tokens.add(SurrogateKeyInvalidations.headerToken(key)));
			return tokens.isEmpty() ? null : String.join(" ", tokens);
		}
		catch (RuntimeException ex) {
			// a response without its surrogate keys is still a correct response
			if (surrogateKeyFailureLogged.compareAndSet(false, true)) {
				logger.warn("tiered-cache: surrogate keys not emitted, an expression failed (logged once): "
						+ ex.getMessage());
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Surrogate keys not emitted", ex);
			}
			return null;
		}
	}

	private static void setIfAbsent(HttpServletResponse response, String name, @Nullable String value) {
		if (StringUtils.hasText(value) && !response.containsHeader(name)) {
			response.setHeader(name, value);
		}
	}

	private static void addVary(HttpServletResponse response, List<String> vary) {
		if (vary.isEmpty()) {
			return;
		}
		Set<String> present = new LinkedHashSet<>();
		for (String value : response.getHeaders(HttpHeaders.VARY)) {
			for (String name : StringUtils.commaDelimitedListToStringArray(value)) {
				present.add(name.trim().toLowerCase(Locale.ROOT));
			}
		}
		if (present.contains("*")) {
			return;
		}
		for (String name : vary) {
			if (present.add(name.toLowerCase(Locale.ROOT))) {
				response.addHeader(HttpHeaders.VARY, name);
			}
		}
	}

	/**
	 * Return whether a request's {@code If-None-Match} or {@code If-Match} names a
	 * version, or is {@code *}. The comparison is weak (RFC 9110 §8.8.3.2) for both: the
	 * version is of the cached value, not of the representation's bytes, so the tags are
	 * weak, and {@code If-Match} compares them weakly too (a deliberate deviation from
	 * §13.1.1, under which a weak tag never matches).
	 */
	static boolean matches(HttpServletRequest request, String header, String version) {
		Enumeration<String> headers = request.getHeaders(header);
		if (headers == null) {
			return false;
		}
		String quoted = "\"" + version + "\"";
		while (headers.hasMoreElements()) {
			for (String tag : StringUtils.commaDelimitedListToStringArray(headers.nextElement())) {
				String trimmed = tag.trim();
				if (trimmed.equals("*")) {
					return true;
				}
				if (trimmed.startsWith("W/")) {
					trimmed = trimmed.substring(2);
				}
				if (trimmed.equals(quoted)) {
					return true;
				}
			}
		}
		return false;
	}

}
