package io.github.tieredcache.autoconfigure;

import java.util.UUID;

import io.github.tieredcache.http.CachedResponse;
import io.github.tieredcache.http.HttpCaching;
import io.github.tieredcache.internal.http.HttpCachingFilter;
import io.github.tieredcache.internal.http.HttpCachingInterceptor;
import io.github.tieredcache.internal.http.HttpCachingResponseBodyAdvice;
import io.github.tieredcache.internal.http.ResponseCache;
import io.github.tieredcache.internal.http.SurrogateKeyInvalidations;
import io.github.tieredcache.internal.http.SurrogateKeyPurger;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.DispatcherServlet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TieredCacheHttpAutoConfiguration}.
 */
class TieredCacheHttpAutoConfigurationTests {

	private final RedisServer redis = RedisServer.shared();

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				CacheAutoConfiguration.class, WebMvcAutoConfiguration.class, TieredCacheHttpAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=http-autoconfig-" + UUID.randomUUID());

	@Test
	void servletWebApplicationGetsTheInterceptorFilterAndAdvice() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(HttpCachingInterceptor.class);
			assertThat(context).hasSingleBean(HttpCachingFilter.class);
			assertThat(context).hasSingleBean(HttpCachingResponseBodyAdvice.class);
		});
	}

	@Test
	void backsOffWhenDisabled() {
		this.runner.withPropertyValues("tiered-cache.http.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HttpCachingInterceptor.class)
				.doesNotHaveBean(HttpCachingFilter.class));
	}

	@Test
	void backsOffWithoutSpringMvc() {
		this.runner.withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
			.run((context) -> assertThat(context).doesNotHaveBean(HttpCachingInterceptor.class));
	}

	@Test
	void backsOffOutsideAServletWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(TieredCacheAutoConfiguration.class, TieredCacheHttpAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(HttpCachingInterceptor.class));
	}

	@Test
	void ruleWithoutAPathFailsNamingTheKey() {
		this.runner.withPropertyValues("tiered-cache.http.rules[0].max-age=1m").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("tiered-cache.http.rules[0].path is not set");
		});
	}

	@Test
	void ruleWithAMalformedSurrogateKeyFailsAtStartUp() {
		this.runner
			.withPropertyValues("tiered-cache.http.rules[0].path=/a/**",
					"tiered-cache.http.rules[0].surrogate-keys='unclosed")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("surrogate keys of rule /a/**");
			});
	}

	@Test
	void malformedAnnotationFailsAtStartUpNamingTheMethod() {
		this.runner.withUserConfiguration(MalformedController.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("maxAge = \"soon\"")
				.hasStackTraceContaining("MalformedController.get()");
		});
	}

	@Test
	void cachedResponseWithAMalformedTtlFailsAtStartUpNamingTheMethod() {
		this.runner.withUserConfiguration(MalformedTtlController.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("@CachedResponse(ttl = \"later\")")
				.hasStackTraceContaining("MalformedTtlController.get()");
		});
	}

	@Test
	void cachedResponseInAnUnknownCacheFailsAtStartUpNamingTheFix() {
		this.runner.withUserConfiguration(ResponseController.class)
			.withPropertyValues("tiered-cache.dynamic=false", "tiered-cache.caches.products.ttl=1m")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("@CachedResponse(cache = \"http\") on")
					.hasStackTraceContaining("list it under 'tiered-cache.caches'");
			});
	}

	@Test
	void responseCacheAndSurrogateKeyInvalidationsAreConfigured() {
		this.runner.withUserConfiguration(ResponseController.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(ResponseCache.class).hasSingleBean(SurrogateKeyInvalidations.class);
			assertThat(context).doesNotHaveBean(SurrogateKeyPurger.class);
		});
	}

	@RestController
	static class MalformedTtlController {

		@GetMapping("/malformed-ttl")
		@CachedResponse(ttl = "later")
		String get() {
			return "never";
		}

	}

	@RestController
	static class ResponseController {

		@GetMapping("/cached")
		@CachedResponse
		String get() {
			return "cached";
		}

	}

	@RestController
	static class MalformedController {

		@GetMapping("/malformed")
		@HttpCaching(maxAge = "soon")
		String get() {
			return "never";
		}

	}

}
