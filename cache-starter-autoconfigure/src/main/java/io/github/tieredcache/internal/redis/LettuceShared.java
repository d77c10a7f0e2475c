package io.github.tieredcache.internal.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * What {@link RedisTier} needs to know of Lettuce; only loaded when Lettuce is present.
 */
final class LettuceShared {

	private LettuceShared() {
	}

	/**
	 * Return whether the factory hands every connection the same native connection, which
	 * then outlives the Spring connection that exposed it.
	 */
	static boolean isShared(RedisConnectionFactory connectionFactory) {
		return connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.getShareNativeConnection();
	}

	/**
	 * Return whether a failure is an error reply: Redis answered and refused the command.
	 */
	static boolean isErrorReply(@Nullable Throwable failure) {
		return failure instanceof RedisCommandExecutionException;
	}

	/**
	 * Return whether a failure means Redis cannot be reached (no connection).
	 */
	static boolean isConnectionFailure(@Nullable Throwable failure) {
		return failure instanceof RedisConnectionException
				|| failure instanceof org.springframework.data.redis.RedisConnectionFailureException
				|| (failure instanceof RedisException
						&& String.valueOf(failure.getMessage()).contains("not connected"));
	}

	/**
	 * Return whether a failure means the connection is closed for good.
	 */
	static boolean isClosed(@Nullable Throwable failure) {
		return failure instanceof RedisException && !(failure instanceof RedisConnectionException)
				&& String.valueOf(failure.getMessage()).contains("closed");
	}

}
