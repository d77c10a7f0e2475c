package io.github.tieredcache.writebehind;

import java.util.Map;

/**
 * Writes a batch of coalesced write-behind entries in one call (one {@code saveAll}, one
 * JDBC batch), named by {@code @WriteBehind(batchWriter = "…")}.
 * <p>
 * Delivery is at least once: a batch may be written again after a crash between the write
 * and its acknowledgement, so the write must be idempotent (an upsert of the last value).
 * Throwing fails the batch; its keys are then retried one by one, so that one bad key
 * does not hold back the others.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface WriteBehindBatchWriter<K, V> {

	/**
	 * Write the entries.
	 * @param entries the last value of each key, in the order of their last writes
	 * @throws Exception if the write failed
	 */
	void writeAll(Map<K, V> entries) throws Exception;

}
