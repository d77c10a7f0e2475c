package io.github.tieredcache.internal.http;

import java.util.List;
import java.util.Map;

import io.github.tieredcache.core.TieredCache;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP caching state of one request, kept as a request attribute from the
 * interceptor's {@code preHandle} to the moment the response commits. Confined to the
 * request's thread.
 */
final class CachingExchange {

	static final String ATTRIBUTE = CachingExchange.class.getName();

	final @Nullable HttpCachePolicy policy;

	final List<RequestExpressions.Parsed> surrogateKeys;

	final @Nullable Map<String, @Nullable Object> variables;

	@Nullable TieredCache etagCache;

	@Nullable Object etagKey;

	/**
	 * The entry's version read before the handler ran ({@code null}: absent or unknown).
	 */
	@Nullable String versionBefore;

	boolean notModified;

	boolean bodySeen;

	@Nullable Object body;

	boolean applied;

	/**
	 * Whether the response must be {@code private} whatever the policy says (a response
	 * cached per principal).
	 */
	boolean forcePrivate;

	/**
	 * Request headers the response varies on besides the policy's.
	 */
	List<String> extraVary = List.of();

	/**
	 * The response cache's pending store, set when the cache missed.
	 */
	ResponseCache.@Nullable Pending pendingResponse;

	CachingExchange(@Nullable HttpCachePolicy policy, List<RequestExpressions.Parsed> surrogateKeys,
			@Nullable Map<String, @Nullable Object> variables) {
		this.policy = policy;
		this.surrogateKeys = surrogateKeys;
		this.variables = variables;
	}

}
