/**
 * Spring Boot Actuator support: the {@code tieredcache} endpoint, the {@code tieredCache}
 * health indicator, and the view of the cache manager that gives Spring Boot's
 * {@code caches} endpoint fleet-wide clears.
 */
@NullMarked
package io.github.tieredcache.actuate;

import org.jspecify.annotations.NullMarked;
