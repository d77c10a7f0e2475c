/**
 * Thin interception for the pattern annotations: resolve the call (operations parsed once
 * per method, SpEL parsed once per expression) and delegate to the core cache. Internal:
 * not API, may change in any release.
 */
@NullMarked
package io.github.tieredcache.internal.aspect;

import org.jspecify.annotations.NullMarked;
