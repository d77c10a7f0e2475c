package io.github.tieredcache.core;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.support.NullValue;

/**
 * The bytes of an entry in Redis: one format byte, then what it announces.
 * <ul>
 * <li>{@code 0x00}: a cached {@code null};</li>
 * <li>{@code 0x01 payload}: a value, as the {@link ValueCodec} wrote it;</li>
 * <li>{@code 0x02 token}: a lease (the key is being loaded; not a value);</li>
 * <li>{@code 0x03 flags expiresAt loadMillis payload}: a {@link Timed} value (flags bit 0
 * is a cached {@code null}; 8-byte epoch milliseconds; 4-byte milliseconds).</li>
 * </ul>
 * Thread-safe.
 */
final class EntryFormat {

	private static final byte NULL_MARKER = 0;

	private static final byte VALUE_MARKER = 1;

	private static final byte LEASE_MARKER = 2;

	private static final byte TIMED_MARKER = 3;

	private static final int TIMED_HEADER = 14;

	private final ValueCodec codec;

	EntryFormat(ValueCodec codec) {
		this.codec = codec;
	}

	/**
	 * Encode a stored value ({@code NullValue}, a {@link Timed}, or a value).
	 * @throws ValueCodecException if the codec cannot encode the value
	 */
	byte[] encode(Object stored) {
		if (stored instanceof Timed timed) {
			boolean isNull = timed.value() == NullValue.INSTANCE;
			byte[] payload = isNull ? new byte[0] : this.codec.encode(timed.value());
			return ByteBuffer.allocate(TIMED_HEADER + payload.length)
				.put(TIMED_MARKER)
				.put((byte) (isNull ? 1 : 0))
				.putLong(timed.expiresAt())
				.putInt(timed.loadMillis())
				.put(payload)
				.array();
		}
		if (stored == NullValue.INSTANCE) {
			return new byte[] { NULL_MARKER };
		}
		byte[] payload = this.codec.encode(stored);
		byte[] bytes = new byte[payload.length + 1];
		bytes[0] = VALUE_MARKER;
		System.arraycopy(payload, 0, bytes, 1, payload.length);
		return bytes;
	}

	/**
	 * Decode an entry.
	 * @return the stored value, or {@code null} for a lease
	 * @throws ValueCodecException if the bytes are corrupt, truncated or of an unknown
	 * format, or name a type the codec refuses
	 */
	@Nullable Object decode(byte[] bytes) {
		if (isLease(bytes)) {
			return null;
		}
		if (bytes.length == 1 && bytes[0] == NULL_MARKER) {
			return NullValue.INSTANCE;
		}
		if (bytes.length >= TIMED_HEADER && bytes[0] == TIMED_MARKER) {
			ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, TIMED_HEADER - 1);
			boolean isNull = buffer.get() == 1;
			long expiresAt = buffer.getLong();
			int loadMillis = buffer.getInt();
			Object value = isNull ? NullValue.INSTANCE
					: this.codec.decode(Arrays.copyOfRange(bytes, TIMED_HEADER, bytes.length));
			return new Timed(value, expiresAt, loadMillis);
		}
		if (bytes.length < 2 || bytes[0] != VALUE_MARKER) {
			throw new ValueCodecException(ValueCodecException.Reason.CORRUPT, "Unknown or truncated entry format",
					null);
		}
		return this.codec.decode(Arrays.copyOfRange(bytes, 1, bytes.length));
	}

	static boolean isLease(byte[] bytes) {
		return bytes.length > 0 && bytes[0] == LEASE_MARKER;
	}

	/**
	 * Return a new lease: the marker and a random 16-byte token.
	 */
	static byte[] newLease() {
		ByteBuffer lease = ByteBuffer.allocate(17).put(LEASE_MARKER);
		lease.putLong(ThreadLocalRandom.current().nextLong()).putLong(ThreadLocalRandom.current().nextLong());
		return lease.array();
	}

}
