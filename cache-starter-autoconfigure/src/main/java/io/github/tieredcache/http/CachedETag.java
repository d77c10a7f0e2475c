package io.github.tieredcache.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Take a {@code GET} handler's validator from the cache entry it serves: the response
 * gets {@code ETag: W/"<version>"}, where the version is the entry's
 * ({@code TieredCache#entryVersion}): the same on every instance, moved by every write of
 * other bytes for the key (by {@code @WriteThrough}, {@code @CachePut}, the {@code Cache}
 * API, any instance). A request whose {@code If-None-Match} names the current version is
 * answered {@code 304 Not Modified} with the {@code ETag}, {@code Cache-Control} and
 * {@code Vary} a {@code 200} would carry, before argument binding and without invoking
 * the handler or serializing anything. When the entry is absent, the handler runs and the
 * {@code ETag} comes from the entry it cached.
 * <p>
 * Meant for handlers whose body is a function of that one entry (the handler reads it
 * through the cache, typically a {@code @CacheAside} service method with the same cache
 * and key). On a {@code HEAD} request it behaves as on {@code GET}.
 * <p>
 * On a write ({@code PUT}, {@code PATCH}, {@code DELETE}, …) with {@code If-Match}, the
 * request is answered {@code 412 Precondition Failed}, without invoking the handler,
 * unless {@code If-Match} names the entry's current version (or is {@code *} and the
 * entry exists): lost-update protection. An entry whose version cannot be told (absent,
 * Redis unavailable) fails the precondition. Tags are compared weakly. A write without
 * {@code If-Match} runs as usual.
 *
 * @see HttpCaching
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CachedETag {

	/**
	 * Name of the cache holding the entry.
	 * @return the cache name
	 */
	String cache();

	/**
	 * SpEL expression for the entry's key, the same key the service method caches under.
	 * It sees the request's path variables and parameters by name, each converted to the
	 * type of the handler parameter of the same name where there is one (so {@code #id}
	 * is a {@code Long} for {@code @PathVariable Long id}, matching a {@code @CacheAside}
	 * key of {@code #id} on {@code find(Long id)}).
	 * @return the key expression
	 */
	String key();

}
