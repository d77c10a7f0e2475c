package io.github.tieredcache.testsupport;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.junit.jupiter.SpringExtension;
import org.springframework.util.Assert;
import org.springframework.util.ReflectionUtils;

/**
 * A JUnit 5 extension for Spring tests of an application that uses tiered-cache: before
 * each test it waits until every cache manager's invalidation bus is healthy, then
 * empties every cache of every {@link CacheManager} bean of the test's application
 * context (and its ancestors) with {@link Cache#invalidate()}, in both tiers. So a test
 * neither sees what an earlier one cached nor starts while the in-process tiers are
 * bypassed or about to be emptied. <pre class="code">
 * &#64;SpringBootTest
 * &#64;ExtendWith(TieredCacheExtension.class)
 * class CatalogTests { ... }
 * </pre>
 * <p>
 * The extension never names a tiered-cache class (this module is on the class path of
 * tiered-cache's own tests, so it cannot depend on the library). A cache manager has an
 * invalidation bus when it has a public {@code getInvalidationBus()} method, as
 * {@code TieredCacheManager} does; the bus it returns (if not {@code null}) is healthy
 * when its public {@code isHealthy()} method says so, as {@code InvalidationBus}'s does.
 * Other cache managers, and tiered-cache managers without Redis or with invalidation
 * switched off, are only emptied. A manager hidden behind a JDK proxy is emptied but its
 * bus is not awaited.
 * <p>
 * The application context is the one Spring's {@link SpringExtension} manages, so the
 * test class must use it ({@code @SpringBootTest}, {@code @SpringJUnitConfig}, …).
 */
public final class TieredCacheExtension implements BeforeEachCallback {

	private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	private final Duration timeout;

	/**
	 * Create an extension that waits up to ten seconds for the invalidation buses, as
	 * {@code @ExtendWith(TieredCacheExtension.class)} does.
	 */
	public TieredCacheExtension() {
		this(DEFAULT_TIMEOUT);
	}

	/**
	 * Create an extension with its own bound on the wait for healthy invalidation buses,
	 * for {@code @RegisterExtension}.
	 * @param timeout how long to wait before failing the test
	 */
	public TieredCacheExtension(Duration timeout) {
		Assert.notNull(timeout, "'timeout' must not be null");
		Assert.isTrue(!timeout.isNegative(), "'timeout' must not be negative");
		this.timeout = timeout;
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		ApplicationContext applicationContext = SpringExtension.getApplicationContext(context);
		Collection<CacheManager> managers = BeanFactoryUtils
			.beansOfTypeIncludingAncestors(applicationContext, CacheManager.class)
			.values();
		awaitHealthyBuses(managers);
		for (CacheManager manager : managers) {
			invalidateAll(manager);
		}
	}

	/**
	 * Wait until every manager's invalidation bus is healthy.
	 * @param managers the cache managers
	 * @throws IllegalStateException if a bus is not healthy within the timeout
	 */
	void awaitHealthyBuses(Collection<CacheManager> managers) {
		List<Object> buses = new ArrayList<>();
		for (CacheManager manager : managers) {
			Object bus = invalidationBus(manager);
			if (bus != null) {
				buses.add(bus);
			}
		}
		long deadline = System.nanoTime() + this.timeout.toNanos();
		for (Object bus : buses) {
			while (!isHealthy(bus)) {
				if (System.nanoTime() - deadline >= 0) {
					throw new IllegalStateException("The tiered-cache invalidation bus " + describe(bus)
							+ " is not healthy after " + this.timeout
							+ ": is Redis up, and does the test's Redis deliver pub/sub messages?");
				}
				pause();
			}
		}
	}

	private static void invalidateAll(CacheManager manager) {
		for (String name : manager.getCacheNames()) {
			Cache cache = manager.getCache(name);
			if (cache != null) {
				cache.invalidate();
			}
		}
	}

	private static @Nullable Object invalidationBus(CacheManager manager) {
		Method accessor = publicMethod(manager, "getInvalidationBus");
		return (accessor != null) ? ReflectionUtils.invokeMethod(accessor, manager) : null;
	}

	private static boolean isHealthy(Object bus) {
		Method isHealthy = publicMethod(bus, "isHealthy");
		Assert.state(isHealthy != null && isHealthy.getReturnType() == boolean.class,
				() -> bus.getClass().getName() + " has no public boolean isHealthy()");
		return Boolean.TRUE.equals(ReflectionUtils.invokeMethod(isHealthy, bus));
	}

	private static String describe(Object bus) {
		Method getState = publicMethod(bus, "getState");
		Object state = (getState != null) ? ReflectionUtils.invokeMethod(getState, bus) : null;
		return bus.getClass().getSimpleName() + ((state != null) ? " (" + state + ")" : "");
	}

	private static @Nullable Method publicMethod(Object target, String name) {
		Method method = ReflectionUtils.findMethod(target.getClass(), name);
		return (method != null && Modifier.isPublic(method.getModifiers())
				&& Modifier.isPublic(method.getDeclaringClass().getModifiers())) ? method : null;
	}

	private static void pause() {
		try {
			Thread.sleep(10);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for the invalidation bus", ex);
		}
	}

}
