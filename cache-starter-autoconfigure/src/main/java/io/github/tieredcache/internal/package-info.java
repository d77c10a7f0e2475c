/**
 * The starter's internals: the tiers, the invalidation bus, the write-behind queue and
 * the aspects, public only because other packages of the starter use them. Not API: any
 * type under this package may change or go in any release. The API is in
 * {@code io.github.tieredcache.annotation}, {@code core}, {@code writebehind} and
 * {@code autoconfigure}.
 */
@NullMarked
package io.github.tieredcache.internal;

import org.jspecify.annotations.NullMarked;
