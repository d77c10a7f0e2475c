package io.github.tieredcache.internal.writebehind;

import java.util.Map;

import io.lettuce.core.StreamMessage;

/**
 * One entry of the write-behind stream, as read by a flusher.
 *
 * @param id the stream entry id
 * @param deliveries how many times it has been delivered, this time included
 * @param fields the entry's fields, read through {@link StreamRecordFormat}
 */
record QueuedWrite(String id, long deliveries, Map<byte[], byte[]> fields) {

	static QueuedWrite of(StreamMessage<byte[], byte[]> message, long deliveries) {
		return new QueuedWrite(message.getId(), deliveries, StreamRecordFormat.normalize(message.getBody()));
	}

	String coalescingKey() {
		return StreamRecordFormat.coalescingKey(this.fields);
	}

	/**
	 * Return the id this entry is ordered by among the writes of its key: the stream id
	 * of the original entry for a re-driven dead letter, else its own.
	 * @return the ordering id
	 */
	String orderingId() {
		return StreamRecordFormat.orderingId(this.id, this.fields);
	}

	String writer() {
		return StreamRecordFormat.writer(this.fields);
	}

}
