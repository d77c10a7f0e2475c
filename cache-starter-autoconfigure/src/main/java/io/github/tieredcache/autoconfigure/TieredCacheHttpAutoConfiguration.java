package io.github.tieredcache.autoconfigure;

import java.util.List;

import io.github.tieredcache.core.CacheInvalidatedEvent;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.http.CachedETag;
import io.github.tieredcache.http.HttpCaching;
import io.github.tieredcache.internal.DaemonThreads;
import io.github.tieredcache.internal.http.HttpCachePolicy;
import io.github.tieredcache.internal.http.HttpCachingFilter;
import io.github.tieredcache.internal.http.HttpCachingInterceptor;
import io.github.tieredcache.internal.http.HttpCachingResponseBodyAdvice;
import io.github.tieredcache.internal.http.HttpCachingRules;
import io.github.tieredcache.internal.http.ResponseCache;
import io.github.tieredcache.internal.http.SurrogateKeyInvalidations;
import io.github.tieredcache.internal.http.SurrogateKeyPurger;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * {@link AutoConfiguration Auto-configuration} of HTTP caching for Spring MVC:
 * {@link HttpCaching} and {@code tiered-cache.http.rules} ({@code Cache-Control},
 * {@code CDN-Cache-Control}, {@code Surrogate-Key}, {@code Vary}) and {@link CachedETag}
 * ({@code ETag}, {@code 304} from the cache entry). An interceptor resolves each
 * request's policy and answers {@code 304} before argument binding; a filter writes the
 * headers just before the response commits; a response-body advice hands the body to
 * surrogate-key expressions. Annotations are checked at start-up.
 */
