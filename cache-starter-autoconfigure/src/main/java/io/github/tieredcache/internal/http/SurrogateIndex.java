package io.github.tieredcache.internal.http;

import java.time.Duration;
import java.util.List;

/**
 * Which cached responses carry which surrogate key, and when each surrogate key was last
 * invalidated, on one sequence: a response is indexed only if none of its surrogate keys
 * was invalidated after the sequence number read before its handler ran, and an
 * invalidation returns (and forgets) every response indexed under the key before it.
 * Registering and invalidating are atomic with respect to each other, so a response
 * stored while its data is invalidated is either refused at registration or returned by
 * the invalidation: never kept unindexed. Thread-safe.
 */
interface SurrogateIndex {

	/**
	 * Return the current invalidation sequence number, read before a handler runs.
	 * @return the number, or {@code -1} if it cannot be read now (the response is then
	 * not stored)
	 */
	long sequence();

	/**
	 * Index a stored response under its surrogate keys, unless one of them was
	 * invalidated after {@code sequence}.
	 * @param responseKey the response's key in its cache
	 * @param surrogateKeys its surrogate keys, not empty
	 * @param sequence the number {@link #sequence()} returned before its handler ran
	 * @param ttl how long the response is kept
	 * @return whether it was indexed; {@code false} if its data was invalidated meanwhile
	 * or the index could not be written (the caller then drops the response)
	 */
	boolean register(String responseKey, List<String> surrogateKeys, long sequence, Duration ttl);

	/**
	 * Invalidate a surrogate key: move the sequence, mark the key invalidated at it, and
	 * return the responses indexed under it, forgetting them.
	 * @param surrogateKey the surrogate key
	 * @return the response keys to drop; empty if none, or if the index could not be
	 * reached (logged by the caller's command path)
	 */
	List<String> invalidate(String surrogateKey);

}
