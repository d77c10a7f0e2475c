package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.util.Map;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /products/{id}}, {@code PUT /products/{id}/price} and {@code GET /stats}.
 */
@RestController
class CatalogController {

	private final CatalogService catalog;

	private final ProductRepository products;

	CatalogController(CatalogService catalog, ProductRepository products) {
		this.catalog = catalog;
		this.products = products;
	}

	@GetMapping("/products/{id}")
	ResponseEntity<Product> product(@PathVariable long id) {
		Product product = this.catalog.find(id);
		return (product != null) ? ResponseEntity.ok(product) : ResponseEntity.notFound().build();
	}

	@PutMapping("/products/{id}/price")
	ResponseEntity<Void> changePrice(@PathVariable long id, @RequestBody BigDecimal price) {
		return this.catalog.changePrice(id, price) ? ResponseEntity.noContent().build()
				: ResponseEntity.notFound().build();
	}

	@GetMapping("/stats")
	Map<String, Long> stats() {
		return Map.of("databaseReads", this.products.reads());
	}

}
