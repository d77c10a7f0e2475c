package io.github.tieredcache.core;

/**
 * Thrown by a {@link ValueCodec} that cannot encode a value or decode bytes.
 */
public class ValueCodecException extends RuntimeException {

	/**
	 * Create a new instance.
	 * @param message the detail message
	 * @param cause the cause, may be {@code null}
	 */
	public ValueCodecException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
		super(message, cause);
	}

}
