package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.util.Optional;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.annotation.WriteThrough;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The catalogue, one caching pattern per method.
 */
@Service
public class CatalogService {

	private final ProductRepository products;

	CatalogService(ProductRepository products) {
		this.products = products;
	}

	/**
	 * Cache-aside: L1, then Redis, then the database; a missing product is cached as a
	 * {@code null} for the cache's null TTL.
	 */
	@CacheAside(cache = "products", key = "#id", cacheNull = true)
	public Optional<Product> find(long id) {
		return this.products.findById(id);
	}

	/**
	 * Write-through: the price changes in the database, then (after commit) the new
	 * product replaces the cached one.
	 */
	@Transactional
	@WriteThrough(cache = "products", key = "#id")
	public @Nullable Product changePrice(long id, BigDecimal price) {
		return this.products.updatePrice(id, price) ? this.products.findById(id).orElse(null) : null;
	}

	/**
	 * Invalidation: after the delete commits, the product and every category count leave
	 * the cache.
	 */
	@Transactional
	@CacheInvalidate(cache = "products", key = "#id")
	@CacheInvalidate(cache = "category-counts", allEntries = true)
	public boolean delete(long id) {
		return this.products.delete(id);
	}

	/**
	 * Spring's own {@code @Cacheable} works over the same two-tier cache manager.
	 */
	@Cacheable("category-counts")
	public long countInCategory(long categoryId) {
		return this.products.countInCategory(categoryId);
	}

}
