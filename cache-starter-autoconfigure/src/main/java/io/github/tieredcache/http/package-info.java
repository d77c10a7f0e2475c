/**
 * HTTP caching for Spring MVC: {@code Cache-Control} and CDN headers per endpoint
 * ({@link io.github.tieredcache.http.HttpCaching}, or {@code tiered-cache.http.rules}),
 * and validators taken from cache entries
 * ({@link io.github.tieredcache.http.CachedETag}), so that a conditional request is
 * answered {@code 304} without running the controller. The annotations are the API; the
 * interceptor, filter and advice that apply them are auto-configured.
 */
@NullMarked
package io.github.tieredcache.http;

import org.jspecify.annotations.NullMarked;
