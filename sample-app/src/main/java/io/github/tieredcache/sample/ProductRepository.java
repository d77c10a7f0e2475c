package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The product and category tables, counting their queries so the sample can show what the
 * cache saves.
 */
@Repository
public class ProductRepository {

	private final JdbcClient jdbc;

	private final AtomicLong queries = new AtomicLong();

	ProductRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	public Optional<Product> findById(long id) {
		this.queries.incrementAndGet();
		return this.jdbc.sql("SELECT id, name, price, category_id FROM product WHERE id = ?")
			.param(id)
			.query((rs, row) -> new Product(rs.getLong("id"), rs.getString("name"), rs.getBigDecimal("price"),
					rs.getLong("category_id")))
			.optional();
	}

	public boolean updatePrice(long id, BigDecimal price) {
		this.queries.incrementAndGet();
		return this.jdbc.sql("UPDATE product SET price = ? WHERE id = ?").params(price, id).update() == 1;
	}

	public boolean delete(long id) {
		this.queries.incrementAndGet();
		return this.jdbc.sql("DELETE FROM product WHERE id = ?").param(id).update() == 1;
	}

	public long countInCategory(long categoryId) {
		this.queries.incrementAndGet();
		return this.jdbc.sql("SELECT COUNT(*) FROM product WHERE category_id = ?")
			.param(categoryId)
			.query(Long.class)
			.single();
	}

	public Optional<String> categoryName(long id) {
		this.queries.incrementAndGet();
		return this.jdbc.sql("SELECT name FROM category WHERE id = ?").param(id).query(String.class).optional();
	}

	public Map<Long, String> categoryNames(Set<Long> ids) {
		this.queries.incrementAndGet();
		Map<Long, String> names = new LinkedHashMap<>();
		this.jdbc.sql("SELECT id, name FROM category WHERE id IN (:ids)").param("ids", ids).query((rs) -> {
			names.put(rs.getLong("id"), rs.getString("name"));
		});
		return names;
	}

	public long queries() {
		return this.queries.get();
	}

}
