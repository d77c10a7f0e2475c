package io.github.tieredcache.internal.aspect;

import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.github.tieredcache.core.CacheKeyEncoder;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.core.WriteOptions;
import io.github.tieredcache.internal.aspect.CacheOperations.Invalidate;
import io.github.tieredcache.internal.aspect.CacheOperations.ReturnKind;
import io.github.tieredcache.internal.writebehind.WriteBehindReplay;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.cache.Cache;
import org.springframework.cache.interceptor.SimpleKeyGenerator;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringValueResolver;
import org.springframework.util.function.SingletonSupplier;

/**
 * Applies {@code @CacheAside}, {@code @WriteThrough} and {@code @CacheInvalidate}: works
 * out the call's cache, key and value, then hands over to {@link TieredCache}. Writes and
 * invalidations made inside a Spring transaction wait for its commit and are dropped on
 * rollback.
 * <p>
 * Without a cache manager (its supplier returns {@code null}) every intercepted call
 * passes through to the method, as Spring's own annotations do over a no-op cache; a
 * {@code @WriteBehind} call that names a batch writer is written by that writer at once,
 * on the caller's thread.
 * <p>
 * Thread-safe.
 */
public final class TieredCacheInterceptor implements MethodInterceptor {

	private static final boolean transactionsPresent = ClassUtils.isPresent(
			"org.springframework.transaction.support.TransactionSynchronizationManager",
			TieredCacheInterceptor.class.getClassLoader());

	private final Supplier<? extends @Nullable TieredCacheManager> cacheManagerSupplier;

	private volatile @Nullable TieredCacheManager cacheManager;

	private volatile boolean passThrough;

	private volatile @Nullable Method interceptedMethod;

	private final CacheOperationSource operationSource;

	private final Supplier<@Nullable WriteBehindService> writeBehind;

	private final @Nullable BeanFactory beanFactory;

	/**
	 * Create an interceptor.
	 * @param cacheManager supplies the cache manager on the first intercepted call (so
	 * that creating the interceptor, early in the context's life, creates nothing else),
	 * or {@code null} to pass every call through to the method
	 * @param placeholders resolves {@code ${…}} in TTL attributes, or {@code null}
	 */
	public TieredCacheInterceptor(Supplier<? extends @Nullable TieredCacheManager> cacheManager,
			@Nullable StringValueResolver placeholders) {
		this(cacheManager, placeholders, () -> null);
	}

	/**
	 * Create an interceptor that also applies {@code @WriteBehind}.
	 * @param cacheManager supplies the cache manager on the first intercepted call, or
	 * {@code null} to pass every call through to the method
	 * @param placeholders resolves {@code ${…}} in TTL attributes, or {@code null}
	 * @param writeBehind supplies the write-behind service, or {@code null} where there
	 * is none (without Redis: {@code @WriteBehind} then writes through)
	 */
	public TieredCacheInterceptor(Supplier<? extends @Nullable TieredCacheManager> cacheManager,
			@Nullable StringValueResolver placeholders, Supplier<@Nullable WriteBehindService> writeBehind) {
		this(cacheManager, placeholders, writeBehind, null);
	}

	/**
	 * Create an interceptor that also applies {@code @WriteBehind}, finding batch writers
	 * for calls written through without a write-behind service.
	 * @param cacheManager supplies the cache manager on the first intercepted call, or
	 * {@code null} to pass every call through to the method
	 * @param placeholders resolves {@code ${…}} in TTL attributes, or {@code null}
	 * @param writeBehind supplies the write-behind service, or {@code null} where there
	 * is none (without Redis: {@code @WriteBehind} then writes through)
	 * @param beanFactory where batch writers are found when there is no write-behind
	 * service, or {@code null}
	 */
	public TieredCacheInterceptor(Supplier<? extends @Nullable TieredCacheManager> cacheManager,
			@Nullable StringValueResolver placeholders, Supplier<@Nullable WriteBehindService> writeBehind,
			@Nullable BeanFactory beanFactory) {
		this.cacheManagerSupplier = cacheManager;
		// resolved once it exists, not per call (an ObjectProvider lookup is costly)
		this.writeBehind = SingletonSupplier.of(writeBehind);
		this.beanFactory = beanFactory;
		this.operationSource = new CacheOperationSource(placeholders);
	}

	/**
	 * Return whether a method carries any pattern annotation (parsing it, so that a bad
	 * annotation fails now).
	 * @param method the method
	 * @param targetClass the target class
	 * @return whether calls to the method must be intercepted
	 */
	boolean intercepts(Method method, Class<?> targetClass) {
		boolean intercepts = !this.operationSource.get(method, targetClass).isEmpty();
		if (intercepts && this.interceptedMethod == null) {
			this.interceptedMethod = AopUtils.getMostSpecificMethod(method, targetClass);
		}
		return intercepts;
	}

