/**
 * Spring Boot auto-configuration for tiered-cache, its properties and customizers.
 */
@NullMarked
package io.github.tieredcache.autoconfigure;

import org.jspecify.annotations.NullMarked;
