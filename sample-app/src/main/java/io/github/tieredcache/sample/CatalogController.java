package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.security.Principal;
import java.util.List;
import java.util.Map;

import io.github.tieredcache.http.CachedETag;
import io.github.tieredcache.http.CachedResponse;
import io.github.tieredcache.http.HttpCaching;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalogue over HTTP, plus {@code GET /stats} with the number of database queries.
 */
@RestController
class CatalogController {

	private final CatalogService catalog;

	private final CategoryDirectory categories;

	private final ProductRepository products;

	private final StockService stock;

	CatalogController(CatalogService catalog, CategoryDirectory categories, ProductRepository products,
			StockService stock) {
		this.catalog = catalog;
		this.categories = categories;
		this.products = products;
		this.stock = stock;
	}

	@GetMapping("/products/{id}/stock")
	int stock(@PathVariable long id) {
		return this.stock.quantity(id);
	}

	@PutMapping("/products/{id}/stock")
	ResponseEntity<Void> setStock(@PathVariable long id, @RequestBody int quantity) {
		this.stock.setQuantity(id, quantity);
		return ResponseEntity.accepted().build();
	}

	/**
	 * The product page: browsers keep it 10 s, then revalidate with its {@code ETag} (a
	 * {@code 304} answered from the cache entry, without running this method); shared
	 * caches keep it 5 min, serve it stale for 30 s while they refetch and for a day if
	 * the application fails; a change of the product purges it by its surrogate key.
	 */
	@GetMapping("/products/{id}")
	@HttpCaching(maxAge = "10s", sMaxAge = "5m", staleWhileRevalidate = "30s", staleIfError = "1d",
			surrogateKeys = { "'products'", "'products:' + #id" })
	@CachedETag(cache = "products", key = "#id")
	ResponseEntity<Product> product(@PathVariable long id) {
		return ResponseEntity.of(this.catalog.find(id));
	}

	/**
	 * The same product as plain data, without HTTP caching (no {@code ETag}, no
	 * {@code Cache-Control}): the load test reads it to measure the data cache alone.
	 * @param id the product's id
	 * @return the product, or 404
	 */
	@GetMapping("/api/products/{id}")
	ResponseEntity<Product> productData(@PathVariable long id) {
		return ResponseEntity.of(this.catalog.find(id));
	}

	/**
	 * The product with the signed-in member's price: the same annotation as a public page
	 * ({@code AUTO} scope), but every request here is authenticated, so every response is
	 * {@code private} and no shared cache keeps it. The application keeps it, per member
	 * ({@code perPrincipal}), until the product changes.
	 */
	@GetMapping("/me/products/{id}")
	@HttpCaching(maxAge = "60s", sMaxAge = "5m", surrogateKeys = "'products:' + #id")
	@CachedResponse(cache = "http", ttl = "5m", perPrincipal = true)
	ResponseEntity<MemberOffer> memberOffer(@PathVariable long id, Principal member) {
		return ResponseEntity.of(this.catalog.find(id).map((product) -> MemberOffer.of(member.getName(), product)));
	}

	/**
	 * A conditional write: with {@code If-Match}, answered {@code 412} without running
	 * this method unless it names the product's current {@code ETag}.
	 */
	@PutMapping("/products/{id}/price")
	@CachedETag(cache = "products", key = "#id")
	ResponseEntity<Product> changePrice(@PathVariable long id, @RequestBody BigDecimal price) {
		Product changed = this.catalog.changePrice(id, price);
		return (changed != null) ? ResponseEntity.ok(changed) : ResponseEntity.notFound().build();
	}

	@DeleteMapping("/products/{id}")
	ResponseEntity<Void> delete(@PathVariable long id) {
		return this.catalog.delete(id) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	/**
	 * Category names, its headers from the {@code /categories/**} rule of
	 * {@code application.yml}: the whole response is kept by the application for 30 s
	 * (keyed by path and sorted query), so a repeated request runs nothing here.
	 */
	@GetMapping("/categories")
	@CachedResponse(cache = "http", ttl = "30s")
	Map<Long, String> categories(@RequestParam List<Long> ids) {
		return this.categories.names(ids);
	}

	@GetMapping("/categories/{id}/count")
	long count(@PathVariable long id) {
		return this.catalog.countInCategory(id);
	}

	@GetMapping("/stats")
	Map<String, Long> stats() {
		return Map.of("databaseQueries", this.products.queries());
	}

}
