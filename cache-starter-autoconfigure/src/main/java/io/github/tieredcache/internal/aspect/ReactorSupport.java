package io.github.tieredcache.internal.aspect;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Reactor {@code Mono} adaptation, loaded only when a method returns a {@code Mono} (so
 * only when Reactor is on the classpath).
 */
final class ReactorSupport {

	private ReactorSupport() {
	}

	static Mono<?> defer(Supplier<CompletableFuture<?>> lookup) {
		return Mono.defer(() -> Mono.fromFuture(lookup.get()));
	}

	@SuppressWarnings("unchecked")
	static CompletableFuture<Object> toFuture(@Nullable Object mono) {
		return (mono != null) ? ((Mono<Object>) mono).toFuture() : CompletableFuture.completedFuture(null);
	}

	@SuppressWarnings("unchecked")
	static Mono<?> afterValue(Object mono, Consumer<@Nullable Object> action) {
		return ((Mono<Object>) mono).doOnSuccess(action);
	}

}
