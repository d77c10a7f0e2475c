package io.github.tieredcache.benchmarks;

import java.math.BigDecimal;
import java.util.List;

/**
 * The payload every benchmark caches: a small product, about 120 bytes of JSON.
 *
 * @param id the identifier
 * @param name the name
 * @param price the price
 * @param tags the tags
 */
public record Product(long id, String name, BigDecimal price, List<String> tags) {

	static Product sample() {
		return new Product(42L, "Desk lamp with a long name", new BigDecimal("29.90"), List.of("home", "light"));
	}

}
