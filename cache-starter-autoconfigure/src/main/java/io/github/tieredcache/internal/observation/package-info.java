/**
 * Where the caches report the work that leaves the JVM (a Redis read, a load from the
 * origin, a write-behind flush) to Micrometer Observation: a seam the caches and the
 * write-behind flusher call, without any dependency on the rest of the library. Nothing
 * here is loaded with Micrometer absent unless a registry is set.
 */
@NullMarked
package io.github.tieredcache.internal.observation;

import org.jspecify.annotations.NullMarked;
