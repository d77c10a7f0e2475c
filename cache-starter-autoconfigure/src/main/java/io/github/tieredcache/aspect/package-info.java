/**
 * Thin interception for the pattern annotations: resolve the call (operations parsed once
 * per method, SpEL parsed once per expression) and delegate to the core cache.
 */
@NullMarked
package io.github.tieredcache.aspect;

import org.jspecify.annotations.NullMarked;
