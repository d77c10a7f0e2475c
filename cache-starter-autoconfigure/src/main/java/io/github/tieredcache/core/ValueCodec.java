package io.github.tieredcache.core;

/**
 * Turns cached values into the bytes stored in Redis and back.
 * <p>
 * The default, {@link JacksonValueCodec}, writes JSON and reads back only types on an
 * allow-list. Declare a bean of this type to replace it. Implementations must be
 * thread-safe, must never instantiate a type that the application did not allow, and must
 * report every bad input by throwing {@link ValueCodecException}: the cache then treats
 * the entry as a miss.
 */
public interface ValueCodec {

	/**
	 * Encode a value.
	 * @param value the value, never {@code null} (the cache stores nulls itself)
	 * @return the encoded bytes
	 * @throws ValueCodecException if the value cannot be encoded, for example because its
	 * type is not allowed
	 */
	byte[] encode(Object value);

	/**
	 * Decode bytes produced by {@link #encode(Object)}.
	 * @param bytes the bytes read from Redis
	 * @return the decoded value, never {@code null}
	 * @throws ValueCodecException if the bytes are corrupt, truncated, or name a type
	 * that is not allowed
	 */
	Object decode(byte[] bytes);

	/**
	 * Decode the part of an array that holds bytes produced by {@link #encode(Object)}:
	 * the cache stores its own header in front of the value and calls this method so that
	 * a read does not copy the value's bytes. The default copies the range and calls
	 * {@link #decode(byte[])}; override it to read the range in place.
	 * @param bytes the array read from Redis
	 * @param offset where the value's bytes start
	 * @param length how many bytes the value has
	 * @return the decoded value, never {@code null}
	 * @throws ValueCodecException if the bytes are corrupt, truncated, or name a type
	 * that is not allowed
	 */
	default Object decode(byte[] bytes, int offset, int length) {
		return decode(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
	}

	/**
	 * Return whether values of a type can be encoded and read back (write-behind checks
	 * the parameter types of its methods with it at start-up).
	 * @param type a type, primitives already boxed
	 * @return whether the codec takes values of that type (by default, all)
	 */
	default boolean accepts(Class<?> type) {
		return true;
	}

	/**
	 * Return whether values of a declared type, generic arguments included (a
	 * {@code List<URI>} parameter, say), can be encoded and read back. Unlike
	 * {@link #accepts(Class)}, an interface such as {@code List} is taken as the allowed
	 * types behind it.
	 * @param type a declared type
	 * @return whether the codec takes values of that type (by default, whether it takes
	 * its raw class)
	 */
	default boolean accepts(java.lang.reflect.Type type) {
		return accepts(org.springframework.core.ResolvableType.forType(type).toClass());
	}

}