	/**
	 * Return a method found to carry a pattern annotation, for checks at the end of
	 * start-up (such as whether a cache manager is needed at all).
	 * @return the first such method the advisor matched, or {@code null} if it has
	 * matched none yet
	 */
	public @Nullable Method getInterceptedMethod() {
		return this.interceptedMethod;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		if (target == null) {
			return invocation.proceed();
		}
		Method method = invocation.getMethod();
		CacheOperations operations = this.operationSource.get(method, target.getClass());
		if (operations.isEmpty()) {
			return invocation.proceed();
		}
		Object[] args = invocation.getArguments();
		if (cacheManager() == null) {
			CacheOperations.WriteBehind deferred = operations.deferred();
			if (deferred != null && !WriteBehindReplay.isReplaying()) {
				// the method of a call a batch writer writes need not be runnable: run
				// what would have written it
				Object value = deferred.value().evaluate(target, args, null);
				WriteBehindService.writeThrough(this.beanFactory, deferred.batchWriter(),
						key(deferred.key(), target, args, null),
						(value instanceof Optional<?> optional) ? optional.orElse(null) : value, invocation::proceed);
				return null;
			}
			return invocation.proceed();
		}
		if (operations.deferred() != null) {
			return deferred(operations.deferred(), invocation, target, args);
		}
		if (operations.read() != null) {
			return read(operations.read(), operations.returnKind(), invocation, target, args);
		}
		for (Invalidate invalidate : operations.invalidations()) {
			if (invalidate.beforeInvocation()) {
				invalidate(invalidate, target, args, null, method, false);
			}
		}
		Object result = invocation.proceed();
		return switch (operations.returnKind()) {
			case FUTURE -> ((CompletableFuture<?>) result).thenApply((value) -> {
				afterWrite(operations, target, args, value, method);
				return value;
			});
			case MONO ->
				ReactorSupport.afterValue(result, (value) -> afterWrite(operations, target, args, value, method));
			case OPTIONAL -> {
				afterWrite(operations, target, args, ((Optional<?>) result).orElse(null), method);
				yield result;
			}
			case PLAIN -> {
				afterWrite(operations, target, args, result, method);
				yield result;
			}
		};
	}

	private @Nullable Object deferred(CacheOperations.WriteBehind deferred, MethodInvocation invocation, Object target,
			Object[] args) throws Throwable {
		if (WriteBehindReplay.isReplaying()) {
			return invocation.proceed();
		}
		Method method = invocation.getMethod();
		TieredCache cache = cache(deferred.cacheName(), method);
		Object key = key(deferred.key(), target, args, null);
		Object value = deferred.value().evaluate(target, args, null);
		Object content = (value instanceof Optional<?> optional) ? optional.orElse(null) : value;
		WriteBehindService service = this.writeBehind.get();
		if (service != null) {
			service.write(target, method, args, deferred.cacheName() + ":" + CacheKeyEncoder.encode(key), key, content,
					deferred.batchWriter(), invocation::proceed);
		}
		else {
			// no durable queue for it: write through now rather than lose it
			WriteBehindService.writeThrough(this.beanFactory, deferred.batchWriter(), key, content,
					invocation::proceed);
		}
		// only once the call is queued or written: a rejected call leaves the cache
		// unchanged
		cache.put(key, content);
		return null;
	}

	private @Nullable Object read(CacheOperations.CacheAside read, ReturnKind kind, MethodInvocation invocation,
			Object target, Object[] args) throws Throwable {
		if (read.condition() != null && !read.condition().isTrue(target, args, null)) {
			return invocation.proceed();
		}
		TieredCache cache = cache(read.cacheName(), invocation.getMethod());
		Object key = key(read.key(), target, args, null);
		return switch (kind) {
			case PLAIN -> readPlain(cache, key, read, invocation, target, args);
			case OPTIONAL -> Optional.ofNullable(readPlain(cache, key, read, invocation, target, args));
			case FUTURE -> readAsync(cache, key, read, () -> future(invocation), target, args);
			case MONO -> ReactorSupport.defer(() -> readAsync(cache, key, read,
					() -> ReactorSupport.toFuture(proceedUnchecked(invocation)), target, args));
		};
	}

	private @Nullable Object readPlain(TieredCache cache, Object key, CacheOperations.CacheAside read,
			MethodInvocation invocation, Object target, Object[] args) throws Throwable {
		boolean optional = invocation.getMethod().getReturnType() == Optional.class;
		try {
			return cache.get(key, () -> unwrap(proceedUnchecked(invocation), optional), options(read, target, args));
		}
		catch (Cache.ValueRetrievalException ex) {
			throw (ex.getCause() instanceof InvocationFailure failure) ? failure.getCause() : ex;
		}
	}

