package io.github.tieredcache.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Service;

/**
 * Stock levels change often: updates go to the cache at once and to the database later,
 * coalesced per product and written in JDBC batches.
 */
@Service
public class StockService {

	private final JdbcClient jdbc;

	StockService(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@CacheAside(cache = "stock", key = "#productId")
	public Integer quantity(long productId) {
		return this.jdbc.sql("SELECT quantity FROM stock WHERE product_id = ?")
			.param(productId)
			.query(Integer.class)
			.optional()
			.orElse(0);
	}

	/**
	 * Write-behind: the cache has the new quantity when this returns; {@link StockWriter}
	 * writes the last quantity of each product later, in one batch.
	 */
	@WriteBehind(cache = "stock", key = "#productId", value = "#quantity", batchWriter = "stockWriter")
	public void setQuantity(long productId, int quantity) {
		throw new IllegalStateException("not called: the batch writer writes stock levels");
	}

	/**
	 * Writes batches of stock levels with one JDBC batch (an idempotent upsert, as
	 * at-least-once delivery needs; standard {@code MERGE}, which H2 and PostgreSQL 15+
	 * both run).
	 */
	@Component("stockWriter")
	static class StockWriter implements WriteBehindBatchWriter<Long, Integer> {

		private static final String UPSERT = "MERGE INTO stock s USING (VALUES (CAST(? AS BIGINT), CAST(? AS INT)))"
				+ " AS v (product_id, quantity) ON s.product_id = v.product_id"
				+ " WHEN MATCHED THEN UPDATE SET quantity = v.quantity"
				+ " WHEN NOT MATCHED THEN INSERT (product_id, quantity) VALUES (v.product_id, v.quantity)";

		private final JdbcTemplate jdbc;

		private final AtomicLong rowsWritten = new AtomicLong();

		StockWriter(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		@Override
		public void writeAll(Map<Long, Integer> entries) {
			List<Object[]> rows = new ArrayList<>();
			entries.forEach((productId, quantity) -> rows.add(new Object[] { productId, quantity }));
			this.jdbc.batchUpdate(UPSERT, rows);
			this.rowsWritten.addAndGet(rows.size());
		}

		long rowsWritten() {
			return this.rowsWritten.get();
		}

	}

}
