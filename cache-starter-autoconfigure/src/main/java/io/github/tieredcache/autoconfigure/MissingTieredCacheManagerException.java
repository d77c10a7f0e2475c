package io.github.tieredcache.autoconfigure;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.core.TieredCacheManager;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.cache.CacheManager;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Thrown when a pattern annotation ({@code @CacheAside}, {@code @WriteThrough},
 * {@code @CacheInvalidate}, {@code @WriteBehind}) is used but the application has no
 * {@link TieredCacheManager}, because it defines a {@link CacheManager} of its own or
 * sets {@code spring.cache.type}. Its message says why and how to fix it;
 * {@link MissingTieredCacheManagerFailureAnalyzer} reports it at start-up.
 */
final class MissingTieredCacheManagerException extends IllegalStateException {

	/**
	 * Property with which an application chooses Spring Boot's cache set-up.
	 */
	static final String CACHE_TYPE = "spring.cache.type";

	private static final List<Class<? extends Annotation>> ANNOTATIONS = List.of(CacheAside.class, WriteThrough.class,
			CacheInvalidate.class, WriteBehind.class);

	private final String description;

	private final String action;

	/**
	 * Create an exception describing the application's cache set-up.
	 * @param method a method carrying a pattern annotation, or {@code null} if unknown
	 * @param beanFactory the application's bean factory
	 * @param environment the application's environment
	 */
	MissingTieredCacheManagerException(@Nullable Method method, ListableBeanFactory beanFactory,
			Environment environment) {
		this(describe(method, beanFactory, environment), action(beanFactory, environment));
	}

	private MissingTieredCacheManagerException(String description, String action) {
		super(description + " " + action);
		this.description = description;
		this.action = action;
	}

	/**
	 * Return what is wrong.
	 * @return the description
	 */
	String getDescription() {
		return this.description;
	}

	/**
	 * Return how to fix it.
	 * @return the action
	 */
	String getAction() {
		return this.action;
	}

	/**
	 * Return whether the application turned caching off with
	 * {@code spring.cache.type=none}: the pattern annotations then pass every call
	 * through to the method.
	 * @param environment the environment
	 * @return whether caching is off
	 */
	static boolean isCachingOff(Environment environment) {
		String type = environment.getProperty(CACHE_TYPE);
		return type != null && type.trim().toLowerCase(Locale.ROOT).equals("none");
	}

	private static String describe(@Nullable Method method, ListableBeanFactory beanFactory, Environment environment) {
		String used = (method != null)
				? annotationOn(method) + " on " + ClassUtils.getQualifiedMethodName(method) + " needs"
				: "The tiered-cache annotations need";
		// with spring.cache.type set, the CacheManager found may well be the one Spring
		// Boot made for it
		String type = environment.getProperty(CACHE_TYPE);
		List<String> managers = otherCacheManagers(beanFactory);
		String why;
		if (type != null) {
			why = "tiered-cache backed off because '" + CACHE_TYPE + "=" + type + "' hands caching to Spring Boot";
		}
		else if (!managers.isEmpty()) {
			why = "tiered-cache backed off because the application defines its own CacheManager "
					+ String.join(", ", managers);
		}
		else {
			why = "there is none";
		}
		return used + " a TieredCacheManager bean, but " + why + ".";
	}

	private static String action(ListableBeanFactory beanFactory, Environment environment) {
		@Nullable String remove = null;
		if (environment.getProperty(CACHE_TYPE) != null) {
			remove = "'" + CACHE_TYPE + "'";
		}
		else if (!otherCacheManagers(beanFactory).isEmpty()) {
			remove = "your CacheManager bean";
		}
		String define = "define a TieredCacheManager bean yourself (TieredCacheManager.builder()), marking @Primary"
				+ " the CacheManager that Spring's @Cacheable should use";
		String fix = (remove == null) ? Character.toUpperCase(define.charAt(0)) + define.substring(1)
				: "Remove " + remove + " so that tiered-cache configures its TieredCacheManager;" + " or " + define;
		return fix + "; or use Spring's @Cacheable, @CachePut and @CacheEvict instead. To turn caching off, set '"
				+ CACHE_TYPE + "=none': the annotated methods then run on every call.";
	}

	private static List<String> otherCacheManagers(ListableBeanFactory beanFactory) {
		List<String> managers = new ArrayList<>();
		for (String name : beanFactory.getBeanNamesForType(CacheManager.class, true, false)) {
			Class<?> type = beanFactory.getType(name, false);
			if (type == null || !TieredCacheManager.class.isAssignableFrom(type)) {
				managers.add("'" + name + "'" + ((type != null) ? " (" + type.getSimpleName() + ")" : ""));
			}
		}
		return managers;
	}

	private static String annotationOn(Method method) {
		MergedAnnotations onMethod = MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY);
		MergedAnnotations onClass = MergedAnnotations.from(method.getDeclaringClass(), SearchStrategy.TYPE_HIERARCHY);
		String names = ANNOTATIONS.stream()
			.filter((type) -> onMethod.isPresent(type) || onClass.isPresent(type))
			.map((type) -> "@" + type.getSimpleName())
			.collect(Collectors.joining(", "));
		return names.isEmpty() ? "A tiered-cache annotation" : names;
	}

}
