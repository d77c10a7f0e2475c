package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

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

	@GetMapping("/products/{id}")
	ResponseEntity<Product> product(@PathVariable long id) {
		return ResponseEntity.of(this.catalog.find(id));
	}

	@PutMapping("/products/{id}/price")
	ResponseEntity<Product> changePrice(@PathVariable long id, @RequestBody BigDecimal price) {
		Product changed = this.catalog.changePrice(id, price);
		return (changed != null) ? ResponseEntity.ok(changed) : ResponseEntity.notFound().build();
	}

	@DeleteMapping("/products/{id}")
	ResponseEntity<Void> delete(@PathVariable long id) {
		return this.catalog.delete(id) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	@GetMapping("/categories")
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
