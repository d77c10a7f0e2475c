package io.github.tieredcache.writebehind;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a write cannot be queued (Redis did not acknowledge it, or the queue is
 * full and the policy is to fail).
 */
public class WriteBehindException extends RuntimeException {

	/**
	 * Create a new instance.
	 * @param message the detail message
	 * @param cause the cause, may be {@code null}
	 */
	public WriteBehindException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
