/**
 * Durable write-behind, what applications implement or catch: the batch writer SPI and
 * the exception a rejected call throws. The queue and its flusher are internal.
 */
@NullMarked
package io.github.tieredcache.writebehind;

import org.jspecify.annotations.NullMarked;
