package io.github.tieredcache.core;

/**
 * Why a load was not run: the cache's origin limit (the cold-start ramp) was reached and
 * a stale value could be served instead. Only ever the cause of a
 * {@link org.springframework.cache.Cache.ValueRetrievalException} that stale-if-error
 * answers; never thrown to a caller.
 */
final class OriginLimitException extends RuntimeException {

	OriginLimitException(String cacheName) {
		super("Cache '" + cacheName + "' is at its origin load limit (cold-start ramp); a stale value is served", null,
				false, false);
	}

}
