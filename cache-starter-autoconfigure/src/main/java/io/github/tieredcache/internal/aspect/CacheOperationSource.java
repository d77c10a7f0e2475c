package io.github.tieredcache.internal.aspect;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.core.WriteOptions;
import io.github.tieredcache.internal.DurationText;
import io.github.tieredcache.internal.aspect.CacheOperations.Invalidate;
import io.github.tieredcache.internal.aspect.CacheOperations.ReturnKind;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringValueResolver;

/**
 * Finds the pattern annotations of a method (on the method, else on its class; meta-
 * annotations included) and parses them once into {@link CacheOperations}. Bad
 * annotations fail here, that is when the bean is proxied at start-up, with a message
 * naming the method.
 * <p>
 * Thread-safe. A lookup for a method already seen with the same target class allocates
 * nothing.
 */
final class CacheOperationSource {

	private static final @Nullable Class<?> MONO = ClassUtils.isPresent("reactor.core.publisher.Mono",
			CacheOperationSource.class.getClassLoader())
					? ClassUtils.resolveClassName("reactor.core.publisher.Mono",
							CacheOperationSource.class.getClassLoader())
					: null;

	private final @Nullable StringValueResolver placeholders;

	private final ConcurrentMap<Method, PerClass> operations = new ConcurrentHashMap<>();

	private final ConcurrentMap<MethodClassKey, CacheOperations> otherClasses = new ConcurrentHashMap<>();

	/**
	 * Create a source.
	 * @param placeholders resolves {@code ${…}} in TTL attributes, or {@code null}
	 */
	CacheOperationSource(@Nullable StringValueResolver placeholders) {
		this.placeholders = placeholders;
	}

	/**
	 * Return the operations of a method called on an instance of a class.
	 * @param method the invoked method
	 * @param targetClass the class of the target
	 * @return the operations, {@link CacheOperations#NONE} if there are none
	 */
	CacheOperations get(Method method, Class<?> targetClass) {
		PerClass perClass = this.operations.get(method);
		if (perClass == null) {
			// parsed outside the map's lock: parsing may create beans that are parsed in
			// turn
			PerClass parsed = new PerClass(targetClass, parse(method, targetClass));
			PerClass existing = this.operations.putIfAbsent(method, parsed);
			perClass = (existing != null) ? existing : parsed;
		}
		if (perClass.targetClass == targetClass) {
			return perClass.operations;
		}
		// the same method called on instances of several classes (an interface method,
		// say)
		MethodClassKey key = new MethodClassKey(method, targetClass);
		CacheOperations operations = this.otherClasses.get(key);
		if (operations == null) {
			operations = parse(method, targetClass);
			this.otherClasses.putIfAbsent(key, operations);
		}
		return operations;
	}

	private CacheOperations parse(Method method, Class<?> targetClass) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		if (specific.getDeclaringClass() == Object.class) {
			return CacheOperations.NONE;
		}
		MergedAnnotations onMethod = MergedAnnotations.from(specific, SearchStrategy.TYPE_HIERARCHY);
		MergedAnnotations onClass = MergedAnnotations.from(targetClass, SearchStrategy.TYPE_HIERARCHY);
		boolean classLevelApplies = Modifier.isPublic(specific.getModifiers()) && !specific.isBridge()
				&& !specific.isSynthetic();
		boolean returnsValue = specific.getReturnType() != void.class;
		ReturnKind kind = returnKind(specific.getReturnType());

		CacheOperations.CacheAside read = null;
		MergedAnnotation<CacheAside> aside = onMethod.get(CacheAside.class);
		if (!aside.isPresent() && classLevelApplies && returnsValue) {
			aside = onClass.get(CacheAside.class);
		}
		if (aside.isPresent()) {
			if (!returnsValue) {
				throw invalid(specific, "@CacheAside needs a method that returns a value");
			}
			read = new CacheOperations.CacheAside(aside.getString("cache"), expression(aside, "key", specific),
					options(aside, specific, aside.getBoolean("cacheNull")), expression(aside, "condition", specific),
					expression(aside, "unless", specific));
		}

