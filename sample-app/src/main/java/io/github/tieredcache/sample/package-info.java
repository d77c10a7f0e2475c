/**
 * The tiered-cache sample application.
 */
@NullMarked
package io.github.tieredcache.sample;

import org.jspecify.annotations.NullMarked;
