package io.github.tieredcache.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
 * An entry's <em>version</em> is the SHA-1 of its bytes less a timed entry's expiry and
 * load time: it changes whenever the stored value's bytes change, is the same on every
 * instance (it is computed from the bytes in Redis, by Redis), and survives a refresh
 * that stores identical bytes. Thread-safe.
 */
final class EntryFormat {

	private static final byte NULL_MARKER = 0;

	private static final byte VALUE_MARKER = 1;

	private static final byte LEASE_MARKER = 2;

	private static final byte TIMED_MARKER = 3;

	private static final int TIMED_HEADER = 14;

	private static final int DIGEST_LENGTH = 40;

	/**
	 * A Lua script returning an entry's version (40 hex characters), followed for a timed
	 * entry by its 8-byte expiry, or {@code false} for an absent key or a lease. The
	 * value never leaves Redis.
	 */
	static final byte[] VERSION_SCRIPT = ("local v = redis.call('GET', KEYS[1]) " + "if not v or string.byte(v, 1) == "
			+ LEASE_MARKER + " then return false end " + "if string.byte(v, 1) == " + TIMED_MARKER + " and #v >= "
			+ TIMED_HEADER + " then " + "return redis.sha1hex(string.sub(v, 1, 2) .. string.sub(v, "
			+ (TIMED_HEADER + 1) + ")) " + ".. string.sub(v, 3, 10) end " + "return redis.sha1hex(v)")
		.getBytes(StandardCharsets.US_ASCII);

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
					: this.codec.decode(bytes, TIMED_HEADER, bytes.length - TIMED_HEADER);
			return new Timed(value, expiresAt, loadMillis);
		}
		if (bytes.length < 2 || bytes[0] != VALUE_MARKER) {
			throw new ValueCodecException(ValueCodecException.Reason.CORRUPT, "Unknown or truncated entry format",
					null);
		}
		return this.codec.decode(bytes, 1, bytes.length - 1);
	}

	/**
	 * Return the version of the entry the {@link #VERSION_SCRIPT} replied about.
	 * @param reply the script's reply
	 * @param now the current time in epoch milliseconds
	 * @return the version, or {@code null} if the entry is absent, a lease, or a timed
	 * entry past its logical expiry (kept for stale-if-error only, so not current)
	 */
	static @Nullable String version(byte @Nullable [] reply, long now) {
		if (reply == null || reply.length < DIGEST_LENGTH) {
			return null;
		}
		if (reply.length == DIGEST_LENGTH + Long.BYTES
				&& ByteBuffer.wrap(reply, DIGEST_LENGTH, Long.BYTES).getLong() <= now) {
			return null;
		}
		return new String(reply, 0, DIGEST_LENGTH, StandardCharsets.US_ASCII);
	}

	/**
	 * Return the version of an entry's bytes, as the {@link #VERSION_SCRIPT} computes it
	 * in Redis.
	 * @param bytes the entry's bytes (not a lease)
	 * @return 40 lower-case hex characters
	 */
	static String version(byte[] bytes) {
		byte[] hashed = bytes;
		if (bytes.length >= TIMED_HEADER && bytes[0] == TIMED_MARKER) {
			hashed = new byte[bytes.length - TIMED_HEADER + 2];
			hashed[0] = bytes[0];
			hashed[1] = bytes[1];
			System.arraycopy(bytes, TIMED_HEADER, hashed, 2, bytes.length - TIMED_HEADER);
		}
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(hashed));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is required of every Java platform", ex);
		}
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
