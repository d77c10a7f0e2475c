/**
 * What applies the {@code io.github.tieredcache.http} annotations and the
 * {@code tiered-cache.http.rules} to Spring MVC: a handler interceptor (resolves the
 * policy, answers {@code 304} from the cache entry before argument binding), a filter
 * (writes the headers just before the response commits, when its status is final), and a
 * response-body advice (hands the body to surrogate-key expressions). Internal: not API,
 * may change in any release.
 */
@NullMarked
package io.github.tieredcache.internal.http;

import org.jspecify.annotations.NullMarked;
