package io.github.tieredcache.sample;

import java.math.BigDecimal;

/**
 * A product of the catalogue.
 *
 * @param id the identifier
 * @param name the name
 * @param price the price
 * @param categoryId the category
 */
public record Product(long id, String name, BigDecimal price, long categoryId) {
}
