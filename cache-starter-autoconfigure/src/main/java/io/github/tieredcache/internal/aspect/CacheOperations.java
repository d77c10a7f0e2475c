package io.github.tieredcache.internal.aspect;

import java.util.List;

import io.github.tieredcache.core.WriteOptions;
import org.jspecify.annotations.Nullable;

/**
 * What the pattern annotations ask of one method, parsed once.
 *
 * @param read the cache-aside read, if any
 * @param write the write-through, if any
 * @param invalidations the invalidations, possibly none
 * @param returnKind how the method returns its result
 * @param deferred the write-behind, if any
 */
record CacheOperations(@Nullable CacheAside read, @Nullable WriteThrough write, List<Invalidate> invalidations,
		ReturnKind returnKind, @Nullable WriteBehind deferred) {

	static final CacheOperations NONE = new CacheOperations(null, null, List.of(), ReturnKind.PLAIN, null);

	boolean isEmpty() {
		return this.read == null && this.write == null && this.invalidations.isEmpty() && this.deferred == null;
	}

	/**
	 * A write-behind.
	 *
	 * @param cacheName the cache
	 * @param key the key expression, {@code null} for all parameters
	 * @param value the value expression
	 * @param batchWriter the batch writer bean name, or empty
	 */
	record WriteBehind(String cacheName, @Nullable CacheExpression key, CacheExpression value, String batchWriter) {
	}

	/**
	 * A cache-aside read.
	 *
	 * @param cacheName the cache
	 * @param key the key expression, {@code null} for all parameters
	 * @param options how a result is stored
	 * @param condition whether to use the cache at all, {@code null} for always
	 * @param unless whether to veto storing a result, {@code null} for never
	 */
	record CacheAside(String cacheName, @Nullable CacheExpression key, WriteOptions options,
			@Nullable CacheExpression condition, @Nullable CacheExpression unless) {
	}

	/**
	 * A write-through.
	 *
	 * @param cacheName the cache
	 * @param key the key expression, {@code null} for all parameters
	 * @param value the value expression
	 * @param options how the value is stored
	 */
	record WriteThrough(String cacheName, @Nullable CacheExpression key, CacheExpression value, WriteOptions options) {
	}

	/**
	 * An invalidation.
	 *
	 * @param cacheName the cache
	 * @param key the key expression, {@code null} for all parameters
	 * @param allEntries whether the whole cache is invalidated
	 * @param beforeInvocation whether to invalidate before the call
	 */
	record Invalidate(String cacheName, @Nullable CacheExpression key, boolean allEntries, boolean beforeInvocation) {
	}

	/**
	 * How a method returns its result.
	 */
	enum ReturnKind {

		/**
		 * A value, returned as is.
		 */
		PLAIN,

		/**
		 * An {@code Optional}; the cache holds its content.
		 */
		OPTIONAL,

		/**
		 * A {@code CompletableFuture}; the cache holds its completed value.
		 */
		FUTURE,

		/**
		 * A Reactor {@code Mono}; the cache holds its value.
		 */
		MONO

	}

}
