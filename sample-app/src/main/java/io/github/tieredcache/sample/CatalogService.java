package io.github.tieredcache.sample;

import java.math.BigDecimal;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Reads go through the two-tier cache with Spring's own {@code @Cacheable}; a price change
 * evicts the entry.
 */
@Service
public class CatalogService {

	private final ProductRepository products;

	CatalogService(ProductRepository products) {
		this.products = products;
	}

	@Cacheable("products")
	public @Nullable Product find(long id) {
		return this.products.findById(id).orElse(null);
	}

	@Transactional
	@CacheEvict(cacheNames = "products", key = "#id")
	public boolean changePrice(long id, BigDecimal price) {
		return this.products.updatePrice(id, price);
	}

}