	private CompletableFuture<?> readAsync(TieredCache cache, Object key, CacheOperations.CacheAside read,
			Supplier<CompletableFuture<Object>> loader, Object target, Object[] args) {
		return cache.retrieve(key, loader, options(read, target, args));
	}

	/**
	 * The read's write options; with {@code unless}, a loaded value it matches goes to
	 * the caller only (loaded under the same lease as any other, so a load racing a write
	 * never stores an older value).
	 */
	private static WriteOptions options(CacheOperations.CacheAside read, Object target, Object[] args) {
		CacheExpression unless = read.unless();
		return (unless != null) ? read.options().storeIf((value) -> !unless.isTrue(target, args, value))
				: read.options();
	}

	@SuppressWarnings("unchecked")
	private static CompletableFuture<Object> future(MethodInvocation invocation) {
		try {
			Object result = invocation.proceed();
			return (result != null) ? (CompletableFuture<Object>) result : CompletableFuture.completedFuture(null);
		}
		catch (Throwable ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	private static @Nullable Object proceedUnchecked(MethodInvocation invocation) {
		try {
			return invocation.proceed();
		}
		catch (Throwable ex) {
			throw new InvocationFailure(ex);
		}
	}

	private static @Nullable Object unwrap(@Nullable Object result, boolean optional) {
		return (optional && result != null) ? ((Optional<?>) result).orElse(null) : result;
	}

	private void afterWrite(CacheOperations operations, Object target, Object[] args, @Nullable Object result,
			Method method) {
		CacheOperations.WriteThrough write = operations.write();
		if (write != null) {
			TieredCache cache = cache(write.cacheName(), method);
			Object key = key(write.key(), target, args, result);
			Object value = write.value().evaluate(target, args, result);
			Object content = (value instanceof Optional<?> optional) ? optional.orElse(null) : value;
			afterCommit(() -> cache.put(key, content, write.options()));
		}
		for (Invalidate invalidate : operations.invalidations()) {
			// one made before the call is repeated after commit, so that a value a
			// concurrent
			// reader loaded during the transaction does not survive it
			if (!invalidate.beforeInvocation() || inTransaction()) {
				invalidate(invalidate, target, args, invalidate.beforeInvocation() ? null : result, method, true);
			}
		}
	}

	private void invalidate(Invalidate invalidate, Object target, Object[] args, @Nullable Object result, Method method,
			boolean afterCommit) {
		TieredCache cache = cache(invalidate.cacheName(), method);
		Runnable action;
		if (invalidate.allEntries()) {
			action = cache::clear;
		}
		else {
			Object key = key(invalidate.key(), target, args, result);
			action = () -> cache.evict(key);
		}
		if (afterCommit) {
			afterCommit(action);
		}
		else {
			action.run();
		}
	}

	private static boolean inTransaction() {
		return transactionsPresent && TransactionSynchronizationManager.isSynchronizationActive();
	}

	/**
	 * Run now, or after the current transaction commits (never, if it rolls back).
	 */
	private static void afterCommit(Runnable action) {
		if (inTransaction()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

				@Override
				public void afterCommit() {
					action.run();
				}

			});
		}
		else {
			action.run();
		}
	}

	private @Nullable TieredCacheManager cacheManager() {
		TieredCacheManager manager = this.cacheManager;
		if (manager == null && !this.passThrough) {
			manager = this.cacheManagerSupplier.get();
			if (manager != null) {
				this.cacheManager = manager;
			}
			else {
				this.passThrough = true;
			}
		}
		return manager;
	}

	private TieredCache cache(String name, Method method) {
		TieredCacheManager manager = this.cacheManager;
		Assert.state(manager != null, "No cache manager");
		TieredCache cache = manager.getCache(name);
		if (cache == null) {
			throw new IllegalStateException("Cache '" + name + "' named on " + CacheExpression.describe(method)
					+ " does not exist: list it under 'tiered-cache.caches' or set 'tiered-cache.dynamic=true'");
		}
		return cache;
	}

	private static Object key(@Nullable CacheExpression expression, Object target, Object[] args,
			@Nullable Object result) {
		if (expression == null) {
			return SimpleKeyGenerator.generateKey(args);
		}
		Object key = expression.evaluate(target, args, result);
		return (key != null) ? key : SimpleKeyGenerator.generateKey((Object) null);
	}

	/**
	 * Carries what the intercepted method threw through the cache's loader, so the caller
	 * gets it unwrapped.
	 */
	private static final class InvocationFailure extends RuntimeException {

		InvocationFailure(Throwable cause) {
			super(null, cause, false, false);
		}

	}

}