		CacheOperations.WriteThrough write = null;
		MergedAnnotation<WriteThrough> writeThrough = onMethod.get(WriteThrough.class);
		if (!writeThrough.isPresent() && classLevelApplies) {
			MergedAnnotation<WriteThrough> onType = onClass.get(WriteThrough.class);
			if (onType.isPresent() && (returnsValue || !onType.getString("value").trim().equals("#result"))) {
				writeThrough = onType;
			}
		}
		if (writeThrough.isPresent()) {
			if (read != null) {
				throw invalid(specific, "@CacheAside and @WriteThrough cannot be combined on one method");
			}
			if (!returnsValue && writeThrough.getString("value").trim().equals("#result")) {
				throw invalid(specific, "@WriteThrough caches '#result' by default, but the method returns nothing;"
						+ " name the value, for example value = \"#user\"");
			}
			CacheExpression value = expression(writeThrough, "value", specific);
			write = new CacheOperations.WriteThrough(writeThrough.getString("cache"),
					expression(writeThrough, "key", specific), value, options(writeThrough, specific, false));
		}

		List<MergedAnnotation<CacheInvalidate>> invalidates = onMethod.stream(CacheInvalidate.class).toList();
		if (invalidates.isEmpty() && classLevelApplies) {
			invalidates = onClass.stream(CacheInvalidate.class).toList();
		}
		List<Invalidate> invalidations = new ArrayList<>();
		for (MergedAnnotation<CacheInvalidate> invalidate : invalidates) {
			invalidations.add(new Invalidate(invalidate.getString("cache"), expression(invalidate, "key", specific),
					invalidate.getBoolean("allEntries"), invalidate.getBoolean("beforeInvocation")));
		}
		if (read != null && !invalidations.isEmpty()) {
			throw invalid(specific, "@CacheAside and @CacheInvalidate cannot be combined on one method");
		}
		CacheOperations.WriteBehind deferred = null;
		MergedAnnotation<WriteBehind> writeBehind = onMethod.get(WriteBehind.class);
		if (writeBehind.isPresent()) {
			if (read != null || write != null || !invalidations.isEmpty()) {
				throw invalid(specific, "@WriteBehind cannot be combined with the other cache annotations");
			}
			if (returnsValue) {
				throw invalid(specific, "@WriteBehind needs a void method: the call returns before the method runs");
			}
			deferred = new CacheOperations.WriteBehind(writeBehind.getString("cache"),
					expression(writeBehind, "key", specific), expression(writeBehind, "value", specific),
					writeBehind.getString("batchWriter"));
		}
		CacheOperations operations = new CacheOperations(read, write, List.copyOf(invalidations), kind, deferred);
		return operations.isEmpty() ? CacheOperations.NONE : operations;
	}

	private static ReturnKind returnKind(Class<?> type) {
		if (type == Optional.class) {
			return ReturnKind.OPTIONAL;
		}
		if (CompletableFuture.class.isAssignableFrom(type)) {
			return ReturnKind.FUTURE;
		}
		if (MONO != null && MONO.isAssignableFrom(type)) {
			return ReturnKind.MONO;
		}
		return ReturnKind.PLAIN;
	}

	private static @Nullable CacheExpression expression(MergedAnnotation<?> annotation, String attribute,
			Method method) {
		String text = annotation.getString(attribute);
		return text.isBlank() ? null
				: CacheExpression.parse(text, method, "@" + annotation.getType().getSimpleName() + "." + attribute);
	}

	private WriteOptions options(MergedAnnotation<?> annotation, Method method, boolean cacheNull) {
		Duration ttl = duration(annotation, "ttl", method);
		Duration localTtl = duration(annotation, "localTtl", method);
		return (ttl == null && localTtl == null && !cacheNull) ? WriteOptions.DEFAULT
				: new WriteOptions(ttl, localTtl, cacheNull);
	}

	private @Nullable Duration duration(MergedAnnotation<?> annotation, String attribute, Method method) {
		String text = annotation.getString(attribute);
		if (this.placeholders != null) {
			text = this.placeholders.resolveStringValue(text);
		}
		if (text == null || text.isBlank()) {
			return null;
		}
		Duration duration = DurationText.parse(text.trim());
		if (duration == null || duration.isNegative() || duration.isZero()) {
			throw invalid(method, "@" + annotation.getType().getSimpleName() + "." + attribute + " '" + text
					+ "' is not a positive duration such as \"30s\", \"10m\" or \"PT1H\"");
		}
		return duration;
	}

	private static IllegalStateException invalid(Method method, String message) {
		return new IllegalStateException(
				"Invalid tiered-cache annotation on " + CacheExpression.describe(method) + ": " + message);
	}

	private record PerClass(Class<?> targetClass, CacheOperations operations) {
	}

}