@AutoConfiguration(after = TieredCacheAutoConfiguration.class,
		afterName = "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@ConditionalOnBean(TieredCacheManager.class)
@ConditionalOnBooleanProperty(name = "tiered-cache.http.enabled", matchIfMissing = true)
@EnableConfigurationProperties(TieredCacheProperties.class)
public final class TieredCacheHttpAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HttpCachingInterceptor tieredCacheHttpCachingInterceptor(TieredCacheManager cacheManager,
			TieredCacheProperties properties,
			@Qualifier("mvcConversionService") ObjectProvider<ConversionService> conversionService,
			ObjectProvider<ResponseCache> responseCache) {
		return new HttpCachingInterceptor(rules(properties.getHttp().getRules()), cacheManager::getCache,
				() -> conversionService.getIfAvailable(DefaultConversionService::getSharedInstance),
				responseCache.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	ResponseCache tieredCacheResponseCache(TieredCacheManager cacheManager, SurrogateKeyInvalidations invalidations) {
		ResponseCache responseCache = new ResponseCache(cacheManager::getCache, cacheManager.getRedisTier(),
				cacheManager.getKeyPrefix(), invalidations);
		invalidations.subscribe(responseCache);
		return responseCache;
	}

	@Bean
	ResponseCacheRemoteInvalidations tieredCacheResponseCacheRemoteInvalidations(ResponseCache responseCache) {
		return new ResponseCacheRemoteInvalidations(responseCache);
	}

	@Bean
	@ConditionalOnMissingBean
	SurrogateKeyInvalidations tieredCacheSurrogateKeyInvalidations(TieredCacheManager cacheManager) {
		// every write, eviction and clear this instance makes becomes a surrogate-key
		// invalidation (C:K, or C for a clear), told to the response cache and the purger
		SurrogateKeyInvalidations invalidations = new SurrogateKeyInvalidations();
		cacheManager.addChangeListener(invalidations);
		return invalidations;
	}

	@Bean
	@ConditionalOnMissingBean
	HttpCachingFilter tieredCacheHttpCachingFilter(ObjectProvider<ResponseCache> responseCache) {
		return new HttpCachingFilter(responseCache.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	HttpCachingResponseBodyAdvice tieredCacheHttpCachingResponseBodyAdvice() {
		return new HttpCachingResponseBodyAdvice();
	}

	@Bean
	@ConditionalOnMissingBean
	@Conditional(OnPurgeUrls.class)
	SurrogateKeyPurger tieredCacheSurrogateKeyPurger(TieredCacheProperties properties,
			SurrogateKeyInvalidations invalidations) {
		TieredCacheProperties.Purge purge = properties.getHttp().getPurge();
		SurrogateKeyPurger purger;
		try {
			purger = new SurrogateKeyPurger(
					new SurrogateKeyPurger.Settings(purge.getUrls(), purge.getMethod(),
							SurrogateKeyPurger.Mode.valueOf(purge.getMode().name()), purge.getHeader(),
							purge.getPaths(), purge.getMaxAttempts(), purge.getBackoff(), purge.getTimeout(),
							purge.getQueueCapacity(), purge.getBatchSize()),
					DaemonThreads.single("tiered-cache-purge"), (duration) -> Thread.sleep(duration.toMillis()));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("tiered-cache.http.purge is invalid: " + ex.getMessage(), ex);
		}
		invalidations.subscribe(purger);
		return purger;
	}

	@Bean
	WebMvcConfigurer tieredCacheHttpCachingWebMvcConfigurer(HttpCachingInterceptor interceptor) {
		return new WebMvcConfigurer() {

			@Override
			public void addInterceptors(InterceptorRegistry registry) {
				// last: an interceptor that rejects a request (authorization, say) runs
				// before a 304 could tell anything about the entry
				registry.addInterceptor(interceptor).order(Ordered.LOWEST_PRECEDENCE);
			}

		};
	}

	@Bean
	static SmartInitializingSingleton tieredCacheHttpCachingValidator(
			ObjectProvider<RequestMappingHandlerMapping> mappings, ObjectProvider<HttpCachingInterceptor> interceptor) {
		// a malformed @HttpCaching or @CachedETag fails the start-up, naming the method
		return () -> mappings.orderedStream()
			.forEach((mapping) -> mapping.getHandlerMethods().values().forEach(interceptor.getObject()::validate));
	}

	/**
	 * Matches when 'tiered-cache.http.purge.urls' lists at least one URL (indexed or
	 * comma-separated).
	 */
	static final class OnPurgeUrls extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			boolean set = !Binder.get(context.getEnvironment())
				.bind("tiered-cache.http.purge.urls", Bindable.listOf(String.class))
				.orElse(List.of())
				.isEmpty();
			return set ? ConditionOutcome.match("tiered-cache.http.purge.urls is set")
					: ConditionOutcome.noMatch("tiered-cache.http.purge.urls is empty");
		}

	}

	/**
	 * Counters of the response cache and the purger, for Micrometer.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class HttpCachingMetricsConfiguration {

		@Bean
		MeterBinder tieredCacheHttpMeterBinder(ObjectProvider<ResponseCache> responseCache,
				ObjectProvider<SurrogateKeyPurger> purger) {
			return (registry) -> {
				ResponseCache responses = responseCache.getIfAvailable();
				if (responses != null) {
					responseCounter(registry, responses, "hit", ResponseCache::hits);
					responseCounter(registry, responses, "miss", ResponseCache::misses);
					responseCounter(registry, responses, "stored", ResponseCache::stored);
					responseCounter(registry, responses, "bypassed", ResponseCache::bypassed);
					responseCounter(registry, responses, "dropped-as-stale", ResponseCache::droppedAsStale);
				}
				SurrogateKeyPurger purges = purger.getIfAvailable();
				if (purges != null) {
					purgeCounter(registry, purges, "sent", SurrogateKeyPurger::sent);
					purgeCounter(registry, purges, "retried", SurrogateKeyPurger::retried);
					purgeCounter(registry, purges, "failed", SurrogateKeyPurger::failed);
					purgeCounter(registry, purges, "dropped", SurrogateKeyPurger::dropped);
					purgeCounter(registry, purges, "skipped", SurrogateKeyPurger::skipped);
					Gauge.builder("tiered.cache.http.purge.queued", purges, SurrogateKeyPurger::queued)
						.description("Surrogate keys waiting to be purged")
						.register(registry);
				}
			};
		}

		private static void responseCounter(io.micrometer.core.instrument.MeterRegistry registry,
				ResponseCache responses, String result, java.util.function.ToDoubleFunction<ResponseCache> count) {
			FunctionCounter.builder("tiered.cache.http.responses", responses, count)
				.tag("result", result)
				.description("Requests of @CachedResponse handlers and stored responses, by result")
				.register(registry);
		}

		private static void purgeCounter(io.micrometer.core.instrument.MeterRegistry registry,
				SurrogateKeyPurger purges, String outcome,
				java.util.function.ToDoubleFunction<SurrogateKeyPurger> count) {
			FunctionCounter.builder("tiered.cache.http.purges", purges, count)
				.tag("outcome", outcome)
				.description("Purge requests sent, retried and failed; surrogate keys dropped and skipped")
				.register(registry);
		}

	}

	static HttpCachingRules rules(List<TieredCacheProperties.Rule> rules) {
		return new HttpCachingRules(java.util.stream.IntStream.range(0, rules.size())
			.mapToObj((index) -> rule(rules.get(index), "tiered-cache.http.rules[" + index + "]"))
			.toList());
	}

	private static HttpCachingRules.Rule rule(TieredCacheProperties.Rule rule, String key) {
		if (!StringUtils.hasText(rule.getPath())) {
			throw new IllegalStateException(
					key + ".path is not set: give each rule an Ant-style path such as " + "'/products/**'");
		}
		if (rule.getMethods().isEmpty()) {
			throw new IllegalStateException(key + ".methods is empty: list the methods it applies to, such as [GET]");
		}
		HttpCachePolicy policy = new HttpCachePolicy(rule.getMaxAge(), rule.getSMaxAge(),
				rule.getStaleWhileRevalidate(), rule.getStaleIfError(), rule.getScope(), rule.isNoStore(),
				rule.isMustRevalidate(), rule.isImmutable(), rule.getCdnMaxAge(), rule.getSurrogateKeys(),
				rule.getVary());
		try {
			return new HttpCachingRules.Rule(rule.getPath(), java.util.Set.copyOf(rule.getMethods()), policy);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(key + " is invalid: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Tells the response cache of other instances' invalidations, for the response caches
	 * kept in process only (a change is otherwise reported on the instance that made it).
	 */
	static final class ResponseCacheRemoteInvalidations implements ApplicationListener<CacheInvalidatedEvent> {

		private final ResponseCache responseCache;

		ResponseCacheRemoteInvalidations(ResponseCache responseCache) {
			this.responseCache = responseCache;
		}

		@Override
		public void onApplicationEvent(CacheInvalidatedEvent event) {
			if (event.getOrigin() == CacheInvalidatedEvent.Origin.REMOTE) {
				this.responseCache.invalidatedElsewhere(event.getCacheName(), event.getKey());
			}
		}

	}

}
