package io.github.tieredcache.writebehind;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lettuce.core.StreamMessage;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the write-behind stream.
 *
 * @param id the stream entry id
 * @param deliveries how many times it has been delivered, this time included
 * @param fields the entry's fields
 */
record QueuedWrite(String id, long deliveries, Map<byte[], byte[]> fields) {

	static QueuedWrite of(StreamMessage<byte[], byte[]> message, long deliveries) {
		return new QueuedWrite(message.getId(), deliveries, normalize(message.getBody()));
	}

	/**
	 * Byte-array map keys compare by identity; rebuild the map so lookups by field name work.
	 */
	static Map<byte[], byte[]> normalize(Map<byte[], byte[]> body) {
		Map<ByteBuffer, byte[]> byContent = new LinkedHashMap<>();
		body.forEach((field, value) -> byContent.put(ByteBuffer.wrap(field), value));
		return new ContentKeyedMap(byContent);
	}

	String coalescingKey() {
		return WriteBehindQueue.string(field(WriteBehindQueue.KEY));
	}

	byte @Nullable [] field(byte[] name) {
		return this.fields.get(name);
	}

	String text(byte[] name) {
		return WriteBehindQueue.string(field(name));
	}

	/**
	 * A map keyed by byte arrays compared by content.
	 */
	private static final class ContentKeyedMap extends java.util.AbstractMap<byte[], byte[]> {

		private final Map<ByteBuffer, byte[]> byContent;

		ContentKeyedMap(Map<ByteBuffer, byte[]> byContent) {
			this.byContent = byContent;
		}

		@Override
		public byte @Nullable [] get(Object key) {
			return (key instanceof byte[] bytes) ? this.byContent.get(ByteBuffer.wrap(bytes)) : null;
		}

		@Override
		public java.util.Set<Map.Entry<byte[], byte[]>> entrySet() {
			java.util.Set<Map.Entry<byte[], byte[]>> entries = new java.util.LinkedHashSet<>();
			this.byContent.forEach((field, value) -> entries.add(Map.entry(field.array(), value)));
			return entries;
		}

	}

}
