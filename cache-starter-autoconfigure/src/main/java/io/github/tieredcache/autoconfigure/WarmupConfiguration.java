package io.github.tieredcache.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.origin.OriginRamp;
import io.github.tieredcache.internal.warmup.CacheWarming;
import io.github.tieredcache.internal.warmup.WarmingTask;
import io.github.tieredcache.warmup.CacheWarmer;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.ConversionService;

/**
 * Cache warming at start-up ({@code tiered-cache.warm.*}), its readiness gate and the
 * origin ramp.
 * <p>
 * Warming starts in a {@link SmartLifecycle} just after the cache manager's (so Redis and
 * the bus are up), on its own threads, while the rest of the context starts. Readiness is
 * held by an {@link ApplicationRunner}: Spring Boot runs the runners after it has
 * published {@code ApplicationStartedEvent} and {@code LivenessState.CORRECT} (so
 * liveness is untouched and the web server is already answering probes) and before it
 * publishes {@code ApplicationReadyEvent} and {@code ReadinessState.ACCEPTING_TRAFFIC}.
 * Until then readiness is {@code REFUSING_TRAFFIC}, so waiting in a runner holds it
 * there, without publishing a state that Spring Boot's own {@code ACCEPTING_TRAFFIC}
 * could race. The runner waits at most what is left of
 * {@code tiered-cache.warm.time-budget}; the warming's own coordinator interrupts it at
 * the budget even where no runner runs (a context started without
 * {@code SpringApplication}).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(TieredCacheAutoConfiguration.TieredCacheManagerCondition.class)
@ConditionalOnBooleanProperty(name = "tiered-cache.warm.enabled", matchIfMissing = true)
class WarmupConfiguration {

	@Bean
	CacheWarming tieredCacheWarming(TieredCacheManager cacheManager, TieredCacheProperties properties,
			ConfigurableListableBeanFactory beanFactory) {
		TieredCacheProperties.Warm warm = properties.getWarm();
		WarmupResolver.validate(warm);
		ConversionService conversionService = beanFactory.getConversionService();
		if (conversionService == null) {
			conversionService = ApplicationConversionService.getSharedInstance();
		}
		ClassLoader classLoader = (beanFactory.getBeanClassLoader() != null) ? beanFactory.getBeanClassLoader()
				: getClass().getClassLoader();
		Map<String, WarmupResolver.CacheWarmup> caches = WarmupResolver.resolve(properties, classLoader,
				conversionService, (name) -> ((TieredCache) cacheManager.getCache(name)).getSettings());
		List<WarmingTask> tasks = new ArrayList<>();
		caches.values().forEach((cache) -> tasks.addAll(cache.tasks()));
		@SuppressWarnings("rawtypes")
		Map<String, CacheWarmer> warmers = beanFactory.getBeansOfType(CacheWarmer.class);
		warmers.forEach((name, warmer) -> tasks
			.add(WarmupResolver.warmer(name, warmer, properties.isDynamic(), cacheManager.getCacheNames())));
		OriginRamp ramp = (!warm.getRamp().isZero() && !tasks.isEmpty())
				? new OriginRamp(Ticker.systemTicker(), warm.getRamp(), warm.getRampWait()) : null;
		return new CacheWarming(cacheManager, tasks, warm.getParallelism(), warm.getTimeBudget(), warm.getBatchSize(),
				ramp);
	}

	@Bean
	SmartLifecycle tieredCacheWarmingLifecycle(CacheWarming warming, TieredCacheManager cacheManager,
			TieredCacheProperties properties, ConfigurableListableBeanFactory beanFactory) {
		return new WarmingLifecycle(warming, cacheManager, properties, beanFactory);
	}

	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	ApplicationRunner tieredCacheReadinessGate(CacheWarming warming) {
		// last among the runners: warming started with the context (a SmartLifecycle) and
		// runs beside the application's own runners; readiness waits for this one
		return (arguments) -> warming.awaitCompletion();
	}

	/**
	 * Starts warming after the cache manager has started, and applies the origin ramp's
	 * limiters to every cache, including those created while it lasts.
	 */
	static final class WarmingLifecycle implements SmartLifecycle {

		private final CacheWarming warming;

		private final TieredCacheManager cacheManager;

		private final TieredCacheProperties properties;

		private final ConfigurableListableBeanFactory beanFactory;

		private volatile boolean running;

		WarmingLifecycle(CacheWarming warming, TieredCacheManager cacheManager, TieredCacheProperties properties,
				ConfigurableListableBeanFactory beanFactory) {
			this.warming = warming;
			this.cacheManager = cacheManager;
			this.properties = properties;
			this.beanFactory = beanFactory;
		}

		@Override
		public void start() {
			OriginRamp ramp = this.warming.getRamp();
			if (ramp != null) {
				// called at once for every cache, then for each cache created later
				this.cacheManager.addCacheListener((cache) -> limit(ramp, cache));
			}
			this.warming.start();
			this.running = true;
		}

		private void limit(OriginRamp ramp, TieredCache cache) {
			if (ramp.hasEnded()) {
				return;
			}
			ClassLoader classLoader = this.beanFactory.getBeanClassLoader();
			WarmupResolver.CacheWarmup warmup = WarmupResolver.resolve(this.properties, cache.getName(),
					(classLoader != null) ? classLoader : getClass().getClassLoader(),
					ApplicationConversionService.getSharedInstance(), cache.getSettings());
			cache.limitOrigin(ramp.limiter(warmup.rampFrom(), warmup.rampTo()));
		}

		@Override
		public void stop() {
			this.warming.stop();
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return TieredCacheManager.PHASE + 1;
		}

	}

}
