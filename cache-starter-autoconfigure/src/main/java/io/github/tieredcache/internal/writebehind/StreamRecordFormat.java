package io.github.tieredcache.internal.writebehind;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The one place that knows the fields of a write-behind stream entry, writes them and
 * reads them back.
 * <p>
 * A method call has {@code key} (cache name and encoded key, what writes are coalesced
 * by), {@code bean}, {@code method} (name and parameter types) and {@code args} (the
 * arguments as a list, encoded by the value codec). A batch-writer call has {@code key},
 * {@code writer}, {@code cacheKey} and {@code value} (a one-element list). A dead letter
 * adds {@code error} and {@code order}: the stream id of the original entry, which a
 * re-driven entry keeps as its ordering id so that it never overwrites a newer write.
 */
final class StreamRecordFormat {

	private static final byte[] KEY = bytes("key");

	private static final byte[] BEAN = bytes("bean");

	private static final byte[] METHOD = bytes("method");

	private static final byte[] ARGUMENTS = bytes("args");

	private static final byte[] WRITER = bytes("writer");

	private static final byte[] CACHE_KEY = bytes("cacheKey");

	private static final byte[] VALUE = bytes("value");

	private static final byte[] ERROR = bytes("error");

	private static final byte[] ORDER = bytes("order");

	private StreamRecordFormat() {
	}

	static Map<byte[], byte[]> methodCall(String coalescingKey, String bean, String method, byte[] arguments) {
		Map<byte[], byte[]> fields = new LinkedHashMap<>();
		fields.put(KEY, bytes(coalescingKey));
		fields.put(BEAN, bytes(bean));
		fields.put(METHOD, bytes(method));
		fields.put(ARGUMENTS, arguments);
		return fields;
	}

	static Map<byte[], byte[]> batchWrite(String coalescingKey, String writer, byte[] cacheKey, byte[] value) {
		Map<byte[], byte[]> fields = new LinkedHashMap<>();
		fields.put(KEY, bytes(coalescingKey));
		fields.put(WRITER, bytes(writer));
		fields.put(CACHE_KEY, cacheKey);
		fields.put(VALUE, value);
		return fields;
	}

	/**
	 * The fields of a dead letter: the entry's, its ordering id and the last error.
	 */
	static Map<byte[], byte[]> deadLetter(QueuedWrite write, String error) {
		Map<byte[], byte[]> fields = new LinkedHashMap<>(without(write.fields(), ORDER, ERROR));
		fields.put(ORDER, bytes(write.orderingId()));
		fields.put(ERROR, bytes(error));
		return fields;
	}

	/**
	 * The fields of a re-driven dead letter: without the error, keeping the ordering id.
	 */
	static Map<byte[], byte[]> redriven(Map<byte[], byte[]> deadLetter) {
		return without(normalize(deadLetter), ERROR);
	}

	static String coalescingKey(Map<byte[], byte[]> fields) {
		return string(fields.get(KEY));
	}

	static String bean(Map<byte[], byte[]> fields) {
		return string(fields.get(BEAN));
	}

	static String method(Map<byte[], byte[]> fields) {
		return string(fields.get(METHOD));
	}

	static byte @Nullable [] arguments(Map<byte[], byte[]> fields) {
		return fields.get(ARGUMENTS);
	}

	static String writer(Map<byte[], byte[]> fields) {
		return string(fields.get(WRITER));
	}

	static byte @Nullable [] cacheKey(Map<byte[], byte[]> fields) {
		return fields.get(CACHE_KEY);
	}

	static byte @Nullable [] value(Map<byte[], byte[]> fields) {
		return fields.get(VALUE);
	}

	static String error(Map<byte[], byte[]> fields) {
		return string(fields.get(ERROR));
	}

	/**
	 * The id an entry is ordered by: its original stream id if it was re-driven, else its
	 * own.
	 */
	static String orderingId(String id, Map<byte[], byte[]> fields) {
		byte[] order = fields.get(ORDER);
		return (order != null) ? string(order) : id;
	}

	/**
	 * Byte-array map keys compare by identity; rebuild the map so lookups by field name
	 * work.
	 */
	static Map<byte[], byte[]> normalize(Map<byte[], byte[]> body) {
		if (body instanceof ContentKeyedMap) {
			return body;
		}
		Map<ByteBuffer, byte[]> byContent = new LinkedHashMap<>();
		body.forEach((field, value) -> byContent.put(ByteBuffer.wrap(field), value));
		return new ContentKeyedMap(byContent);
	}

	private static Map<byte[], byte[]> without(Map<byte[], byte[]> fields, byte[]... names) {
		Map<ByteBuffer, byte[]> byContent = new LinkedHashMap<>();
		fields.forEach((field, value) -> byContent.put(ByteBuffer.wrap(field), value));
		for (byte[] name : names) {
			byContent.remove(ByteBuffer.wrap(name));
		}
		return new ContentKeyedMap(byContent);
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	static String string(byte @Nullable [] bytes) {
		return (bytes != null) ? new String(bytes, StandardCharsets.UTF_8) : "";
	}

	/**
	 * A map keyed by byte arrays compared by content.
	 */
	private static final class ContentKeyedMap extends AbstractMap<byte[], byte[]> {

		private final Map<ByteBuffer, byte[]> byContent;

		ContentKeyedMap(Map<ByteBuffer, byte[]> byContent) {
			this.byContent = byContent;
		}

		@Override
		public byte @Nullable [] get(Object key) {
			return (key instanceof byte[] bytes) ? this.byContent.get(ByteBuffer.wrap(bytes)) : null;
		}

		@Override
		public Set<Map.Entry<byte[], byte[]>> entrySet() {
			Set<Map.Entry<byte[], byte[]>> entries = new LinkedHashSet<>();
			this.byContent.forEach((field, value) -> entries.add(Map.entry(field.array(), value)));
			return entries;
		}

	}

}
