package io.github.tieredcache.core;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link ValueCodec} that cannot encode a value or decode bytes, with the
 * {@link Reason} the cache counts it by (see {@link CacheStatistics}).
 */
public class ValueCodecException extends RuntimeException {

	private final Reason reason;

	/**
	 * Create a new instance for {@link Reason#OTHER}.
	 * @param message the detail message
	 * @param cause the cause, may be {@code null}
	 */
	public ValueCodecException(String message, @Nullable Throwable cause) {
		this(Reason.OTHER, message, cause);
	}

	/**
	 * Create a new instance.
	 * @param reason why the value or the bytes were refused
	 * @param message the detail message
	 * @param cause the cause, may be {@code null}
	 */
	public ValueCodecException(Reason reason, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.reason = reason;
	}

	/**
	 * Return why the value or the bytes were refused.
	 * @return the reason
	 */
	public Reason getReason() {
		return this.reason;
	}

	/**
	 * Why a codec refused a value or bytes.
	 */
	public enum Reason {

		/**
		 * The bytes are not a well-formed entry: truncated, not JSON, an unknown format
		 * byte, a JSON {@code null}.
		 */
		CORRUPT,

		/**
		 * A type outside the allow-list: named in the bytes (nothing was loaded or
		 * instantiated), or the type of the value or of a value nested in it.
		 */
		TYPE_NOT_ALLOWED,

		/**
		 * An allowed type that cannot be read: the bytes do not fit it (a missing class,
		 * no way to construct it, a shape that does not match), or a value of it was
		 * written but could not be read back.
		 */
		UNREADABLE_TYPE,

		/**
		 * The value cannot be written at all (its serializer failed).
		 */
		UNWRITABLE,

		/**
		 * Anything else; what a codec reports when it gives no reason.
		 */
		OTHER

	}

}
