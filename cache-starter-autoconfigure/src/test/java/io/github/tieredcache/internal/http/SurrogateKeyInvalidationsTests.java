package io.github.tieredcache.internal.http;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SurrogateKeyInvalidations}: every write, eviction and clear this
 * instance makes, whatever path made it, is one invalidation on this instance only; reads
 * and loads are none.
 */
class SurrogateKeyInvalidationsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withUserConfiguration(Recording.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + RedisServer.shared().port(),
				"tiered-cache.key-prefix=surrogate-" + UUID.randomUUID());

	@Test
	void everyWriteEvictionAndClearThroughTheCacheApiIsOneInvalidation() {
		this.runner.run((context) -> {
			TieredCache products = context.getBean(TieredCacheManager.class).getCache("products");
			List<String> seen = recorded(context);
			products.put(42L, "v1");
			products.get(42L);
			products.get(43L, () -> "loaded");
			assertThat(seen).as("a hit and a load are no change").containsExactly("products:42");
			products.putIfAbsent(44L, "v1");
			products.putIfAbsent(44L, "v2");
			products.evict(42L);
			products.evictIfPresent(43L);
			products.put(45L, null);
			products.clear();
			products.invalidate();
			assertThat(seen).containsExactly("products:42", "products:44", "products:42", "products:43", "products:45",
					"products", "products");
		});
	}

	@Test
	void springCacheAnnotationsAndPatternAnnotationsAreChangesToo() {
		this.runner.run((context) -> {
			Catalog catalog = context.getBean(Catalog.class);
			List<String> seen = recorded(context);
			catalog.cacheable(1L);
			catalog.cacheable(1L);
			assertThat(seen).as("@Cacheable's put after its miss").containsExactly("books:1");
			catalog.cachePut(2L);
			catalog.cacheEvict(3L);
			catalog.cacheAside(4L);
			catalog.cacheAside(4L);
			catalog.writeThrough(5L);
			catalog.cacheInvalidate(6L);
			assertThat(seen).containsExactly("books:1", "books:2", "books:3", "products:5", "products:6");
		});
	}

	@Test
	void onlyTheInstanceThatMadeTheChangeIsTold() {
		this.runner.run((writer) -> this.runner.run((other) -> {
			writer.getBean(TieredCacheManager.class).getCache("products").put(7L, "v");
			other.getBean(TieredCacheManager.class).getCache("products").get(7L);
			assertThat(recorded(writer)).containsExactly("products:7");
			assertThat(recorded(other)).isEmpty();
		}));
	}

	@Test
	void ignoredCachesAndFailingListeners() {
		this.runner.run((context) -> {
			SurrogateKeyInvalidations invalidations = context.getBean(SurrogateKeyInvalidations.class);
			invalidations.subscribe((key) -> {
				throw new IllegalStateException("listener failure");
			});
			invalidations.ignoreCache("http");
			TieredCacheManager manager = context.getBean(TieredCacheManager.class);
			manager.getCache("http").put("GET /products", "response");
			manager.getCache("products").put(8L, "v");
			assertThat(manager.getCache("products").get(8L).get()).isEqualTo("v");
			assertThat(recorded(context)).containsExactly("products:8");
		});
	}

	@SuppressWarnings("unchecked")
	private static List<String> recorded(AssertableApplicationContext context) {
		return context.getBean("recorded", List.class);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class Recording {

		@Bean
		List<String> recorded() {
			return new CopyOnWriteArrayList<>();
		}

		@Bean
		SurrogateKeyInvalidations surrogateKeyInvalidations(TieredCacheManager manager, List<String> recorded) {
			SurrogateKeyInvalidations invalidations = new SurrogateKeyInvalidations();
			invalidations.subscribe(recorded::add);
			manager.addChangeListener(invalidations);
			return invalidations;
		}

		@Bean
		Catalog catalog() {
			return new Catalog();
		}

	}

	static class Catalog {

		@Cacheable(cacheNames = "books", key = "#id")
		public String cacheable(Long id) {
			return "book " + id;
		}

		@CachePut(cacheNames = "books", key = "#id")
		public String cachePut(Long id) {
			return "book " + id;
		}

		@CacheEvict(cacheNames = "books", key = "#id")
		public void cacheEvict(Long id) {
		}

		@CacheAside(cache = "products", key = "#id")
		public String cacheAside(Long id) {
			return "product " + id;
		}

		@WriteThrough(cache = "products", key = "#id")
		public String writeThrough(Long id) {
			return "product " + id;
		}

		@CacheInvalidate(cache = "products", key = "#id")
		public void cacheInvalidate(Long id) {
		}

	}

}
