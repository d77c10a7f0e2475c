package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The products table, counting its reads so the sample can show what the cache saves.
 */
@Repository
public class ProductRepository {

	private final JdbcClient jdbc;

	private final AtomicLong reads = new AtomicLong();

	ProductRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	public Optional<Product> findById(long id) {
		this.reads.incrementAndGet();
		return this.jdbc.sql("SELECT id, name, price FROM product WHERE id = ?")
			.param(id)
			.query((rs, row) -> new Product(rs.getLong("id"), rs.getString("name"), rs.getBigDecimal("price")))
			.optional();
	}

	public boolean updatePrice(long id, BigDecimal price) {
		return this.jdbc.sql("UPDATE product SET price = ? WHERE id = ?").params(price, id).update() == 1;
	}

	public long reads() {
		return this.reads.get();
	}

}
